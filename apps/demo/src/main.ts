/**
 * `./run demo` → `pnpm demo` → here. Starts the IdP and the clinic app, prints where they are and
 * how to sign in, and runs until Ctrl-C or SIGTERM (requests in flight finish first). Environment:
 * `IDP_PORT` (4000), `APP_PORT` (4100), `MONGODB_URI` (default: in memory), `MONGODB_TTL_INDEXES`
 * (`false` for FerretDB), `LOG_LEVEL` (info), `LOG_FORMAT` (`pretty`, or `json`).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createLog,
  createMetrics,
  developmentKeys,
  LOG_LEVELS,
  type LogLevel,
  SERVER_DEFAULTS,
} from '@twostep/oidc-server';
import { DEFAULT_APP_PORT, DEFAULT_IDP_PORT, type Demo, PortInUseError, startDemo } from './demo.ts';

export { type Demo, PortInUseError, type StartDemoOptions, startDemo } from './demo.ts';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`${name} must be a port number (0–65535), got "${value}"`);
    process.exit(2);
  }
  return n;
}

function logLevel(): LogLevel {
  const value = process.env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    console.error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
    process.exit(2);
  }
  return value as LogLevel;
}

/** The repository's `.data/` (gitignored), wherever pnpm runs us from. */
const dataDir = fileURLToPath(new URL('../../../.data/', import.meta.url));

function banner(demo: Demo): string {
  const { owner, practitioner, frontDesk, frenchSpeaking } = demo.accounts;
  const rows: string[] = [];
  const line = (text = '') => rows.push(text);
  line();
  line(`  twostep demo — ${demo.clinicName} (2-Step Verification enforced for every staff member)`);
  line();
  line(`  Clinic app        ${demo.appUrl}`);
  line(
    `  Sign-in service   ${demo.idpUrl}   (account security: ${demo.idpUrl}/account, admin: ${demo.idpUrl}/admin)`,
  );
  if (demo.smsOutboxUrl) line(`  Text messages     ${demo.smsOutboxUrl}   (codes "sent" by SMS land here)`);
  if (demo.mailOutboxUrl) line(`  Emails            ${demo.mailOutboxUrl}`);
  line(`  Health, metrics   ${demo.idpUrl}/readyz   ${demo.idpUrl}/metrics`);
  line(
    `  Store             ${demo.store === 'memory' ? 'in memory (everything resets when the demo stops)' : 'MongoDB'}`,
  );
  line();
  line('  Accounts');
  line(`  • ${owner.name} — ${owner.title}`);
  line(`      email ${owner.email}   password ${owner.password}`);
  line(
    `      2-Step: authenticator app. Add this key to 1Password, Authy, Google or Microsoft Authenticator:`,
  );
  line(`      ${owner.totpSecretGrouped ?? '(unknown)'}   (time-based, 6 digits, 30 s)`);
  line(
    `      recovery code: ${owner.recoveryCode ?? '(issued when first seeded; each use shows a new one)'}`,
  );
  line(`  • ${practitioner.name} — ${practitioner.title}`);
  line(`      email ${practitioner.email}   password ${practitioner.password}`);
  line('      2-Step: not set up yet — the first sign-in asks to set it up (app or text message)');
  line(`  • ${frontDesk.name} — ${frontDesk.title}`);
  line(`      email ${frontDesk.email}   password ${frontDesk.password}`);
  line(`      2-Step: text messages to ${frontDesk.phone} (read the code on the Text messages page)`);
  if (frontDesk.recoveryCode) line(`      recovery code: ${frontDesk.recoveryCode}`);
  line(`  • ${frenchSpeaking.name} — ${frenchSpeaking.title}`);
  line(`      email ${frenchSpeaking.email}   password ${frenchSpeaking.password}`);
  line('      2-Step: not set up yet; her pages, texts and emails are in French (locale fr-CA)');
  line();
  line('  Try: sign in as Sam, set up 2-Step, open a patient chart from the schedule.');
  line('  Press Ctrl-C to stop.');
  line();
  return rows.join('\n');
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = developmentKeys(`${dataDir}dev-keys.json`);
  const mongodbUri = process.env.MONGODB_URI || undefined;
  const log = createLog({ level: logLevel(), pretty: process.env.LOG_FORMAT !== 'json' });
  let demo: Demo;
  try {
    demo = await startDemo({
      log,
      metrics: createMetrics(),
      idpPort: port('IDP_PORT', DEFAULT_IDP_PORT),
      appPort: port('APP_PORT', DEFAULT_APP_PORT),
      keys,
      ...(mongodbUri ? { mongodbUri, mongodbTtlIndexes: process.env.MONGODB_TTL_INDEXES !== 'false' } : {}),
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(`\n  ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  console.log(banner(demo));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log('  Stopping now.');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n  ${signal}: stopping the demo…`);
    const force = setTimeout(() => process.exit(1), SERVER_DEFAULTS.graceMs + 5_000);
    force.unref();
    demo.close().then(
      () => {
        console.log('  Stopped.');
        process.exit(0);
      },
      (error) => {
        console.error('  Stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (import.meta.main) {
  main().catch((error) => {
    console.error('\n  The demo could not start:', error instanceof Error ? error.message : error);
    if (process.env.DEBUG) console.error(error);
    process.exit(1);
  });
}
