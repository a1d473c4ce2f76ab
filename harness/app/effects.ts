/**
 * The service's side effects, read at the end of the run: every document of each effects
 * collection the description names, as one effect record per document (its job id as a string,
 * its own time field when it has one).
 */
import type { Db } from "mongodb";
import type { EffectRecord } from "../ledger/records.ts";
import { type ApiDescription, fieldAt } from "./api.ts";

export async function readEffects(db: Db, api: ApiDescription): Promise<EffectRecord[]> {
  const now = Date.now();
  const out: EffectRecord[] = [];
  const kinds = api.kinds.filter((k) => k.effect);
  const collections = new Map<string, typeof kinds>();
  for (const k of kinds) {
    const c = k.effect?.collection as string;
    collections.set(c, [...(collections.get(c) ?? []), k]);
  }
  for (const [collection, sharing] of collections) {
    const spec = sharing[0]?.effect as NonNullable<(typeof kinds)[number]["effect"]>;
    for (const doc of await db.collection(collection).find({}).toArray()) {
      const raw = fieldAt(doc, spec.jobIdField);
      if (raw === undefined || raw === null) continue;
      const jobId = String(raw);
      const time = spec.timeField ? fieldAt(doc, spec.timeField) : undefined;
      const t = time instanceof Date ? time.getTime() : typeof time === "number" ? time : Number.NaN;
      out.push({
        type: "effect",
        t: Number.isFinite(t) ? t : now,
        timed: Number.isFinite(t),
        jobId,
        // Kinds that share a collection are told apart by the job's own name (effects.ts of checkers).
        jobName: sharing[0]?.jobName as string,
        collection,
        docId: String(doc._id),
      });
    }
  }
  return out;
}
