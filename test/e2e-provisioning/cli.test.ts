/**
 * The `twostep` CLI as a real child process against MongoDB (FerretDB in CI:
 * `MONGODB_URI`), and its welcome link against an IdP on the same database.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_SCOPE,
  describeKeySet,
  formatLocalTime,
  developmentKeys,
  type IdpClient,
  KEY_FILES,
  loadKeySet,
  parseIdpOptions,
} from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, createOidcAdapter } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { startSmtp } from '../../packages/oidc-server/test/delivery/smtp-server.ts';
import { adminToken, api, startBareIdp, tokenRequest } from './support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function twostep(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@twostep/source', 'packages/server/src/main.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each run is a fresh Node process (about 1 s alone, more beside other test files).
describe('twostep keys / client register (no database)', { timeout: 60_000 }, () => {
  it('keys init / list / publish / promote / retire: files 0600, phases in order, no key printed', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'twostep-cli-')), 'keys');
    const init = await twostep(['keys', 'init', '--dir', dir]);
    expect(init.code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of Object.values(KEY_FILES)) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const again = await twostep(['keys', 'init', '--dir', dir]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/refusing to overwrite keys/) });

    const hashIds = () => describeKeySet({ dir, env: {} }).hash.map((k) => k.id);
    const [oldHash] = hashIds();
    const published = await twostep(['keys', 'publish', '--kind', 'hash'], { TWOSTEP_KEYS_DIR: dir });
    expect(published.code).toBe(0);
    const id = published.stdout.trim();
    expect(hashIds()).toEqual([oldHash, id]);
    const list = await twostep(['keys', 'list', '--dir', dir]);
    expect(list.stdout).toContain(`hash        in use: ${oldHash}  accepted: ${id}`);
    expect((await twostep(['keys', 'promote', '--kind', 'hash', '--id', id, '--dir', dir])).code).toBe(0);
    expect(hashIds()).toEqual([id, oldHash]);
    expect((await twostep(['keys', 'retire', '--kind', 'hash', '--id', oldHash!, '--dir', dir])).code).toBe(
      0,
    );
    expect(hashIds()).toEqual([id]);

    const printed = [init, published, list].map((r) => r.stdout + r.stderr).join('\n');
    for (const file of Object.values(KEY_FILES)) {
      const { keys } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        keys: Record<string, string>[];
      };
      for (const key of keys)
        for (const part of [key.key, key.d]) if (part) expect(printed).not.toContain(part);
    }
  });

  it('client register without a database prints a config-file client entry (confidential, public)', async () => {
    const run = await twostep([
      'client',
      'register',
      '--name',
      'Charts App',
      '--redirect-uri',
      'https://charts.clinic.example/cb',
      '--first-party',
    ]);
    expect(run.code).toBe(0);
    const entry = JSON.parse(run.stdout) as IdpClient;
    expect(entry).toMatchObject({
      client_name: 'Charts App',
      redirect_uris: ['https://charts.clinic.example/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      firstParty: true,
    });
    expect(String(entry.client_secret).length).toBeGreaterThanOrEqual(43);
    expect(run.stderr).toContain('add this entry to `clients` in the config file');
    const pub = JSON.parse(
      (
        await twostep([
          'client',
          'register',
          '--name',
          'SPA',
          '--redirect-uri',
          'http://localhost:5173/cb',
          '--public',
        ])
      ).stdout,
    ) as IdpClient;
    expect(pub.client_secret).toBeUndefined();
    expect(pub.token_endpoint_auth_method).toBe('none');
    expect(() => parseIdpOptions({ ...bareOptions(), clients: [entry, pub] })).not.toThrow();
  });

  it('usage errors exit 2 with the usage text', async () => {
    const unknown = await twostep(['clinic', 'destroy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "clinic destroy"');
    const missing = await twostep(['client', 'register', '--name', 'X']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--redirect-uri is required');
    const extra = await twostep(['keys', 'rotate', '--file', 'x', '--force']);
    expect(extra.code).toBe(2);
    expect((await twostep(['help'])).stdout).toContain('clinic create');
  });
});

function bareOptions() {
  return {
    issuer: 'http://127.0.0.1:1',
    stores: createMongooseStoresStub(),
    secretBox: { seal: async () => '', open: async () => new Uint8Array() },
    hashKey: new Uint8Array(32),
    smsSender: { send: async () => {} },
  } as unknown as Parameters<typeof parseIdpOptions>[0];
}
function createMongooseStoresStub() {
  return Object.fromEntries(['clinics', 'staff', 'factors', 'counters', 'audit'].map((k) => [k, {}]));
}

describe.skipIf(!mongoAvailable())('twostep against MongoDB', { timeout: 60_000 }, () => {
  let connection: Connection;
  let env: Record<string, string>;
  let idp: Awaited<ReturnType<typeof startBareIdp>>;

  beforeAll(async () => {
    const dbName = testDatabaseName('cli');
    connection = await connectMongo(getMongoUri(), { dbName });
    // The CLI and the IdP share keys: the hash key signs welcome links, the secret box seals client secrets.
    const keysFile = join(mkdtempSync(join(tmpdir(), 'twostep-cli-')), 'keys.json');
    const keys = developmentKeys(keysFile, { warn() {}, error() {} });
    // The IdP reads clients through the adapter: what the CLI registers works without a restart.
    idp = await startBareIdp(
      createMongooseStores(connection),
      keys.hashKey,
      [],
      createOidcAdapter(connection),
      keys.secretBox,
    );
    env = {
      TWOSTEP_MONGODB_URI: getMongoUri(),
      TWOSTEP_MONGODB_DATABASE: dbName,
      TWOSTEP_ISSUER: idp.issuer,
      TWOSTEP_KEYS_DEV_FILE: keysFile,
    };
    const init = await twostep(['db', 'init'], env);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(async () => {
    await idp?.close();
    await dropTestDatabase(connection);
  });

  it('clinic create emails the welcome link when email is configured (and still prints it)', async () => {
    const smtp = await startSmtp();
    const mail = {
      TWOSTEP_EMAIL_DELIVERY: 'smtp',
      TWOSTEP_EMAIL_SMTP_HOST: '127.0.0.1',
      TWOSTEP_EMAIL_SMTP_PORT: String(smtp.port),
      TWOSTEP_EMAIL_FROM: 'Clinic security <security@clinic.example>',
    };
    try {
      const args = ['clinic', 'create', '--name', 'Ash Clinic', '--owner-name', 'Ava Ash', '--json'];
      const zone = ['--time-zone', 'America/Toronto', '--country', 'CA'];
      // A zone or country that is not one: refused, nothing made, nothing sent.
      for (const bad of [
        ['--time-zone', 'Eastern'],
        ['--country', 'Canada'],
      ]) {
        const refused = await twostep([...args, ...bad, '--owner-email', 'ava@ash.test'], {
          ...env,
          ...mail,
        });
        expect(refused.code, refused.stderr).toBe(2);
        expect(refused.stderr).toContain(`${bad[0]}: "${bad[1]}" is not`);
      }
      expect(smtp.delivered).toHaveLength(0);
      const run = await twostep([...args, ...zone, '--owner-email', 'ava@ash.test'], { ...env, ...mail });
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as {
        clinic: { id: string; timeZone: string; country: string };
        welcomeLink: { url: string; emailed: boolean; expiresAt: string };
      };
      expect(out.clinic).toMatchObject({ timeZone: 'America/Toronto', country: 'CA' });
      expect(await createMongooseStores(connection).clinics.get(out.clinic.id)).toMatchObject({
        timeZone: 'America/Toronto',
        country: 'CA',
      });
      expect(out.welcomeLink.emailed).toBe(true);
      expect(smtp.delivered).toHaveLength(1);
      const [sent] = smtp.delivered;
      expect(sent!.envelope.to).toEqual(['ava@ash.test']);
      expect(sent!.mail.subject).toBe('[Ash Clinic] Your account: set your password');
      expect(sent!.mail.text).toContain(out.welcomeLink.url);
      expect(sent!.mail.text).toContain('Hello Ava Ash,');
      // The link's end in the clinic's zone ("… PM EST"), not UTC.
      const until = formatLocalTime(new Date(out.welcomeLink.expiresAt), 'America/Toronto');
      expect(until).toMatch(/E[SD]T$/);
      expect(sent!.mail.text).toContain(until);
      expect(sent!.mail.text).not.toContain('UTC');

      // The mail server is down: the clinic is still made and the link printed, with a note why.
      await smtp.close();
      const down = await twostep([...args, '--owner-email', 'abe@ash.test'], { ...env, ...mail });
      expect(down.code, down.stderr).toBe(0);
      expect(JSON.parse(down.stdout).welcomeLink.emailed).toBe(false);
      expect(down.stderr).toContain('the welcome email to abe@ash.test could not be sent');
    } finally {
      await smtp.close().catch(() => undefined);
    }
  });

  it('clinic create: the clinic, its Full Access User, audit events, and a welcome link that works once', async () => {
    const run = await twostep(
      [
        'clinic',
        'create',
        '--name',
        'Oak Clinic',
        '--owner-email',
        'Olga@Oak.test',
        '--owner-name',
        'Olga Oak',
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      clinic: { id: string };
      owner: { id: string };
      welcomeLink: { url: string };
    };
    const stores = createMongooseStores(connection);
    expect(await stores.clinics.get(out.clinic.id)).toMatchObject({
      name: 'Oak Clinic',
      enforceTwoStep: true,
    });
    expect(await stores.staff.get(out.owner.id)).toMatchObject({
      clinicId: out.clinic.id,
      email: 'olga@oak.test',
      role: 'full_access',
      active: true,
    });
    expect((await stores.audit.list(out.clinic.id)).map((e) => e.type)).toEqual([
      'clinic.created',
      'staff.created',
    ]);

    // The same email again: refused, nothing created.
    const again = await twostep(
      ['clinic', 'create', '--name', 'Oak 2', '--owner-email', 'olga@oak.test', '--owner-name', 'O'],
      env,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already belongs');

    // The link against the IdP on the same database: set the password, then sign-in enrolls.
    expect(out.welcomeLink.url.startsWith(`${idp.issuer}/welcome/`)).toBe(true);
    const browser = new Browser();
    expect((await browser.get(out.welcomeLink.url)).status).toBe(200);
    const done = await browser.request(
      'POST',
      out.welcomeLink.url,
      new URLSearchParams({
        password: 'a long enough password',
        confirm: 'a long enough password',
      }).toString(),
    );
    expect(done.status).toBe(303);
    const signIn = await browser.follow(done);
    const choice = await browser.submit(signIn, '/password', {
      email: 'olga@oak.test',
      password: 'a long enough password',
    });
    expect(choice.body).toContain('Oak Clinic requires 2-Step Verification');
    expect((await browser.get(out.welcomeLink.url)).status).toBe(404);

    // No new link once a password is set.
    const relink = await twostep(['staff', 'welcome-link', '--email', 'olga@oak.test'], env);
    expect(relink.code).toBe(1);
    expect(relink.stderr).toContain('first password only');
  });

  it('client register --provisioning: stored, it works at once as an admin API client of that clinic', async () => {
    const created = JSON.parse(
      (
        await twostep(
          [
            'clinic',
            'create',
            '--name',
            'Elm Clinic',
            '--owner-email',
            'eli@elm.test',
            '--owner-name',
            'Eli Elm',
            '--json',
          ],
          env,
        )
      ).stdout,
    ) as { clinic: { id: string }; owner: { id: string } };
    const link = await twostep(['staff', 'welcome-link', '--email', 'eli@elm.test', '--json'], env);
    expect(link.code, link.stderr).toBe(0);
    expect(JSON.parse(link.stdout)).toMatchObject({ staffId: created.owner.id });

    const nope = await twostep(
      ['client', 'register', '--name', 'HR', '--provisioning', '--clinic', 'clinic-none'],
      env,
    );
    expect(nope.code).toBe(1);
    const run = await twostep(
      ['client', 'register', '--name', 'Elm HR', '--provisioning', '--clinic', created.clinic.id],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const entry = JSON.parse(run.stdout) as IdpClient;
    expect(entry).toMatchObject({ grant_types: ['client_credentials'], clinic_id: created.clinic.id });

    const audience = `${idp.issuer}/api/v1`;
    const token = await adminToken(
      { issuer: idp.issuer, audience },
      { clientId: entry.client_id, clientSecret: String(entry.client_secret) },
    );
    const clinic = await api({ audience }, token, 'GET', '/clinic');
    expect(clinic.body).toMatchObject({ id: created.clinic.id, name: 'Elm Clinic' });
    const staff = await api<{ items: { email: string }[] }>({ audience }, token, 'GET', '/staff');
    expect(staff.body.items.map((s) => s.email)).toEqual(['eli@elm.test']);

    // At rest the secret is sealed (bound to the client id), never in the clear.
    const stored = await connection.collection('oidc_client').findOne({ _id: entry.client_id as never });
    expect(JSON.stringify(stored)).not.toContain(String(entry.client_secret));
    expect(stored?.payload).toHaveProperty('client_secret_sealed');
    expect(stored?.payload).not.toHaveProperty('client_secret');

    // Disabled: the running IdP refuses the client on its next request; enabled again, it works.
    expect((await twostep(['client', 'disable', '--id', entry.client_id], env)).code).toBe(0);
    const listed = await twostep(['client', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ client_id: entry.client_id, disabled: true }),
    );
    expect(listed.stdout).not.toContain(String(entry.client_secret));
    const refused = await tokenRequest(
      idp.issuer,
      {
        clientId: entry.client_id,
        clientSecret: String(entry.client_secret),
      },
      { scope: ADMIN_SCOPE, resource: audience },
    );
    expect(refused.status).toBe(401);
    expect((await twostep(['client', 'enable', '--id', entry.client_id], env)).code).toBe(0);
    await adminToken(
      { issuer: idp.issuer, audience },
      { clientId: entry.client_id, clientSecret: String(entry.client_secret) },
    );
  });

  it('keys reencrypt re-seals stored client secrets; a secret-box key still sealing one cannot be retired', async () => {
    const dbName = testDatabaseName('cli-keys');
    const own = await connectMongo(getMongoUri(), { dbName });
    const keysDir = join(mkdtempSync(join(tmpdir(), 'twostep-cli-')), 'keys');
    expect((await twostep(['keys', 'init', '--dir', keysDir])).code).toBe(0);
    const { TWOSTEP_KEYS_DEV_FILE: _dev, ...base } = env;
    const keyEnv = { ...base, TWOSTEP_MONGODB_DATABASE: dbName, TWOSTEP_KEYS_DIR: keysDir };
    try {
      const oldKey = describeKeySet({ dir: keysDir, env: {} })['secret-box'][0]!.id;
      const created = await twostep(
        [
          'clinic',
          'create',
          '--name',
          'Fir Clinic',
          '--owner-email',
          'fi@fir.test',
          '--owner-name',
          'Fi',
          '--json',
        ],
        keyEnv,
      );
      expect(created.code, created.stderr).toBe(0);
      const clinicId = (JSON.parse(created.stdout) as { clinic: { id: string } }).clinic.id;
      const registered = await twostep(
        ['client', 'register', '--name', 'Fir HR', '--provisioning', '--clinic', clinicId],
        keyEnv,
      );
      expect(registered.code, registered.stderr).toBe(0);
      const entry = JSON.parse(registered.stdout) as { client_id: string; client_secret: string };
      const sealedKey = async () => {
        const doc = await own.collection('oidc_client').findOne({ _id: entry.client_id as never });
        return String(doc?.payload.client_secret_sealed).split('.')[1];
      };
      expect(await sealedKey()).toBe(oldKey);

      const published = await twostep(['keys', 'publish', '--kind', 'secret-box'], keyEnv);
      const newKey = published.stdout.trim();
      expect((await twostep(['keys', 'promote', '--kind', 'secret-box', '--id', newKey], keyEnv)).code).toBe(
        0,
      );
      const early = await twostep(['keys', 'retire', '--kind', 'secret-box', '--id', oldKey], keyEnv);
      expect(early.code).toBe(1);
      expect(early.stderr).toContain(`1 client secret(s) are still sealed with key ${oldKey}`);

      const reencrypted = await twostep(['keys', 'reencrypt'], keyEnv);
      expect(reencrypted.code, reencrypted.stderr).toBe(0);
      expect(reencrypted.stdout).toContain('client secrets: checked 1, re-sealed 1, changed meanwhile 0');
      expect(await sealedKey()).toBe(newKey);
      expect((await twostep(['keys', 'reencrypt'], keyEnv)).stdout).toContain(
        'client secrets: checked 1, re-sealed 0',
      );
      const retired = await twostep(['keys', 'retire', '--kind', 'secret-box', '--id', oldKey], keyEnv);
      expect(retired.code, retired.stderr).toBe(0);

      // An IdP on the key set without the old key still accepts the client's secret.
      const keys = loadKeySet({ dir: keysDir, env: {} });
      const rotated = await startBareIdp(
        createMongooseStores(own),
        keys.hashKey[0]!,
        [],
        createOidcAdapter(own),
        keys.secretBox,
      );
      try {
        const audience = `${rotated.issuer}/api/v1`;
        const token = await adminToken(
          { issuer: rotated.issuer, audience },
          { clientId: entry.client_id, clientSecret: entry.client_secret },
        );
        expect((await api({ audience }, token, 'GET', '/clinic')).body).toMatchObject({ id: clinicId });
      } finally {
        await rotated.close();
      }
    } finally {
      await dropTestDatabase(own);
    }
  });
});
