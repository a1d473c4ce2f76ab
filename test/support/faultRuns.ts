import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findLibfaketime } from "../../harness/faults/faketime.ts";
import { cachedToxiproxy } from "../../harness/faults/toxiproxy.ts";
import type { LedgerRecord, WindowRecord } from "../../harness/ledger/records.ts";
import { defaultCacheDir } from "../../harness/util/cacheDir.ts";

/** Why the fault tools (libfaketime, Toxiproxy or Go to build it) are missing here, or null. */
export function missingFaultTools(): string | null {
  const reasons: string[] = [];
  try {
    findLibfaketime();
  } catch (e) {
    reasons.push(String((e as Error).message));
  }
  const path = (process.env.PATH ?? "").split(":");
  const onPath = (name: string) => path.some((d) => existsSync(join(d, name)));
  if (!existsSync(cachedToxiproxy(defaultCacheDir())) && !onPath("toxiproxy-server") && !onPath("go"))
    reasons.push("no Toxiproxy (neither Go nor toxiproxy-server)");
  return reasons.length ? reasons.join("; ") : null;
}

/** A saved run's history, line by line. */
export function historyOf(runDir: string): LedgerRecord[] {
  return readFileSync(join(runDir, "history.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerRecord);
}

/** The first begin or end record of a fault of this kind. */
export function faultWindow(records: LedgerRecord[], fault: string, action: "begin" | "end"): WindowRecord {
  const w = records.find(
    (r): r is WindowRecord => r.type === "fault" && r.fault === fault && r.action === action,
  );
  if (!w) throw new Error(`no ${fault} ${action} in the history`);
  return w;
}
