/**
 * Measures `analyze` on a synthetic history: `npm run perf:analyze [-- <jobs>]` (default 100,000).
 * Writes a crash-recovery run folder in a temp directory (every job accepted, run once on one of
 * 4 processes × 2 workers, some limited by name, a tenth failing once and retried, two kills with
 * their recoveries), then times `analyzeRun` on it (read, validate, every checker of the scenario,
 * the timeline) and, separately, every checker of the harness on the same history.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { scenarios } from "../scenarios/index.ts";
import { analyzeRun } from "../harness/analyze/analyzeRun.ts";
import { checkerRegistry } from "../harness/checkers/index.ts";
import type { JobState } from "../harness/checkers/types.ts";
import { runCheckers } from "../harness/checkers/verdicts.ts";
import { resolveSettings } from "../harness/scenario/settings.ts";
import { historyOf, writeHistory } from "../harness/ledger/history.ts";
import type { LedgerRecord } from "../harness/ledger/records.ts";
import { buildResult, checkSettings } from "../harness/report/buildResult.ts";

const jobs = Number(process.argv[2] ?? 100_000);
const scenario = scenarios["crash-recovery"];
if (!scenario) throw new Error("crash-recovery scenario missing");
const config = resolveSettings(scenario, {});
const lock = config.sut.lockTimeoutMs;
const records: LedgerRecord[] = [];
const finalState: JobState[] = [];
const t0 = 1_800_000_000_000;
const procs = ["w1", "w2", "w3", "w4"];
const instances = procs.map((p) => `synthetic/${p}-1`);
procs.forEach((proc, i) => {
  records.push({ type: "process", t: t0, proc, instance: instances[i] as string, pid: 100 + i, event: "ready", slots: 2 });
});
const free = Array.from({ length: 8 }, () => t0 + 10);
let counter = 0;
const killAt = [Math.floor(jobs / 3), Math.floor((2 * jobs) / 3)];
for (let j = 0; j < jobs; j++) {
  const jobId = `job-${j}`;
  const priority = 1 + (j % 10);
  const limited = j % 7 === 0 ? { concurrency: 3 } : {};
  const name = j % 7 === 0 ? "limited" : "email";
  const due = t0 + Math.floor(j / 8) * 20;
  records.push({ type: "accept", t: due - 5, request: String(j), jobId, name, priority, expect: "completed" });
  const fails = j % 10 === 3;
  const attempts = fails ? 2 : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const w = j % 8;
    const p = Math.floor(w / 2);
    const instance = instances[p] as string;
    const start = Math.max(free[w] as number, due) + 1;
    const end = start + 15;
    const execId = `${instance}#${++counter}`;
    const base = { execId, jobId, instance, pid: 100 + p };
    records.push({
      type: "start",
      t: start,
      ...base,
      name,
      priority,
      ...limited,
      attempt,
      lockVersion: attempt,
      nextRunAt: due,
      lockUntil: start - 1 + lock,
      workerId: `${procs[p]}-w${w % 2}`,
      proc: procs[p] as string,
    });
    const outcome = fails && attempt === 1 ? "error" : "ok";
    records.push({ type: "end", t: end, ...base, outcome });
    records.push({ type: "ack", t: end + 1, ...base, outcome: outcome === "error" ? "retry" : "success" });
    free[w] = end + 2;
  }
  finalState.push({ id: jobId, name, status: "completed", priority, attempts: attempts - 1, ...limited });
}
// Two kills: each strikes a process after its last job so far (nothing in flight), a restart follows.
for (const [k, at] of killAt.entries()) {
  const t = t0 + Math.floor(at / 8) * 20 + 5;
  records.push({ type: "fault", t, fault: "kill", action: "kill", proc: `k${k}`, instance: `synthetic/k${k}`, pid: 900 + k, inFlight: [] });
}
const history = historyOf(records);
const runEndedAt = Math.max(...(free as number[])) + 5000;
const dir = mkdtempSync(join(tmpdir(), "harness-synthetic-"));
writeHistory(join(dir, "history.jsonl"), history);
writeFileSync(join(dir, "final-state.json"), JSON.stringify(finalState));
const meta = {
  scenario: "crash-recovery",
  description: scenario.description,
  seed: 1,
  startedAt: t0,
  runEndedAt,
  durationMs: runEndedAt - t0,
  config,
  environment: { node: process.version, driver: "-", scheduler: "-", schedulerSource: null, platform: process.platform, cpus: 0 },
  server: { provider: "synthetic", version: "-", isMongoDB: false },
  load: null,
  incomplete: null,
};
writeFileSync(join(dir, "result.json"), JSON.stringify(buildResult(meta, history, finalState)));

const started = performance.now();
const analysis = analyzeRun(dir, scenarios);
const analyzeMs = performance.now() - started;
process.stdout.write(
  `analyze of ${jobs} jobs (${history.records.length} records): ${(analyzeMs / 1000).toFixed(2)} s, verdict ${analysis.result.verdict}\n`,
);
const input = { settings: checkSettings(config, runEndedAt, true), history, finalState };
for (const checker of Object.values(checkerRegistry)) {
  const t = performance.now();
  const [result] = runCheckers([checker as never], input);
  process.stdout.write(`  ${checker.name}: ${((performance.now() - t) / 1000).toFixed(2)} s (${result?.verdict})\n`);
}
process.stdout.write(`run folder: ${dir}\n`);
