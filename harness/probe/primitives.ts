/**
 * The primitives the schedulers rely on, each measured with several clients and many operations in
 * flight at once, on a database of the probe's own: what the server does, never what it promises.
 * Written against the few collection methods they use (ProbeServer), so that a test can hand them
 * a server that breaks a primitive on purpose.
 */
import { rawClaimCommand } from "../adapters/rawClaim.ts";
import type { PrimitiveName, PrimitiveResult } from "./probeTypes.ts";
import { verdictOf } from "./probeTypes.ts";

type Doc = Record<string, unknown>;

/** The collection methods the probe uses (the driver's Collection has them all). */
export interface ProbeCollection {
  insertMany(docs: Doc[]): Promise<unknown>;
  insertOne(doc: Doc): Promise<{ insertedId: unknown }>;
  findOne(filter: Doc): Promise<Doc | null>;
  find(filter: Doc): { toArray(): Promise<Doc[]> };
  findOneAndUpdate(filter: Doc, update: Doc, options: Doc): Promise<Doc | null>;
  updateOne(filter: Doc, update: Doc | Doc[]): Promise<{ modifiedCount: number }>;
  countDocuments(filter: Doc): Promise<number>;
  createIndex(spec: Doc, options?: Doc): Promise<unknown>;
  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> };
}

/** A server as the probe sees it: one handle per client on each collection, and admin commands. */
export interface ProbeServer {
  /** The same collection through each client. */
  collections(name: string): ProbeCollection[];
  /** An admin command through the first client. */
  command(command: Doc): Promise<Doc>;
  /** Runs `work` in a transaction of the first client; rejects when transactions are unavailable. */
  transaction(
    collection: string,
    work: (c: ProbeCollection, session: unknown) => Promise<void>,
  ): Promise<void>;
}

/** How much each primitive does: quick for the start of every run, full for `harness probe`. */
export interface ProbeSize {
  /** Operations in flight per client. */
  concurrency: number;
  claimDocs: number;
  casDocs: number;
  casOps: number;
  rounds: number;
  readYourWrites: number;
  jobs: number;
}

export const probeSizes = {
  quick: { concurrency: 2, claimDocs: 10, casDocs: 2, casOps: 32, rounds: 2, readYourWrites: 16, jobs: 10 },
  full: { concurrency: 4, claimDocs: 20, casDocs: 3, casOps: 96, rounds: 4, readYourWrites: 32, jobs: 20 },
} as const satisfies Record<string, ProbeSize>;

/** Runs `work` on every (client, slot) pair at once; `who` names the caller. */
async function fanout(
  cols: readonly ProbeCollection[],
  concurrency: number,
  work: (col: ProbeCollection, who: string) => Promise<void>,
): Promise<void> {
  await Promise.all(
    cols.flatMap((col, c) => Array.from({ length: concurrency }, (_, w) => work(col, `c${c}w${w}`))),
  );
}

/** A primitive's result from its figures. */
function result(
  name: PrimitiveName,
  what: string,
  f: { tried: number; anomalies: number; errors: number },
  detail: string,
  started: number,
): PrimitiveResult {
  return { name, what, ...f, verdict: verdictOf(f), detail, ms: Date.now() - started };
}

const codeOf = (e: unknown) => (e as { code?: unknown })?.code;

/** An error's first line, short enough for a cell. */
const said = (e: unknown) => {
  const line = String((e as Error)?.message ?? e).split("\n")[0] ?? "";
  return line.length > 90 ? `${line.slice(0, 87)}…` : line;
};

/** A conditional findOneAndUpdate as a claim: every document claimed exactly once, by the caller told so. */
export async function probeClaim(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("claim");
  await (cols[0] as ProbeCollection).insertMany(
    Array.from({ length: size.claimDocs }, (_, i) => ({ i, status: "pending", v: 0 })),
  );
  const claims = new Map<string, number>();
  let tried = 0;
  let errors = 0;
  let wrongOwner = 0;
  let seq = 0;
  await fanout(cols, size.concurrency, async (col, who) => {
    for (let attempt = 0; attempt < size.claimDocs * 4; attempt++) {
      const me = `${who}#${seq++}`;
      tried++;
      try {
        const doc = await col.findOneAndUpdate(
          { status: "pending" },
          { $set: { status: "running", owner: me }, $inc: { v: 1 } },
          { returnDocument: "after" },
        );
        if (!doc) return;
        if (doc.owner !== me) wrongOwner++;
        claims.set(String(doc._id), (claims.get(String(doc._id)) ?? 0) + 1);
      } catch {
        errors++;
      }
    }
  });
  const twice = [...claims.values()].filter((n) => n > 1).length;
  return result(
    "claim",
    "a conditional findOneAndUpdate as a claim: is each document claimed exactly once?",
    { tried, anomalies: twice + wrongOwner, errors },
    `${size.claimDocs} documents, ${tried} claims: ${twice} claimed more than once, ${wrongOwner} returned another caller's claim`,
    started,
  );
}

/**
 * mongo-job-scheduler's own claim (its pending branch, its stale-lock branch, its sort): no job is
 * claimed while a lock it set is live, and no job that is not due or is locked is claimed at all.
 */
export async function probeSchedulerClaim(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("scheduler_jobs");
  const base = Date.now();
  const lockTimeoutMs = 60_000;
  // Of every 10: 7 pending (2 with lockedBy null), 1 with a stale lock, 1 not yet due, 1 with a live lock.
  const docs = Array.from({ length: size.jobs }, (_, i) => {
    const kind = i % 10;
    const doc: Doc = {
      name: `job${i % 3}`,
      status: "pending",
      attempts: 0,
      priority: 1 + (i % 5),
      lockVersion: 0,
      nextRunAt: new Date(base - 1000 - i),
      forbidden: kind >= 8,
    };
    if (kind === 1 || kind === 2) doc.lockedBy = null;
    if (kind === 7)
      Object.assign(doc, { status: "running", lockedBy: "dead", lockUntil: new Date(base - 5000) });
    if (kind === 8) doc.nextRunAt = new Date(base + 3_600_000);
    if (kind === 9)
      Object.assign(doc, { status: "running", lockedBy: "live", lockUntil: new Date(base + 3_600_000) });
    return doc;
  });
  await (cols[0] as ProbeCollection).insertMany(docs);
  const claims = new Map<string, { at: number; until: number }[]>();
  let tried = 0;
  let errors = 0;
  let forbidden = 0;
  let seq = 0;
  await fanout(cols, size.concurrency, async (col, who) => {
    for (let attempt = 0; attempt < size.jobs * 4; attempt++) {
      const now = new Date();
      const claim = rawClaimCommand(now, `${who}#${seq++}`, lockTimeoutMs);
      tried++;
      try {
        const doc = await col.findOneAndUpdate(claim.filter, claim.update, claim.options);
        if (!doc) return;
        if (doc.forbidden === true) forbidden++;
        const list = claims.get(String(doc._id)) ?? [];
        list.push({ at: now.getTime(), until: now.getTime() + lockTimeoutMs });
        claims.set(String(doc._id), list);
      } catch {
        errors++;
      }
    }
  });
  let whileLive = 0;
  for (const list of claims.values()) {
    list.sort((a, b) => a.at - b.at);
    for (let k = 1; k < list.length; k++)
      if ((list[k] as { at: number }).at < (list[k - 1] as { until: number }).until) whileLive++;
  }
  return result(
    "scheduler-claim",
    "mongo-job-scheduler's own claim: is a job ever claimed while its lock is live, or before it is due?",
    { tried, anomalies: whileLive + forbidden, errors },
    `${size.jobs} jobs, ${tried} claims: ${whileLive} claimed again while locked, ${forbidden} not due or locked yet claimed`,
    started,
  );
}

/** A compare-and-set on a version field: no increment lost when many race on few documents. */
export async function probeCompareAndSet(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("cas");
  await (cols[0] as ProbeCollection).insertMany(
    Array.from({ length: size.casDocs }, (_, i) => ({ _id: i, v: 0 })),
  );
  const successes = new Array<number>(size.casDocs).fill(0);
  let tried = 0;
  let errors = 0;
  const perCaller = Math.ceil(size.casOps / (cols.length * size.concurrency));
  let k = 0;
  await fanout(cols, size.concurrency, async (col) => {
    for (let n = 0; n < perCaller; n++) {
      const id = k++ % size.casDocs;
      tried++;
      try {
        const doc = await col.findOne({ _id: id });
        const old = Number(doc?.v);
        const r = await col.updateOne({ _id: id, v: old }, { $set: { v: old + 1 } });
        successes[id] = (successes[id] as number) + r.modifiedCount;
      } catch {
        errors++;
      }
    }
  });
  const finals = await (cols[0] as ProbeCollection).find({}).toArray();
  let lost = 0;
  for (const d of finals) lost += Math.abs((successes[Number(d._id)] as number) - Number(d.v));
  const succeeded = successes.reduce((a, b) => a + b, 0);
  return result(
    "compare-and-set",
    "updateOne with the old version in its filter: does every update that reports success stick?",
    { tried, anomalies: lost, errors },
    `${size.casDocs} documents, ${tried} read-then-update attempts, ${succeeded} reported success: ${lost} lost or phantom increments`,
    started,
  );
}

/** A unique index under concurrent inserts of one key: one insert wins each round. */
export async function probeUniqueIndex(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("unique");
  await (cols[0] as ProbeCollection).createIndex({ key: 1 }, { unique: true });
  let tried = 0;
  let errors = 0;
  let badRounds = 0;
  for (let round = 0; round < size.rounds; round++) {
    let won = 0;
    await fanout(cols, size.concurrency, async (col, who) => {
      tried++;
      try {
        await col.insertOne({ key: `k${round}`, who });
        won++;
      } catch (e) {
        if (codeOf(e) !== 11000) errors++;
      }
    });
    const stored = await (cols[0] as ProbeCollection).countDocuments({ key: `k${round}` });
    if (won > 1 || stored > 1) badRounds++;
  }
  return result(
    "unique-index",
    "a unique index under concurrent inserts of one key: does exactly one insert win?",
    { tried, anomalies: badRounds, errors },
    `${size.rounds} rounds of ${tried / size.rounds} inserts: ${badRounds} rounds with two documents or two winners`,
    started,
  );
}

/** An upsert on a unique key (a dedupe key's shape): every caller is told of one and the same document. */
export async function probeUpsert(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("upsert");
  await (cols[0] as ProbeCollection).createIndex({ dedupeKey: 1 }, { unique: true, sparse: true });
  let tried = 0;
  let errors = 0;
  let badRounds = 0;
  for (let round = 0; round < size.rounds; round++) {
    const ids = new Set<string>();
    await fanout(cols, size.concurrency, async (col, who) => {
      tried++;
      try {
        const doc = await col.findOneAndUpdate(
          { dedupeKey: `d${round}` },
          { $setOnInsert: { dedupeKey: `d${round}`, createdBy: who } },
          { upsert: true, returnDocument: "after" },
        );
        if (doc) ids.add(String(doc._id));
      } catch (e) {
        // A duplicate key error is the unique index refusing a racing insert: the caller retries.
        if (codeOf(e) !== 11000) errors++;
      }
    });
    const stored = await (cols[0] as ProbeCollection).countDocuments({ dedupeKey: `d${round}` });
    if (ids.size > 1 || stored > 1) badRounds++;
  }
  return result(
    "upsert",
    "findOneAndUpdate with upsert on a unique key (a dedupe key): is every caller told of one document?",
    { tried, anomalies: badRounds, errors },
    `${size.rounds} rounds of ${tried / size.rounds} upserts: ${badRounds} rounds answered with two documents or storing two`,
    started,
  );
}

/** countDocuments and findOne right after a write on the same client see it. */
export async function probeReadYourWrites(server: ProbeServer, size: ProbeSize): Promise<PrimitiveResult> {
  const started = Date.now();
  const cols = server.collections("read_your_writes");
  let tried = 0;
  let errors = 0;
  let missed = 0;
  const perCaller = Math.ceil(size.readYourWrites / (cols.length * size.concurrency));
  await fanout(cols, size.concurrency, async (col, who) => {
    for (let k = 1; k <= perCaller; k++) {
      tried++;
      try {
        const r = await col.insertOne({ who, k });
        if ((await col.countDocuments({ who })) < k) missed++;
        if (!(await col.findOne({ _id: r.insertedId }))) missed++;
      } catch {
        errors++;
      }
    }
  });
  return result(
    "read-your-writes",
    "countDocuments and findOne right after an insert on the same client: do they see it?",
    { tried, anomalies: missed, errors },
    `${tried} inserts: ${missed} reads that did not see the write just made`,
    started,
  );
}

/** The server's clock from `hello.localTime` (or isMaster's): its offset from this machine's, and the round trip. */
export async function probeServerClock(server: ProbeServer): Promise<PrimitiveResult> {
  const started = Date.now();
  const offsets: number[] = [];
  const trips: number[] = [];
  let errors = 0;
  const samples = 7;
  for (let i = 0; i < samples; i++) {
    const before = Date.now();
    const answer = await server
      .command({ hello: 1 })
      .catch(() => server.command({ isMaster: 1 }))
      .catch(() => {
        errors++;
        return null;
      });
    const after = Date.now();
    const t = answer?.localTime;
    if (t instanceof Date) {
      offsets.push(Math.round(t.getTime() - (before + after) / 2));
      trips.push(after - before);
    }
  }
  const sorted = [...offsets].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const trip = [...trips].sort((a, b) => a - b)[trips.length >> 1] ?? 0;
  // A server clock more than a second (and a round trip) off this machine's is worth a line: the
  // schedulers take lock deadlines from each worker's own clock, never the server's.
  const off = median !== undefined && Math.abs(median) > 1000 + trip ? 1 : 0;
  return {
    ...result(
      "server-clock",
      "the server's clock (hello.localTime) against this machine's",
      { tried: samples, anomalies: off, errors },
      median === undefined
        ? "the server reports no localTime"
        : `offset median ${median} ms (from ${sorted[0]} to ${sorted.at(-1)} ms), round trip ${trip} ms`,
      started,
    ),
    ...(median === undefined && errors === 0 ? { verdict: "unavailable" as const } : {}),
  };
}

/**
 * Whether the server evaluates `$$NOW` (its own time) in an aggregation and in an update pipeline.
 * A literal "$$NOW" coming back is broken: the server accepted the variable and stored a string.
 */
export async function probeNowVariable(server: ProbeServer): Promise<PrimitiveResult> {
  const started = Date.now();
  const col = server.collections("now")[0] as ProbeCollection;
  await col.insertOne({ _id: 1 });
  const within = (v: unknown, from: number) => v instanceof Date && Math.abs(v.getTime() - from) < 60_000;
  const facts: string[] = [];
  let anomalies = 0;
  let unsupported = 0;
  let before = Date.now();
  try {
    const [row] = await col.aggregate([{ $project: { now: "$$NOW" } }]).toArray();
    if (within(row?.now, before)) facts.push("aggregation: evaluated");
    else {
      anomalies++;
      facts.push(`aggregation: returned ${JSON.stringify(row?.now)}, not the server's time`);
    }
  } catch (e) {
    unsupported++;
    facts.push(`aggregation: refused (${said(e)})`);
  }
  before = Date.now();
  try {
    await col.updateOne({ _id: 1 }, [{ $set: { t: "$$NOW" } }]);
    const doc = await col.findOne({ _id: 1 });
    if (within(doc?.t, before)) facts.push("update pipeline: evaluated");
    else {
      anomalies++;
      facts.push(`update pipeline: stored ${JSON.stringify(doc?.t)}, not the server's time`);
    }
  } catch (e) {
    unsupported++;
    facts.push(`update pipeline: refused (${said(e)})`);
  }
  const r = result(
    "now-variable",
    "$$NOW (the server's time) in an aggregation and in an update pipeline",
    { tried: 2, anomalies, errors: 0 },
    facts.join("; "),
    started,
  );
  return anomalies === 0 && unsupported > 0 ? { ...r, verdict: "unavailable" } : r;
}

/** Whether a transaction of one insert commits. */
export async function probeTransactions(server: ProbeServer): Promise<PrimitiveResult> {
  const started = Date.now();
  try {
    await server.transaction("transactions", async (col, session) => {
      await (col as unknown as { insertOne(d: Doc, o: unknown): Promise<unknown> }).insertOne(
        { a: 1 },
        { session },
      );
    });
    return result(
      "transactions",
      "a multi-document transaction",
      { tried: 1, anomalies: 0, errors: 0 },
      "a one-insert transaction committed",
      started,
    );
  } catch (e) {
    return {
      ...result(
        "transactions",
        "a multi-document transaction",
        { tried: 1, anomalies: 0, errors: 0 },
        `not available: ${said(e)}`,
        started,
      ),
      verdict: "unavailable",
    };
  }
}
