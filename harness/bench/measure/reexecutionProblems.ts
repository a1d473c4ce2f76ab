import { reexecutionsChecker } from "../../checkers/reexecutions.ts";
import { readLedgerDir } from "../../ledger/history.ts";
import type { VariantGroup } from "./variantGroup.ts";

/**
 * The re-executions checker on the ledger of every group that kept one, read once the groups are
 * stopped: one problem per group it fails, in the groups' order (an error reading a ledger propagates).
 */
export function reexecutionProblems(groups: readonly VariantGroup[]): string[] {
  const problems: string[] = [];
  for (const g of groups) {
    if (!g.variant.ledger) continue;
    const check = reexecutionsChecker.check({
      settings: {
        lockTimeoutMs: 0,
        pollIntervalMs: 0,
        recoveryToleranceMs: 0,
        timingToleranceMs: 0,
        runEndedAt: Date.now(),
        complete: true,
      },
      history: readLedgerDir(g.ledgerDir),
      finalState: [],
    });
    if (check.verdict === "fail") problems.push(`${g.variant.id}: ${check.summary}`);
  }
  return problems;
}
