import { type Collection, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionObserver, changeStreamMisses, type WatchMode } from "../../harness/app/observer.ts";
import type { LedgerSink } from "../../harness/ledger/fileLedger.ts";
import type { LedgerRecord, ObserveRecord, ObserverRecord } from "../../harness/ledger/records.ts";
import { startStandin } from "../../harness/servers/standin.ts";
import type { MongoServerHandle } from "../../harness/servers/target.ts";
import { defaultCacheDir } from "../../harness/util/cacheDir.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";

/**
 * App mode's watcher, on three stand-ins: one whose change streams show every write (its launcher
 * logs findAndModify), mongo-java-server's own oplog (its change streams miss findAndModify, the
 * schedulers' claim), and none (no change streams at all).
 */
type Server = { handle: MongoServerHandle; client: MongoClient };
let withClaims: Server;
let asShipped: Server;
let noOplog: Server;

async function start(
  changeStreams: boolean,
  oplog: "with-claims" | "as-shipped" = "with-claims",
): Promise<Server> {
  const handle = await startStandin(
    { cacheDir: defaultCacheDir(), progress: () => {}, changeStreams },
    oplog,
  );
  const client = new MongoClient(handle.uri);
  await client.connect();
  return { handle, client };
}

beforeAll(async () => {
  [withClaims, asShipped, noOplog] = await Promise.all([
    start(true),
    start(true, "as-shipped"),
    start(false),
  ]);
}, 120_000);

afterAll(async () => {
  for (const s of [withClaims, asShipped, noOplog]) {
    await s?.client.close(true);
    await s?.handle.stop();
  }
});

function memorySink(records: LedgerRecord[]): LedgerSink {
  return { append: (r) => records.push(r), close: () => {} };
}

function observerOn(server: Server, col: Collection, records: LedgerRecord[], mode: WatchMode) {
  return new CollectionObserver(col, memorySink(records), 50, mode, {
    dbName: col.dbName,
    client: async () => {
      const client = new MongoClient(server.handle.uri, { monitorCommands: true });
      await client.connect();
      return client;
    },
    // The check waits its full time only for what a stream misses: 1 s is enough on loopback.
    check: (client) => changeStreamMisses(client, 1000),
  });
}

describe("app mode's watcher (stand-in)", () => {
  it("measures a server's change stream: every write shown where the launcher logs claims; findOneAndUpdate missing from mongo-java-server's own; refused without an oplog", async () => {
    expect(await changeStreamMisses(withClaims.client)).toEqual([]);
    expect(await changeStreamMisses(asShipped.client, 1000)).toEqual([
      "findOneAndUpdate",
      "findOneAndUpdate with upsert",
    ]);
    await expect(changeStreamMisses(noOplog.client)).rejects.toThrow();
    // The check works in databases of its own and drops them.
    const dbs = await withClaims.client.db("admin").admin().listDatabases();
    expect(dbs.databases.map((d) => d.name).filter((n) => n.startsWith("harness_watch_"))).toEqual([]);
  });

  for (const mode of ["stream", "poll"] as const) {
    it(`${mode}: each record shows every write that ended before its time; a write it is the first to show ended no earlier than its time less the gap, and began no later than its time plus the gap`, async () => {
      const col = withClaims.client.db(`watch_${mode}`).collection<{ _id: string; attempts: number }>("jobs");
      const docs = ["j0", "j1", "j2", "j3", "j4", "j5"];
      /** Each write's span, by document and the attempts value it left. */
      const spans = new Map<string, { began: number; ended: number }>();
      const count = new Map<string, number>();
      for (const id of docs) {
        const began = Date.now();
        await col.insertOne({ _id: id, attempts: 0 });
        spans.set(`${id}:0`, { began, ended: Date.now() });
        count.set(id, 0);
      }
      let writing = true;
      // Writes run before and while the watcher starts, so its first stream read overlaps its first
      // full read.
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const id = docs[i % docs.length] as string;
          const began = Date.now();
          const op = i % 3;
          if (op === 0) await col.updateOne({ _id: id }, { $inc: { attempts: 1 } });
          else if (op === 1) await col.findOneAndUpdate({ _id: id }, { $inc: { attempts: 1 } });
          else await col.updateMany({ _id: id }, { $inc: { attempts: 1 } });
          const n = (count.get(id) ?? 0) + 1;
          count.set(id, n);
          spans.set(`${id}:${n}`, { began, ended: Date.now() });
          if (i % 4 === 3) await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await new Promise((r) => setTimeout(r, 150));
      const records: LedgerRecord[] = [];
      const observer = observerOn(withClaims, col as unknown as Collection, records, mode);
      expect(await observer.start()).toContain(
        mode === "stream" ? "through a change stream" : "by reading it",
      );
      await new Promise((r) => setTimeout(r, 2500));
      writing = false;
      await writer;
      await observer.stop("jobs");

      const watcher = records.find((r): r is ObserverRecord => r.type === "observer");
      expect(watcher?.via).toBe(mode);
      const gap = watcher?.maxGapMs ?? Number.NaN;
      const firstAt = watcher?.firstAt;
      expect(gap).toBeGreaterThan(0);
      const observed = records.filter((r): r is ObserveRecord => r.type === "observe");
      // Enough to mean something (hundreds on an idle machine; a loaded one writes and reads less).
      expect(observed.length).toBeGreaterThan(20);
      const problems: string[] = [];
      const last = new Map<string, ObserveRecord>();
      for (const r of observed) {
        const before = last.get(r.jobId);
        if (before && (r.t < before.t || r.attempts < before.attempts))
          problems.push(
            `${r.jobId}: went back from ${before.attempts} at ${before.t} to ${r.attempts} at ${r.t}`,
          );
        last.set(r.jobId, r);
        const span = spans.get(`${r.jobId}:${r.attempts}`);
        if (!span) {
          problems.push(`${r.jobId}: ${r.attempts} was never written`);
          continue;
        }
        for (let a = r.attempts + 1; spans.has(`${r.jobId}:${a}`); a++)
          if ((spans.get(`${r.jobId}:${a}`)?.ended ?? 0) < r.t)
            problems.push(`${r.jobId} at ${r.t}: shows ${r.attempts}, but ${a} was written before`);
        if (span.began > r.t + gap)
          problems.push(
            `${r.jobId} at ${r.t}: shows ${r.attempts}, written from ${span.began}, after t + gap`,
          );
        const firstShown = before?.attempts !== r.attempts;
        if (firstShown && r.t !== firstAt && span.ended < r.t - gap)
          problems.push(
            `${r.jobId} at ${r.t}: first shows ${r.attempts}, written by ${span.ended}, before t - gap`,
          );
      }
      expect(problems).toEqual([]);
    }, 30_000);
  }

  it("auto reads the collection instead where the change stream misses claims, and says why; --watch stream there is refused in one line", async () => {
    const col = asShipped.client.db("watch_auto").collection("jobs");
    await col.insertOne({ name: "a" });
    const records: LedgerRecord[] = [];
    const auto = observerOn(asShipped, col, records, "auto");
    expect(await auto.start()).toMatch(
      /by reading it every 50 ms \(no change stream to trust: .*findOneAndUpdate/,
    );
    await auto.stop("jobs");
    const watcher = records.find((r): r is ObserverRecord => r.type === "observer");
    expect(watcher?.via).toBe("poll");
    expect(watcher?.streamNote).toContain("findOneAndUpdate");

    const refusedRecords: LedgerRecord[] = [];
    const refusedObserver = observerOn(asShipped, col, refusedRecords, "stream");
    const refused = await refusedObserver.start().catch((e: unknown) => e);
    // A watcher that never started says nothing of how it watched.
    await refusedObserver.stop("jobs");
    expect(refusedRecords).toEqual([]);
    expect(refused).toBeInstanceOf(HarnessError);
    expect(String((refused as Error).message)).toMatch(
      /^--watch stream: no change stream to trust on jobs: .*findOneAndUpdate.*--watch poll/,
    );
    expect(String((refused as Error).message)).not.toContain("\n");

    const none = observerOn(noOplog, noOplog.client.db("watch_none").collection("jobs"), [], "auto");
    expect(await none.start()).toMatch(
      /by reading it every 50 ms \(no change stream to trust: the server refused one/,
    );
    await none.stop("jobs");
  }, 30_000);
});
