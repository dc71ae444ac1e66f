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
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AuditEvent,
  type Clinic,
  createAesGcmSecretBox,
  createMemoryStores,
  createTwostep,
  hashAuditEvent,
  manualClock,
  outboxSmsSender,
  type StaffMember,
  type Stores,
  TOTP,
  totp,
  verifyAuditChain,
} from '@twostep/core';
import { connectMongo, createMongooseStores, syncIndexes } from '@twostep/store-mongoose';
import type { Row } from './row.ts';

type Connection = Awaited<ReturnType<typeof connectMongo>>;

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
/** CPU time (user + system) of process `pid` so far, ms, from /proc; null when unknown. */
function databaseCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return null;
  }
}

/** The FerretDB process of a tools/ferretdb/server.sh state file, or null. */
function ferretPid(stateFile: string | undefined): number | null {
  if (!stateFile || !existsSync(stateFile)) return null;
  const pid = Number(/^PID=(\d+)$/m.exec(readFileSync(stateFile, 'utf8'))?.[1]);
  return Number.isSafeInteger(pid) && databaseCpuMs(pid) !== null ? pid : null;
}

export function mongoServer():
  | { uri: string; stop(): void; label: string; pid: number | null }
  | { skip: string } {
  const given = process.env.MONGODB_URI;
  if (given)
    return {
      uri: given,
      stop: () => undefined,
      label: 'MONGODB_URI',
      pid: ferretPid(process.env.FERRETDB_STATE),
    };
  if (!hasGo()) return { skip: 'skipped: MONGODB_URI unset and Go unavailable (FerretDB is built with Go)' };
  const env = { ...process.env, FERRETDB_STATE: join(tmpdir(), `twostep-bench-store-${process.pid}.state`) };
  const script = join(REPO, 'tools/ferretdb/server.sh');
  const uri = execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' }).trim();
  return {
    uri,
    pid: ferretPid(env.FERRETDB_STATE),
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

/** Goal: a verification at a clinic with AUDIT_EVENTS events costs at most this × one at an empty log. */
export const GOAL_AUDIT_RATIO = 1.2;
const AUDIT_EVENTS = 10_000;

/**
 * One verification at a time at a clinic whose audit log is empty next to one whose log holds
 * AUDIT_EVENTS chained events (inserted directly, chained with core's hash, the head document set
 * as appends leave it), in alternating rounds. Each verification appends an event: with the chain's
 * head in one document its cost must not grow with the log.
 */
async function auditLengthRows(
  connection: Connection,
  stores: Stores,
  label: string,
  pid: number | null,
  seconds: number,
) {
  const empty = await prepare(stores, 1, 1);
  const long = await prepare(stores, 1, 1);
  const clinicId = long.staff[0]!.clinicId;
  const existing = await stores.audit.list(clinicId);
  let prev = existing.at(-1)!;
  const docs = [];
  for (let seq = prev.seq + 1; seq <= AUDIT_EVENTS; seq++) {
    const unhashed = {
      ...prev,
      id: `pad-${clinicId}-${seq}`,
      seq,
      prevHash: prev.hash,
      details: { pad: seq },
    };
    const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
    docs.push({ ...event, _id: event.id, id: undefined });
    prev = event;
  }
  for (let i = 0; i < docs.length; i += 1000)
    await connection.collection('audit_events').insertMany(docs.slice(i, i + 1000) as never[]);
  await connection
    .collection('audit_heads')
    .updateOne({ _id: clinicId as never }, { $set: { seq: prev.seq, hash: prev.hash } });
  // CPU time per verification: the database server's (when its process is known) plus this
  // process's. Steadier than verifications/s on a shared machine.
  const cpuMs = () =>
    (databaseCpuMs(pid) ?? 0) + process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
  const perVerification = async (subject: Subject, n: number) => {
    const before = cpuMs();
    for (let i = 0; i < n; i++) {
      subject.clock.advance(TOTP.period * 1000);
      await subject.verify(0, totp(subject.secrets[0]!, subject.clock.now().getTime() / 1000, PARAMS));
    }
    return (cpuMs() - before) / n;
  };
  const n = Math.max(10, Math.round(seconds * 20));
  await perVerification(empty, 10); // warm-up
  await perVerification(long, 10);
  const costs = { empty: [] as number[], long: [] as number[] };
  for (let round = 0; round < 5; round++) {
    costs.empty.push(await perVerification(empty, n));
    costs.long.push(await perVerification(long, n));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const check = verifyAuditChain(await stores.audit.list(clinicId));
  if (!check.ok) throw new Error(`bench: the padded audit chain broke at ${check.brokenAtSeq}`);
  const ratio = median(costs.long) / median(costs.empty);
  const who =
    pid === null ? 'this process only (database process unknown)' : 'database server + this process';
  const shown = (xs: number[]) => xs.map((x) => x.toFixed(1)).join('/');
  return [
    {
      scenario: 'mongoose store, CPU per verification, audit log empty',
      value: Math.round(median(costs.empty) * 10) / 10,
      unit: 'ms',
      note: `${label}; ${who}; each verification appends one audit event; median of 5 rounds of ${n}`,
    },
    {
      scenario: `mongoose store, CPU per verification, audit log of ${AUDIT_EVENTS.toLocaleString('en-US')} events`,
      value: Math.round(median(costs.long) * 10) / 10,
      unit: 'ms',
      note: `${label}; ${who}; chain verified intact afterwards (${check.count.toLocaleString('en-US')} events)`,
    },
    {
      scenario: `CPU per verification, ${AUDIT_EVENTS.toLocaleString('en-US')} events ÷ empty log`,
      value: Math.round(ratio * 100) / 100,
      unit: '×',
      note: `medians of 5 alternating rounds (${shown(costs.empty)} vs ${shown(costs.long)} ms); goal ≤ ${GOAL_AUDIT_RATIO}× — ${ratio <= GOAL_AUDIT_RATIO ? 'met' : 'NOT met'}`,
    },
  ];
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
        ...(await auditLengthRows(connection, stores, server.label, server.pid, seconds)),
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
