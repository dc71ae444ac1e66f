// Smoke test: real mongoose against the FerretDB test server.
//
//   URI=$(tools/ferretdb/server.sh start)
//   MONGOOSE_DIR=/path/with/node_modules MONGODB_URI=$URI node tools/ferretdb/smoke.mjs
//   tools/ferretdb/server.sh stop
//
// MONGOOSE_DIR is any directory whose node_modules holds mongoose (ESM
// resolution is relative to this file, so mongoose must be found from there
// or via MONGOOSE_DIR). Exits non-zero if a check that FerretDB is expected to
// pass fails; "INFO" lines report known gaps without failing.
import { createRequire } from 'node:module';
import path from 'node:path';

const mongoose = process.env.MONGOOSE_DIR
  ? createRequire(`${path.resolve(process.env.MONGOOSE_DIR)}/`)('mongoose')
  : (await import('mongoose')).default;

const uri = process.env.MONGODB_URI;
if (!uri) throw new Error('set MONGODB_URI (output of server.sh start)');

let failed = 0;
let passed = 0;
const ok = (name, cond, detail = '') => {
  if (cond) passed++;
  else failed++;
  console.log(`${cond ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};
const info = (name, detail) => console.log(`INFO ${name} — ${detail}`);
const errStr = (e) => `${e?.name}: code=${e?.code} codeName=${e?.codeName} msg=${e?.message}`;

await mongoose.connect(uri, {
  dbName: `smoke_${Date.now()}`,
  serverSelectionTimeoutMS: 5000,
  autoIndex: false,
});
const admin = mongoose.connection.db.admin();
const build = await admin.command({ buildInfo: 1 });
ok(
  'connect',
  true,
  `server reports version ${build.version}, ferretdbVersion ${build.ferretdbVersion ?? '?'}`,
);

// --- unique index, insertOne, duplicate key ---------------------------------
const Token = mongoose.model(
  'Token',
  new mongoose.Schema({
    code: { type: String, required: true, unique: true },
    n: { type: Number, default: 0 },
    used: { type: Boolean, default: false },
    tag: String,
    at: Date,
  }),
);
await Token.createCollection();
await Token.createIndexes();
const idx = await Token.collection.indexes();
ok(
  'unique index created',
  idx.some((i) => i.key.code === 1 && i.unique),
  JSON.stringify(idx.map((i) => [i.name, i.unique ?? false])),
);

const first = await Token.create({ code: 'a', at: new Date('2024-01-01') });
ok('insertOne', !!first._id);
try {
  await Token.collection.insertOne({ code: 'a' });
  ok('duplicate key -> 11000', false, 'no error thrown');
} catch (e) {
  ok('duplicate key -> 11000', e.code === 11000, errStr(e));
}
try {
  await Token.create({ code: 'a' });
  ok('duplicate key via Model.create -> 11000', false, 'no error thrown');
} catch (e) {
  ok('duplicate key via Model.create -> 11000', e.code === 11000, errStr(e));
  info(
    'duplicate key error details',
    `keyPattern=${JSON.stringify(e.keyPattern)} keyValue=${JSON.stringify(e.keyValue)}`,
  );
}

// --- findOneAndUpdate with conditional filter, $inc/$set, returnDocument after
const after = await Token.findOneAndUpdate(
  { _id: first._id, n: { $lt: 5 }, used: false },
  { $inc: { n: 1 }, $set: { tag: 'x' } },
  { returnDocument: 'after' },
);
ok(
  'findOneAndUpdate returns new doc',
  after?.n === 1 && after?.tag === 'x',
  JSON.stringify(after?.toObject()),
);
const miss = await Token.findOneAndUpdate(
  { _id: first._id, n: { $gt: 100 } },
  { $inc: { n: 1 } },
  { returnDocument: 'after' },
);
ok('findOneAndUpdate no match -> null', miss === null);
const ups = await Token.findOneAndUpdate(
  { code: 'up' },
  { $set: { tag: 'u' } },
  { upsert: true, returnDocument: 'after' },
);
ok('findOneAndUpdate upsert', ups?.code === 'up' && ups?.tag === 'u', JSON.stringify(ups?.toObject()));

for (const [label, opts] of [
  ['projection', { projection: { n: 1 } }],
  ['fields', { fields: { n: 1 } }],
  ['select()', null],
]) {
  try {
    const q = Token.findOneAndUpdate(
      { _id: first._id },
      { $inc: { n: 1 } },
      { returnDocument: 'after', ...(opts ?? {}) },
    );
    const r = await (opts ? q : q.select('n'));
    info(`findOneAndUpdate with ${label}`, `succeeded: ${JSON.stringify(r?.toObject())}`);
  } catch (e) {
    info(`findOneAndUpdate with ${label}`, `FAILS: ${errStr(e)}`);
  }
}

// --- updateOne / matchedCount / modifiedCount -------------------------------
const u1 = await Token.updateOne({ _id: first._id }, { $set: { tag: 'y' } });
ok('updateOne modified', u1.matchedCount === 1 && u1.modifiedCount === 1, JSON.stringify(u1));
const u2 = await Token.updateOne({ _id: first._id }, { $set: { tag: 'y' } });
ok(
  'updateOne no-op (matched 1, modified 0)',
  u2.matchedCount === 1 && u2.modifiedCount === 0,
  JSON.stringify(u2),
);
const u3 = await Token.updateOne({ code: 'nope' }, { $set: { tag: 'z' } });
ok('updateOne no match (0/0)', u3.matchedCount === 0 && u3.modifiedCount === 0, JSON.stringify(u3));

// --- find: sort / skip / limit, $in, $lt on dates ---------------------------
await Token.deleteMany({});
const base = new Date('2024-01-01T00:00:00Z').getTime();
await Token.insertMany(
  Array.from({ length: 10 }, (_, i) => ({ code: `c${i}`, n: i, at: new Date(base + i * 86400000) })),
);
const page = await Token.find({}).sort({ n: -1 }).skip(2).limit(3).lean();
ok(
  'find sort/skip/limit',
  JSON.stringify(page.map((d) => d.n)) === '[7,6,5]',
  JSON.stringify(page.map((d) => d.n)),
);
const inRes = await Token.find({ code: { $in: ['c1', 'c3', 'zz'] } })
  .sort({ code: 1 })
  .lean();
ok(
  '$in',
  JSON.stringify(inRes.map((d) => d.code)) === '["c1","c3"]',
  JSON.stringify(inRes.map((d) => d.code)),
);
const ltRes = await Token.find({ at: { $lt: new Date(base + 3 * 86400000) } })
  .sort({ at: 1 })
  .lean();
ok('$lt on Date', JSON.stringify(ltRes.map((d) => d.n)) === '[0,1,2]', JSON.stringify(ltRes.map((d) => d.n)));
ok('Date round-trips as Date', ltRes[0]?.at instanceof Date, String(ltRes[0]?.at));
const cnt = await Token.countDocuments({ n: { $gte: 5 } });
ok('countDocuments', cnt === 5, String(cnt));
const del = await Token.deleteMany({ n: { $lt: 4 } });
ok('deleteMany', del.deletedCount === 4, JSON.stringify(del));
ok('countDocuments after deleteMany', (await Token.countDocuments()) === 6);

// --- TTL index ---------------------------------------------------------------
try {
  await Token.collection.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
  const ttl = (await Token.collection.indexes()).find((i) => i.key.at === 1);
  info('TTL index (expireAfterSeconds)', `createIndex succeeded: ${JSON.stringify(ttl)}`);
} catch (e) {
  info('TTL index (expireAfterSeconds)', `createIndex FAILS: ${errStr(e)}`);
}
// Schema-declared TTL next to a unique index: does the unique index still get created?
const Sess = mongoose.model(
  'Sess',
  new mongoose.Schema({
    key: { type: String, unique: true },
    expiresAt: { type: Date, expires: 0 },
  }),
);
await Sess.createCollection();
try {
  await Sess.createIndexes();
  info('schema with TTL + unique: Model.createIndexes()', 'succeeded');
} catch (e) {
  info('schema with TTL + unique: Model.createIndexes()', `FAILS: ${errStr(e)}`);
}
const sessIdx = await Sess.collection.indexes();
info('schema with TTL + unique: indexes present afterwards', JSON.stringify(sessIdx.map((i) => i.name)));

// --- transactions -------------------------------------------------------------
try {
  await mongoose.connection.transaction(async (session) => {
    await Token.create([{ code: 'txn' }], { session });
  });
  info('transaction', `succeeded; doc present: ${!!(await Token.findOne({ code: 'txn' }))}`);
} catch (e) {
  info('transaction', `FAILS: ${errStr(e)}`);
}

// --- 50 concurrent conditional updateOne on one document --------------------
const rounds = Number(process.env.SMOKE_RACE_ROUNDS ?? 5);
const winners = [];
for (let r = 0; r < rounds; r++) {
  const doc = await Token.create({ code: `race${r}` });
  const res = await Promise.all(
    Array.from({ length: 50 }, () =>
      Token.updateOne({ _id: doc._id, used: false }, { $set: { used: true } }).then(
        (x) => x.modifiedCount,
        (e) => `err:${e.code}`,
      ),
    ),
  );
  const errs = res.filter((x) => typeof x === 'string');
  winners.push(
    res.filter((x) => x === 1).length +
      (errs.length ? ` (+${errs.length} errors ${[...new Set(errs)]})` : ''),
  );
}
info(
  '50 concurrent updateOne({_id, used:false},{$set:{used:true}}): modifiedCount==1 per round',
  winners.join(', '),
);
{
  const doc = await Token.create({ code: 'race-fam' });
  const res = await Promise.all(
    Array.from({ length: 50 }, () =>
      Token.findOneAndUpdate(
        { _id: doc._id, used: false },
        { $set: { used: true } },
        { returnDocument: 'after' },
      ).then(
        (x) => (x ? 1 : 0),
        (e) => `err:${e.code}`,
      ),
    ),
  );
  info(
    '50 concurrent findOneAndUpdate({_id, used:false}) non-null results',
    String(res.filter((x) => x === 1).length),
  );
}
{
  const doc = await Token.create({ code: 'race-inc' });
  await Promise.all(Array.from({ length: 50 }, () => Token.updateOne({ _id: doc._id }, { $inc: { n: 1 } })));
  const n = (await Token.findById(doc._id).lean()).n;
  info('50 concurrent $inc by 1 -> final n', String(n));
}

await mongoose.connection.dropDatabase();
await mongoose.disconnect();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
