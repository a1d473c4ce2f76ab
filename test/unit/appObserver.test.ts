import { EventEmitter } from "node:events";
import type { Collection, MongoClient } from "mongodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CollectionObserver } from "../../harness/app/observer.ts";
import type { LedgerRecord, ObserveRecord, ObserverRecord } from "../../harness/ledger/records.ts";

/**
 * The change-stream watcher's rules on a scripted server, with the clock set by each step: a
 * change's record is stamped with when the read that returned it was sent; a change returned by a
 * read sent before the last full read ended is read again by id; the gap runs from one read's
 * sending to the next one's answer; a stream that fails hands over to full reads.
 */
const at = (ms: number) => vi.setSystemTime(ms);
const job = (id: string, attempts: number) => ({ _id: id, name: "email", status: "pending", attempts });
const change = (doc: ReturnType<typeof job>) => ({ operationType: "update", fullDocument: doc });

/** A client whose change stream plays `steps`, one per tryNext: a read (sent, answered, its result) or a buffered change. */
function scriptedClient(
  steps: (
    | { reads: [sent: number, answered: number][]; returned: number; returns: unknown }
    | { buffered: unknown; until?: number }
    | { fails: string; until: number }
  )[],
) {
  const events = new EventEmitter();
  let requestId = 0;
  const stream = {
    async tryNext() {
      const step = steps.shift();
      if (!step) return null;
      if ("fails" in step) {
        at(step.until);
        throw new Error(step.fails);
      }
      if ("buffered" in step) {
        if (step.until !== undefined) at(step.until);
        return step.buffered;
      }
      for (const [sent, answered] of step.reads) {
        const id = ++requestId;
        at(sent);
        events.emit("commandStarted", { commandName: id === 1 ? "aggregate" : "getMore", requestId: id });
        at(answered);
        events.emit("commandSucceeded", { requestId: id });
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

/** The job collection: each full read and read by id answers from `state` and moves the clock to `then`. */
function scriptedCollection(reads: { docs: ReturnType<typeof job>[]; until: number }[], onRead: () => void) {
  const next = () => {
    const r = reads.length > 1 ? reads.shift() : reads[0];
    at(r?.until ?? Date.now());
    onRead();
    return r?.docs ?? [];
  };
  return {
    collectionName: "jobs",
    find: () => ({ toArray: async () => next() }),
    findOne: async (filter: { _id: string }) => next().find((d) => d._id === filter._id) ?? null,
  } as unknown as Collection;
}

describe("app mode's change-stream watcher: when a record says its document held", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(900);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stamps each change with its read's sending, reads again what a read sent before the full read returned, and counts the gap to the next answer", async () => {
    const client = scriptedClient([
      // The opening read returns j1 at 1 attempt; the full read after it already shows 2.
      { reads: [[1000, 1005]], returned: 1010, returns: change(job("j1", 1)) },
      { reads: [[1040, 1045]], returned: 1045, returns: change(job("j1", 3)) },
      { buffered: change(job("j2", 1)) },
      { reads: [[1100, 1150]], returned: 1150, returns: null },
      { fails: "connection closed", until: 1160 },
    ]);
    let fullReads = 0;
    let polled: () => void = () => {};
    const polledOnce = new Promise<void>((resolve) => {
      polled = resolve;
    });
    const collection = scriptedCollection(
      [
        { docs: [job("j1", 2)], until: 1020 }, // the first full read, 1010 to 1020
        { docs: [job("j1", 2)], until: 1030 }, // j1 read again by id, 1020 to 1030
        { docs: [job("j1", 3), job("j2", 2)], until: 1170 }, // full reads after the stream failed
      ],
      () => {
        if (++fullReads >= 3) polled();
      },
    );
    const records: LedgerRecord[] = [];
    const observer = new CollectionObserver(
      collection,
      { append: (r) => records.push(r), close: () => {} },
      10,
      "stream",
      { dbName: "run", client: async () => client, check: async () => [] },
    );
    expect(await observer.start()).toContain("through a change stream");
    await polledOnce;
    await observer.stop("jobs");

    const seen = records
      .filter((r): r is ObserveRecord => r.type === "observe")
      .map((r) => [r.jobId, r.attempts, r.t]);
    expect(seen).toEqual([
      ["j1", 2, 1010], // the first full read
      // j1 at 1 attempt (looked up before the full read ended) was read again: 2, no change.
      ["j1", 3, 1040], // the getMore sent at 1040
      ["j2", 1, 1040], // buffered from that same read
      ["j2", 2, 1160], // the first full read after the stream failed
    ]);
    const watcher = records.find((r): r is ObserverRecord => r.type === "observer");
    expect(watcher).toMatchObject({ via: "stream", firstAt: 1010, streamReads: 3 });
    // From the read sent at 1040 to the next one's answer at 1150.
    expect(watcher?.maxGapMs).toBe(110);
    expect(watcher?.streamNote).toMatch(
      /^the change stream failed at .* \(connection closed\); the whole collection was read from then on$/,
    );
  });

  it("every change a read sent before the full read ended returned is read again by id, the buffered ones too, and the gap runs from the read before to the end of that read", async () => {
    const client = scriptedClient([
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
    ]);
    let reads = 0;
    let done: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    const collection = scriptedCollection(
      [
        { docs: [job("j1", 2), job("j2", 2)], until: 1300 }, // the full read, 1002 to 1300
        { docs: [job("j1", 2)], until: 1350 }, // j1 again: no change
        { docs: [job("j2", 3)], until: 1400 }, // j2 again: changed since
      ],
      () => {
        if (++reads >= 3) done();
      },
    );
    const records: LedgerRecord[] = [];
    const observer = new CollectionObserver(
      collection,
      { append: (r) => records.push(r), close: () => {} },
      10,
      "stream",
      { dbName: "run", client: async () => client, check: async () => [] },
    );
    await observer.start();
    await settled;
    await observer.stop("jobs");
    const seen = records
      .filter((r): r is ObserveRecord => r.type === "observe")
      .map((r) => [r.jobId, r.attempts, r.t]);
    expect(seen).toEqual([
      ["j1", 2, 1002],
      ["j2", 2, 1002],
      ["j2", 3, 1350],
    ]);
    const watcher = records.find((r): r is ObserverRecord => r.type === "observer");
    // j2's change came after the read before its own was sent (the aggregate, 1000); it was read
    // again until 1400.
    expect(watcher?.maxGapMs).toBe(400);
  });
});
