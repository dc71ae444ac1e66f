/** `twostep serve [--dev] [--print-config] [--config FILE] [--<setting> value …]` */
import { type Command, parse, SettingsError, withSettings } from '../cli.ts';
import { describeSettings } from '../config.ts';
import { serveConfig } from '../serve-config.ts';

export const serve: Command = async (args, { env, print, note }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dev: { type: 'boolean' }, 'print-config': { type: 'boolean' } });
  const dev = values.dev === true;
  if (values['print-config']) {
    print(describeSettings(settings).trimEnd());
    return;
  }
  const checked = serveConfig(settings, dev);
  if (!('config' in checked)) throw new SettingsError(checked.problems);
  const { config } = checked;
  if (dev) note(DEV_WARNING);

  const { startServer } = await import('../serve.ts');
  const running = await startServer(config);
  const management = running.managementUrl ? `, management on ${running.managementUrl}` : '';
  note(
    `twostep: serving ${config.issuer} (listening on ${running.url}${management}${config.dev ? ', --dev' : ''})`,
  );

  // Until the process is told to stop (graceful: requests in flight finish); a second signal stops at once.
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      note(`twostep: ${signal}, stopping`);
      running.close().then(resolve, (error: unknown) => {
        note(`twostep: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Key rotation (docs/keys.md): every phase ends with a reload of every process.
    process.on('SIGHUP', () => {
      const result = running.reloadKeys();
      note(
        result.ok ? 'twostep: SIGHUP, keys reloaded' : `twostep: SIGHUP, keys NOT reloaded: ${result.error}`,
      );
    });
  });
};

const DEV_WARNING = [
  '',
  '  ************************************************************************************',
  '  *  DEVELOPMENT MODE (--dev): http allowed, keys generated into a local file, codes *',
  '  *  and emails written to this log, in-memory store unless MongoDB is configured.   *',
  '  *  Never use --dev for a real clinic.                                              *',
  '  ************************************************************************************',
  '',
].join('\n');
