import { EventEmitter } from "node:events";
import type { Collection, MongoClient } from "mongodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CollectionObserver } from "../../harness/app/observer.ts";
import type { LedgerRecord, ObserveRecord, ObserverRecord } from "../../harness/ledger/records.ts";

/**
 * The change-stream watcher's rules on a scripted server, with the clock set by each step: a
 * looked-up change's record is stamped with when the read that returned it was sent; an insert's
 * with the moment its change came after; a change returned by a read sent before the last full
 * read ended is read again by id; the gap runs from the last moment everything was shown (the
 * last read that caught up) to each read's answer; a stream that fails or ends hands over to
 * full reads.
 */
const at = (ms: number) => vi.setSystemTime(ms);
const job = (id: string, attempts: number, status = "pending") => ({
  _id: id,
  name: "email",
  status,
  attempts,
});
type Job = ReturnType<typeof job>;
const change = (doc: Job, operationType = "update") => ({ operationType, fullDocument: doc });

/** One read of the stream: sent, answered, how many changes it returned, and in which database. */
type Read = [sent: number, answered: number, returned?: number, db?: string];
type Step =
  | { reads: Read[]; returned: number; returns: unknown }
  | { buffered: unknown; until?: number }
  | { fails: string; until: number }
  | { closes: number };

/** A client whose change stream plays `steps`, one per tryNext; `exhausted` once none is left. */
function scriptedClient(steps: Step[], exhausted: () => void) {
  const events = new EventEmitter();
  let requestId = 0;
  const stream = {
    closed: false,
    async tryNext() {
      const step = steps.shift();
      if (!step) {
        exhausted();
        return null;
      }
      if ("fails" in step) {
        at(step.until);
        throw new Error(step.fails);
      }
      if ("closes" in step) {
        at(step.closes);
        stream.closed = true;
        return null;
      }
      if ("buffered" in step) {
        if (step.until !== undefined) at(step.until);
        return step.buffered;
      }
      for (const [sent, answered, returned = 1, db = "run"] of step.reads) {
        const id = ++requestId;
        at(sent);
        events.emit("commandStarted", {
          commandName: id === 1 ? "aggregate" : "getMore",
          requestId: id,
          databaseName: db,
        });
        at(answered);
        events.emit("commandSucceeded", {
          requestId: id,
          reply: { cursor: { nextBatch: Array.from({ length: returned }) } },
        });
      }
      at(step.returned);
      return step.returns;
    },
    close: async () => {},
  };
  const client = Object.assign(events, {
    db: () => ({ collection: () => ({ watch: () => stream }) }),
    close: async () => {},
  });
  return client as unknown as MongoClient;
}

/** The job collection: each full read or read by id answers the next entry (the last repeats) and moves the clock. */
function scriptedCollection(
  reads: ({ docs: Job[]; until: number } | { fails: number })[],
  onRead: () => void,
) {
  const next = () => {
    const r = (reads.length > 1 ? reads.shift() : reads[0]) as (typeof reads)[number];
    onRead();
    if ("fails" in r) {
      at(r.fails);
      throw new Error("connection closed");
    }
    at(r.until);
    return r.docs;
  };
  return {
    collectionName: "jobs",
    find: () => ({ toArray: async () => next() }),
    findOne: async (filter: { _id: string }) => next().find((d) => d._id === filter._id) ?? null,
  } as unknown as Collection;
}

/**
 * Watches until the collection has been read `readsBeforeStop` times or the stream's script is
 * played out, then stops; the records and the observer record.
 */
async function watch(
  steps: Step[],
  reads: Parameters<typeof scriptedCollection>[0],
  readsBeforeStop: number,
) {
  let count = 0;
  let enough: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    enough = resolve;
  });
  const collection = scriptedCollection(reads, () => {
    if (++count >= readsBeforeStop) enough();
  });
  const records: LedgerRecord[] = [];
  const observer = new CollectionObserver(
    collection,
    { append: (r) => records.push(r), close: () => {} },
    10,
    "stream",
    { dbName: "run", client: async () => scriptedClient(steps, enough), check: async () => [] },
  );
  const line = await observer.start();
  await done;
  await observer.stop("jobs");
  return {
    line,
    seen: records
      .filter((r): r is ObserveRecord => r.type === "observe")
      .map((r) => [r.jobId, r.attempts, r.t]),
    watcher: records.find((r): r is ObserverRecord => r.type === "observer"),
  };
}

describe("app mode's change-stream watcher: when a record says its document held", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(900);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stamps each change with its read's sending, reads again what a read sent before the full read returned, and counts the gap from the last read that caught up", async () => {
    const { line, seen, watcher } = await watch(
      [
        // The opening read returns j1 at 1 attempt; the full read after it already shows 2.
        { reads: [[1000, 1005]], returned: 1010, returns: change(job("j1", 1)) },
        { reads: [[1040, 1045]], returned: 1045, returns: change(job("j1", 3)) },
        { buffered: change(job("j2", 1)) },
        { reads: [[1100, 1150, 0]], returned: 1150, returns: null },
        { fails: "connection closed", until: 1160 },
      ],
      [
        { docs: [job("j1", 2)], until: 1020 }, // the first full read, 1010 to 1020
        { docs: [job("j1", 2)], until: 1030 }, // j1 read again by id, 1020 to 1030
        { docs: [job("j1", 3), job("j2", 2)], until: 1170 }, // full reads after the stream failed
      ],
      3,
    );
    expect(line).toContain("through a change stream");
    expect(seen).toEqual([
      ["j1", 2, 1010], // the first full read
      // j1 at 1 attempt (looked up before the full read ended) was read again: 2, no change.
      ["j1", 3, 1040], // the getMore sent at 1040
      ["j2", 1, 1040], // buffered from that same read
      ["j2", 2, 1160], // the first full read after the stream failed
    ]);
    expect(watcher).toMatchObject({ via: "stream", firstAt: 1010, streamReads: 3 });
    // From the read sent at 1040 (it caught up) to the next one's answer at 1150.
    expect(watcher?.maxGapMs).toBe(110);
    expect(watcher?.streamNote).toMatch(
      /^the change stream failed \(connection closed\) at .*; the whole collection was read from then on$/,
    );
  });

  it("reads again by id every change a read sent before the full read ended returned, the buffered ones too", async () => {
    const { seen, watcher } = await watch(
      [
        // The opening reads (the aggregate, then a getMore) looked j1 and j2 up at 1 attempt; the
        // full read after them shows 2.
        {
          reads: [
            [1000, 1001],
            [1001, 1002],
          ],
          returned: 1002,
          returns: change(job("j1", 1)),
        },
        { buffered: change(job("j2", 1)) },
      ],
      [
        { docs: [job("j1", 2), job("j2", 2)], until: 1300 }, // the full read, 1002 to 1300
        { docs: [job("j1", 2)], until: 1350 }, // j1 again: no change
        { docs: [job("j2", 3)], until: 1400 }, // j2 again: changed since
      ],
      3,
    );
    expect(seen).toEqual([
      ["j1", 2, 1002],
      ["j2", 2, 1002],
      ["j2", 3, 1350],
    ]);
    // j2's change came after the full read began (1002: everything before was shown by it); it was
    // read again until 1400.
    expect(watcher?.maxGapMs).toBe(398);
  });

  it("a full batch leaves older changes to the next read: their bound stays at the last read that caught up", async () => {
    const { seen, watcher } = await watch(
      [
        { reads: [[1000, 1001, 0]], returned: 1001, returns: null },
        // A backlog: the read sent at 1100 returned a full batch, so the next one's changes may
        // have come as early as 1000 (the last read that caught up).
        { reads: [[1100, 1110, 1000]], returned: 1110, returns: change(job("j1", 1)) },
        { reads: [[1120, 1500, 3]], returned: 1500, returns: change(job("j1", 2)) },
      ],
      [
        { docs: [job("j1", 0)], until: 1050 },
        { docs: [job("j1", 2)], until: 1600 }, // the last read, at stop
      ],
      3,
    );
    expect(seen).toEqual([
      ["j1", 0, 1001],
      ["j1", 1, 1100],
      ["j1", 2, 1120],
    ]);
    // 1500 (answer) − 1001 (the full read: every change before it was shown), not 1500 − 1100.
    expect(watcher?.maxGapMs).toBe(499);
  });

  it("an insert's document is stamped with when its change came after; one already read is read again, not recorded older", async () => {
    const { seen } = await watch(
      [
        { reads: [[1000, 1001, 0]], returned: 1001, returns: null },
        // j1 was read as running by the full read; its insert event (pending) comes after.
        { reads: [[1100, 1110]], returned: 1110, returns: change(job("j1", 0), "insert") },
        { reads: [[1120, 1130, 0]], returned: 1130, returns: change(job("j2", 0), "insert") },
      ],
      [
        { docs: [job("j1", 1, "running")], until: 1050 }, // the full read, 1001 to 1050
        { docs: [job("j1", 1, "running")], until: 1115 }, // j1 again
        { docs: [job("j1", 1, "running"), job("j2", 0)], until: 1200 },
      ],
      3,
    );
    expect(seen).toEqual([
      ["j1", 1, 1001],
      // j2's insert came after the read sent at 1100 caught up.
      ["j2", 0, 1100],
    ]);
  });

  it("a change whose read by id fails is read again until it can be, not dropped", async () => {
    const { seen } = await watch(
      // Looked up before the full read ended: read again by id.
      [{ reads: [[1000, 1001]], returned: 1001, returns: change(job("j1", 1)) }],
      [
        { docs: [job("j1", 1)], until: 1050 }, // the full read
        { fails: 1060 }, // j1 by id: the database is away
        { docs: [job("j1", 2)], until: 1070 }, // j1 by id again
        { docs: [job("j1", 3)], until: 1100 }, // the last read, at stop
      ],
      4,
    );
    expect(seen).toEqual([
      ["j1", 1, 1001],
      ["j1", 2, 1060],
      ["j1", 3, 1070],
    ]);
  });

  it("a change after which the stream shows nothing more (the collection dropped) hands over to full reads, said", async () => {
    const { seen, watcher } = await watch(
      [
        { reads: [[1000, 1001, 0]], returned: 1001, returns: null },
        { reads: [[1100, 1110]], returned: 1110, returns: { operationType: "drop" } },
      ],
      [
        { docs: [job("j1", 0)], until: 1050 },
        { docs: [job("j1", 5)], until: 1130 },
      ],
      2,
    );
    expect(seen).toEqual([
      ["j1", 0, 1001],
      ["j1", 5, 1110],
    ]);
    expect(watcher?.streamNote).toMatch(/^the change stream ended \(drop\) at /);
  });

  it("a stream closed by the server without an error hands over too", async () => {
    const { watcher } = await watch(
      [{ reads: [[1000, 1001, 0]], returned: 1001, returns: null }, { closes: 1100 }],
      [{ docs: [job("j1", 0)], until: 1050 }],
      2,
    );
    expect(watcher?.streamNote).toMatch(/^the change stream closed at /);
  });

  it("the check's own reads, in a database of its own, are not the watcher's", async () => {
    const { watcher } = await watch(
      [
        {
          reads: [
            [900, 1000, 0, "harness_watch_1"],
            [1000, 1001, 0],
          ],
          returned: 1001,
          returns: null,
        },
        { reads: [[1010, 1020, 0]], returned: 1020, returns: null },
      ],
      [{ docs: [job("j1", 0)], until: 1005 }],
      2,
    );
    expect(watcher?.streamReads).toBe(2);
  });

  it("the first full read is tried until it succeeds, and only then counts as the first", async () => {
    const { seen, watcher } = await watch(
      [{ reads: [[1000, 1001, 0]], returned: 1001, returns: null }],
      [{ fails: 1002 }, { docs: [job("j1", 0)], until: 1100 }],
      2,
    );
    expect(seen[0]?.[0]).toBe("j1");
    expect(watcher?.firstAt).toBeGreaterThanOrEqual(1002);
  });

  it("the last read at stop counts its gap from the last moment everything was shown", async () => {
    const { watcher } = await watch(
      [
        { reads: [[1000, 1001, 0]], returned: 1001, returns: null },
        { reads: [[1002, 1003, 0]], returned: 1003, returns: null },
      ],
      [
        { docs: [job("j1", 0)], until: 1002 },
        { docs: [job("j1", 1)], until: 2000 }, // the last read, at stop
      ],
      1,
    );
    expect(watcher?.maxGapMs).toBeGreaterThanOrEqual(2000 - 1002);
  });
});
