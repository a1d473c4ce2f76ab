import type { ProbeCollection, ProbeServer } from "../../harness/probe/primitives.ts";

type Doc = Record<string, unknown>;

/** How the fake server breaks its primitives, each on purpose. */
export interface FakeFlaws {
  /**
   * findOneAndUpdate and updateOne read the matching document, yield, then write the whole document
   * back by _id without checking the filter again: FerretDB 1.24's way, and a race.
   */
  racyUpdates?: boolean;
  /** A unique index that enforces nothing. */
  uniqueIgnored?: boolean;
  /** countDocuments answers from a snapshot taken before the last write of each caller. */
  staleCounts?: boolean;
  /** $$NOW comes back as the literal string (accepted, not evaluated). */
  nowLiteral?: boolean;
  /** Transactions are refused. */
  noTransactions?: boolean;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function cmp(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : (a as number);
  const y = b instanceof Date ? b.getTime() : (b as number);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The subset of MongoDB's query language the probe uses. */
export function matches(doc: Doc, filter: Doc): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === "$or") {
      if (!(cond as Doc[]).some((f) => matches(doc, f))) return false;
      continue;
    }
    if (key === "$and") {
      if (!(cond as Doc[]).every((f) => matches(doc, f))) return false;
      continue;
    }
    const value = doc[key];
    if (cond !== null && typeof cond === "object" && !(cond instanceof Date) && !Array.isArray(cond)) {
      for (const [op, arg] of Object.entries(cond as Doc)) {
        if (op === "$exists" && (value !== undefined) !== arg) return false;
        if (op === "$lte" && !(value !== undefined && value !== null && cmp(value, arg) <= 0)) return false;
        if (op === "$gt" && !(value !== undefined && value !== null && cmp(value, arg) > 0)) return false;
      }
      continue;
    }
    if (cond === null ? value !== null && value !== undefined : cmp(value, cond) !== 0 && value !== cond)
      return false;
  }
  return true;
}

function applyUpdate(doc: Doc, update: Doc, inserting: boolean): Doc {
  const out = { ...doc };
  for (const [op, fields] of Object.entries(update)) {
    for (const [k, v] of Object.entries(fields as Doc)) {
      if (op === "$set") out[k] = v;
      if (op === "$inc") out[k] = Number(out[k] ?? 0) + Number(v);
      if (op === "$unset") delete out[k];
      if (op === "$setOnInsert" && inserting) out[k] = v;
    }
  }
  return out;
}

/**
 * An in-memory server for the probe's unit tests: correct (every operation atomic, as a single
 * thread makes it) unless a flaw is asked for.
 */
export function fakeProbeServer(flaws: FakeFlaws = {}, clients = 2): ProbeServer {
  const collections = new Map<string, { docs: Doc[]; unique: string[] }>();
  let nextId = 1;
  const store = (name: string) => {
    let c = collections.get(name);
    if (!c) {
      c = { docs: [], unique: [] };
      collections.set(name, c);
    }
    return c;
  };
  const violatesUnique = (c: { docs: Doc[]; unique: string[] }, doc: Doc, except?: Doc) =>
    !flaws.uniqueIgnored &&
    c.unique.some((k) => doc[k] !== undefined && c.docs.some((d) => d !== except && d[k] === doc[k]));
  const duplicate = () => Object.assign(new Error("E11000 duplicate key"), { code: 11000 });
  const collection = (name: string): ProbeCollection => {
    const c = store(name);
    const sorted = (filter: Doc, sort?: Record<string, number>) => {
      const found = c.docs.filter((d) => matches(d, filter));
      if (sort)
        found.sort((a, b) => {
          for (const [k, dir] of Object.entries(sort)) {
            const r = cmp(a[k], b[k]) * dir;
            if (r) return r;
          }
          return 0;
        });
      return found;
    };
    /** Writes `next` in place of the document with its _id (the racy path's last-writer-wins). */
    const replace = (next: Doc) => {
      const i = c.docs.findIndex((d) => d._id === next._id);
      if (i >= 0) c.docs[i] = next;
    };
    return {
      async insertMany(docs) {
        for (const d of docs) c.docs.push({ _id: d._id ?? nextId++, ...d });
        return {};
      },
      async insertOne(doc) {
        await tick();
        const d = { _id: doc._id ?? nextId++, ...doc };
        if (violatesUnique(c, d)) throw duplicate();
        c.docs.push(d);
        return { insertedId: d._id };
      },
      async findOne(filter) {
        return c.docs.find((d) => matches(d, filter)) ?? null;
      },
      find(filter) {
        return { toArray: async () => c.docs.filter((d) => matches(d, filter)) };
      },
      async findOneAndUpdate(filter, update, options) {
        if (flaws.racyUpdates) {
          const seen = sorted(filter, options.sort as Record<string, number>)[0];
          await tick();
          if (!seen) return null;
          const next = applyUpdate(seen, update, false);
          replace(next);
          return next;
        }
        await tick();
        const found = sorted(filter, options.sort as Record<string, number>)[0];
        if (!found) {
          if (!options.upsert) return null;
          const inserted = applyUpdate({ _id: nextId++, ...filter }, update, true);
          if (violatesUnique(c, inserted)) throw duplicate();
          c.docs.push(inserted);
          return inserted;
        }
        const next = applyUpdate(found, update, false);
        replace(next);
        return next;
      },
      async updateOne(filter, update) {
        if (Array.isArray(update)) {
          const found = c.docs.find((d) => matches(d, filter));
          if (!found) return { modifiedCount: 0 };
          const set = (update[0] as { $set: Doc }).$set;
          const next = { ...found };
          for (const [k, v] of Object.entries(set))
            next[k] = v === "$$NOW" && !flaws.nowLiteral ? new Date() : v;
          replace(next);
          return { modifiedCount: 1 };
        }
        if (flaws.racyUpdates) {
          const seen = c.docs.find((d) => matches(d, filter));
          await tick();
          if (!seen) return { modifiedCount: 0 };
          replace(applyUpdate(seen, update, false));
          return { modifiedCount: 1 };
        }
        await tick();
        const found = c.docs.find((d) => matches(d, filter));
        if (!found) return { modifiedCount: 0 };
        replace(applyUpdate(found, update, false));
        return { modifiedCount: 1 };
      },
      async countDocuments(filter) {
        const n = c.docs.filter((d) => matches(d, filter)).length;
        return flaws.staleCounts ? Math.max(0, n - 1) : n;
      },
      async createIndex(spec, options) {
        if (options?.unique) c.unique.push(...Object.keys(spec));
        return {};
      },
      aggregate(pipeline) {
        const project = (pipeline[0] as { $project: Doc }).$project;
        return {
          toArray: async () =>
            c.docs.map((d) => ({
              _id: d._id,
              ...Object.fromEntries(
                Object.entries(project).map(([k, v]) => [
                  k,
                  v === "$$NOW" && !flaws.nowLiteral ? new Date() : v,
                ]),
              ),
            })),
        };
      },
    };
  };
  return {
    collections: (name) => Array.from({ length: clients }, () => collection(name)),
    async command(command) {
      if ("hello" in command || "isMaster" in command) return { ok: 1, localTime: new Date() };
      return { ok: 1 };
    },
    async transaction(name, work) {
      if (flaws.noTransactions)
        throw new Error("Transaction numbers are only allowed on a replica set member");
      await work(collection(name), {});
    },
  };
}
