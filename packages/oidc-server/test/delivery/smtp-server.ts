/** A real SMTP server on 127.0.0.1 for tests: what it received, parsed. */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Delivered {
  envelope: { from: string; to: string[] };
  user: string | undefined;
  mail: ParsedMail;
}

/** A real SMTP server on 127.0.0.1 (no STARTTLS: the tests speak plain SMTP). */
export async function startSmtp(options: { authMethods?: string[]; users?: Record<string, string> } = {}) {
  const delivered: Delivered[] = [];
  const auth = options.users !== undefined;
  const server = new SMTPServer({
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    ...(options.authMethods ? { authMethods: options.authMethods } : {}),
    logger: false,
    onAuth(login, _session, callback) {
      if (options.users?.[login.username ?? ''] === login.password) callback(null, { user: login.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          delivered.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            user: session.user as string | undefined,
            mail,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, delivered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
