// Second-factor verifications per second through @twostep/core
// (`twostep.secondFactor.verify(actor, staff, 'totp', code)`, a valid and fresh
// code every time) on the mongoose store (FerretDB, or MONGODB_URI) next to the
// memory store, in one run.
//
//   node --conditions=@twostep/source bench/store.ts
//
// Starts its own FerretDB (tools/ferretdb/server.sh, own state file) when
// MONGODB_URI is unset; without Go the mongoose rows are skipped with a note.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clinic,
  createAesGcmSecretBox,
  createMemoryStores,
  createTwostep,
  manualClock,
  outboxSmsSender,
  type StaffMember,
  type Stores,
  TOTP,
  totp,
} from '@twostep/core';
import { connectMongo, createMongooseStores, syncIndexes } from '@twostep/store-mongoose';
import type { Row } from './row.ts';

export type { Row };

/** Staff members verifying at once in the concurrent scenarios. */
const CONCURRENCY = 16;
const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;
const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Subject {
  staff: StaffMember[];
  secrets: string[];
  /** Codes refused because they equal the previous step's (already used) code: about 1 in 10^6. */
  collisions: number;
  verify(index: number, code: string): Promise<void>;
  clock: ReturnType<typeof manualClock>;
}

/**
 * `count` staff with an authenticator app, enrolled through core, spread over
 * `clinicCount` clinics (each clinic has one audit hash chain: concurrent
 * successes in one clinic contend for its next `seq`).
 */
async function prepare(stores: Stores, count: number, clinicCount: number): Promise<Subject> {
  const clock = manualClock(new Date(Date.UTC(2031, 0, 1)));
  const twostep = createTwostep({
    stores,
    secretBox: createAesGcmSecretBox([{ id: 'bench', key: new Uint8Array(randomBytes(32)) }]),
    hashKey: new Uint8Array(randomBytes(32)),
    smsSender: outboxSmsSender(),
    clock,
    logger: { warn: () => undefined, error: () => undefined },
  });
  const clinics: Clinic[] = [];
  for (let c = 0; c < clinicCount; c++) {
    const clinic: Clinic = {
      id: `clinic-${randomBytes(4).toString('hex')}`,
      name: `Bench Clinic ${c}`,
      enforceTwoStep: true,
      allowTrustedDevices: false,
      createdAt: clock.now(),
    };
    await stores.clinics.create(clinic);
    clinics.push(clinic);
  }
  const staff: StaffMember[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < count; i++) {
    const clinic = clinics[i % clinicCount]!;
    const member: StaffMember = {
      id: `${clinic.id}-staff-${i}`,
      clinicId: clinic.id,
      email: `s${i}.${clinic.id}@bench.test`,
      name: `Staff ${i}`,
      role: 'staff',
      passwordHash: 'unused',
      active: true,
      createdAt: clock.now(),
    };
    await stores.staff.create(member);
    const setup = await twostep.enrollment.startTotp(member);
    const code = totp(setup.secret, clock.now().getTime() / 1000, PARAMS);
    const confirmed = await twostep.enrollment.confirmTotp({ actorId: member.id }, member, code);
    if (!confirmed.ok) throw new Error(`bench setup: enrollment failed (${confirmed.reason})`);
    staff.push(member);
    secrets.push(setup.secret);
  }
  const subject: Subject = {
    staff,
    secrets,
    clock,
    collisions: 0,
    async verify(index, code) {
      const member = staff[index]!;
      const result = await twostep.secondFactor.verify({ actorId: member.id }, member, 'totp', code);
      if (result.ok) return;
      const previous = totp(secrets[index]!, clock.now().getTime() / 1000 - TOTP.period, PARAMS);
      if (result.reason === 'replayed' && previous === code) subject.collisions += 1;
      else throw new Error(`bench: a valid code was refused (${result.reason})`);
    },
  };
  return subject;
}

/**
 * Verifications per second for about `seconds`: in each round the clock moves
 * one TOTP step (so every code is fresh) and `parallel` staff members verify
 * at once. Codes are computed outside the timed part.
 */
async function measure(subject: Subject, parallel: number, seconds: number): Promise<number> {
  let timedMs = 0;
  let count = 0;
  const round = async () => {
    subject.clock.advance(TOTP.period * 1000);
    const at = subject.clock.now().getTime() / 1000;
    const codes = subject.secrets.slice(0, parallel).map((secret) => totp(secret, at, PARAMS));
    const start = performance.now();
    await Promise.all(codes.map((code, i) => subject.verify(i, code)));
    timedMs += performance.now() - start;
    count += parallel;
  };
  const warmUp = performance.now() + 300;
  while (performance.now() < warmUp) await round();
  timedMs = 0;
  count = 0;
  while (timedMs < seconds * 1000) await round();
  return count / (timedMs / 1000);
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** MONGODB_URI, or a FerretDB started for this run (with `stop`), or why there is none. */
function mongoServer(): { uri: string; stop(): void; label: string } | { skip: string } {
  const given = process.env.MONGODB_URI;
  if (given) return { uri: given, stop: () => undefined, label: 'MONGODB_URI' };
  if (!hasGo()) return { skip: 'skipped: MONGODB_URI unset and Go unavailable (FerretDB is built with Go)' };
  const env = { ...process.env, FERRETDB_STATE: join(tmpdir(), `twostep-bench-store-${process.pid}.state`) };
  const script = join(REPO, 'tools/ferretdb/server.sh');
  const uri = execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' }).trim();
  return {
    uri,
    label: 'FerretDB v1 (SQLite, serializing proxy), started by the bench',
    stop: () => execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' }),
  };
}

const SCENARIOS = [
  { label: '1 at a time', parallel: 1, clinics: 1 },
  {
    label: `${CONCURRENCY} staff at once, ${CONCURRENCY} clinics`,
    parallel: CONCURRENCY,
    clinics: CONCURRENCY,
  },
  { label: `${CONCURRENCY} staff at once, one clinic`, parallel: CONCURRENCY, clinics: 1 },
] as const;

const CONTENTION_NOTE = "one clinic's audit chain: appends take turns in the process";

async function storeRows(
  name: string,
  makeStores: () => Stores,
  note: string,
  seconds: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    const subject = await prepare(makeStores(), scenario.parallel, scenario.clinics);
    rows.push({
      scenario: `${name}, ${scenario.label}`,
      value: Math.round(await measure(subject, scenario.parallel, seconds)),
      unit: 'verifications/s',
      note: [
        note,
        scenario.clinics === 1 && scenario.parallel > 1 ? CONTENTION_NOTE : '',
        subject.collisions > 0 ? `${subject.collisions} refused: same code as the step before` : '',
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  return rows;
}

/** Memory and mongoose rows (see `SCENARIOS`), about `seconds` each, in one run. */
export async function runStoreBench(seconds = 2): Promise<Row[]> {
  const rows = await storeRows('memory store', () => createMemoryStores(), 'in-process maps', seconds);
  const server = mongoServer();
  if ('skip' in server) {
    for (const scenario of SCENARIOS)
      rows.push({
        scenario: `mongoose store, ${scenario.label}`,
        value: Number.NaN,
        unit: 'verifications/s',
        note: server.skip,
      });
    return rows;
  }
  const dbName = `twostep_bench_store_${randomBytes(4).toString('hex')}`;
  try {
    const connection = await connectMongo(server.uri, { dbName });
    try {
      await syncIndexes(connection);
      const stores = createMongooseStores(connection);
      rows.push(
        ...(await storeRows('mongoose store', () => stores, `${server.label}; maxPoolSize 20`, seconds)),
      );
    } finally {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  } finally {
    server.stop();
  }
  return rows;
}

if (import.meta.main) {
  console.log(`@twostep/core second-factor verification through the stores — Node ${process.version}`);
  console.log(
    'Each verification: core secondFactor.verify with a valid, fresh TOTP code (clock moved one step).',
  );
  console.table(await runStoreBench());
}
