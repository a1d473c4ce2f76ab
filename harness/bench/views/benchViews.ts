import Table from "cli-table3";
import { claimBrokenIn } from "../../probe/probeTypes.ts";
import { describeServer } from "../../report/serverText.ts";
import type { BenchResult, FigureSeries } from "../result.ts";
import type { Estimate } from "../stats/bootstrap.ts";
import { renderGate } from "../stats/compare.ts";
import type { Percentiles } from "../stats/percentiles.ts";

const style = { head: [], border: [] };
const chars = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
const r2 = (x: number) => Math.round(x * 100) / 100;

/** A median with its interval, e.g. "412 [398–430]". */
export function withCi(e: Estimate | null | undefined, digits = 1): string {
  if (!e) return "n/a";
  const f = (x: number) => x.toFixed(digits);
  return `${f(e.median)} [${f(e.ci[0])}–${f(e.ci[1])}]`;
}

function ratio(e: Estimate | null): string {
  if (!e) return "n/a";
  const p = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${p(e.median)} [${p(e.ci[0])}–${p(e.ci[1])}]`;
}

/** "3 forks × 5 interleaved repetitions" (results saved before forks: one fork). */
function repetitions(s: BenchResult["settings"]): string {
  const forks = s.forks ?? 1;
  return forks > 1
    ? `${forks} forks × ${s.repeats} interleaved repetitions`
    : `${s.repeats} interleaved repetitions`;
}

const pcts = (p: Percentiles | null) => (p ? `${p.p50} / ${p.p99} / ${p.p999}` : "n/a");

function figureOf(result: BenchResult, variant: string, figure: FigureSeries["figure"]) {
  return result.figures.find((f) => f.variant === variant && f.figure === figure)?.estimate;
}

/** The terminal view of a bench: a pure function of its result. */
export function renderBench(result: BenchResult): string {
  return [
    ...headerLines(result),
    figuresTable(result),
    ...ratioLines(result),
    ...openLoopLines(result),
    ...headroomLines(result.headroom),
    ...sweepLines(result.sweep),
    ...scalingLines(result.scaling),
    ...gateLines(result),
    ...result.problems.map((p) => `problem: ${p}`),
    `verdict: ${result.verdict.toUpperCase()}`,
  ].join("\n");
}

/** The server, the software and the machine, the seed, and how the drains ran. */
function headerLines(result: BenchResult): string[] {
  const e = result.environment;
  const s = result.settings;
  return [
    `bench ${result.matrix}  server ${result.server.provider}: ${describeServer(result.server)}`,
    ...(claimBrokenIn(result.probe)
      ? [
          "the probe found this server's claim not atomic: figures count distinct jobs completed (executions/job beside them) and no figure is gated",
        ]
      : []),
    `scheduler ${e.scheduler}  driver ${e.driver}  node ${e.node}  ${result.fingerprint.cpuCount} × ${result.fingerprint.cpuModel}  seed ${result.seed}`,
    `${s.processes} × ${s.workersPerProcess} workers, ${backlogText(result)}, ${repetitions(s)}, poll ${s.pollIntervalMs} ms${s.workerNodeArgs?.length ? `, workers run with ${s.workerNodeArgs.join(" ")}` : ""}; medians [bootstrap 95% CI${(s.forks ?? 1) > 1 ? ", forks resampled" : ""}]`,
  ];
}

/**
 * A variant's handler executions per completed job: the median over its drains (1.00 where every
 * job ran once), and the jobs its drains left undone, where any did.
 */
function executionsText(result: BenchResult, variant: string): string {
  const e = result.executions?.find((x) => x.variant === variant);
  const values = (e?.perJob ?? []).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (!values.length) return "n/a";
  const stuck = (e?.stuck ?? []).reduce((a, b) => a + b, 0);
  return `${(values[values.length >> 1] as number).toFixed(2)}${stuck ? ` (${stuck} stuck)` : ""}`;
}

/** Each system's drain backlog: sized by time (per system), or fixed. */
function backlogText(result: BenchResult): string {
  const sized = Object.entries(result.backlogs ?? {});
  if (!sized.length || result.settings.sizeByTime === false) return `backlog ${result.settings.backlog}`;
  return `drains sized to about ${(result.settings.drainTargetMs ?? 0) / 1000} s, at most ${result.settings.backlog} jobs: ${sized.map(([a, d]) => `${a} ${d.backlog} jobs`).join(", ")}`;
}

/** Every variant's drain figures and idle load, one row each. */
function figuresTable(result: BenchResult): string {
  const figures = new Table({
    head: [
      "variant",
      "drain jobs/s (10–90%)",
      "worker CPU ms/job",
      "main thread CPU ms/job",
      "commands/job",
      "executions/job",
      "idle commands/s per worker",
    ],
    style,
    chars,
  });
  for (const v of result.variants) {
    const idle = result.idle.find((i) => i.variant === v.id);
    figures.push([
      `${v.id}${v.ledger ? "" : " (ledger off)"}`,
      withCi(figureOf(result, v.id, "drain jobs/s")),
      withCi(figureOf(result, v.id, "worker CPU ms/job"), 3),
      withCi(figureOf(result, v.id, "main-thread CPU ms/job"), 3),
      figureOf(result, v.id, "commands/job")?.median.toFixed(2) ?? "n/a",
      executionsText(result, v.id),
      idle ? String(idle.commandsPerSecPerWorker) : "n/a",
    ]);
  }
  return figures.toString();
}

/** The ratios table, when there are ratios. */
function ratioLines(result: BenchResult): string[] {
  if (!result.ratios.length) return [];
  // Results saved before the pseudo-median carry the median of the paired ratios.
  const estimator = result.ratios.some((r) => r.estimate?.estimator === "pseudo-median")
    ? "pseudo-median"
    : "median";
  const ratios = new Table({ head: ["ratio", `${estimator} of paired ratios [95% CI]`], style, chars });
  for (const row of result.ratios) ratios.push([`${row.label} (${row.figure})`, ratio(row.estimate)]);
  return [ratios.toString()];
}

/** The open loop's steps under a line saying how they were measured, when there are any. */
function openLoopLines(result: BenchResult): string[] {
  if (!result.open.length) return [];
  return [
    `open loop (undici, ${result.settings.arrivals} arrivals; latency from the intended send time, ms p50 / p99 / p99.9; start from the jobs' lastRunAt, and from the ledger's own start records when it is on):`,
    openTable(result.open.map((o) => ({ label: o.variant, step: o.step }))),
  ];
}

/** The headroom split in one line, when it was measured. */
function headroomLines(h: BenchResult["headroom"]): string[] {
  if (!h) return [];
  return [
    `headroom: generator → no-op ${h.generatorNoopPerSec ?? "n/a"} req/s; trigger enqueue ${h.enqueuePerSec ?? "n/a"} req/s (p99 ${h.enqueueLatencyMs?.p99 ?? "n/a"} ms); drain ${h.drainPerSec ?? "n/a"} jobs/s; limited by ${h.limitedBy ?? "n/a"}`,
  ];
}

/** The sweep's steps between what its rates are fractions of and the sustainable throughput, when it ran. */
function sweepLines(sw: BenchResult["sweep"]): string[] {
  if (!sw) return [];
  return [
    `sweep of ${sw.variant}: rates are fractions of ${sw.capacityPerSec}/s, the lower of its drain rate (${sw.drainPerSec ?? "n/a"} jobs/s) and the trigger server's enqueue capacity (${sw.enqueuePerSec ?? "n/a"} req/s)`,
    openTable(sw.steps.map((step) => ({ label: `${step.offeredPerSec}/s`, step }))),
    `sustainable throughput: ${sw.sustainablePerSec ?? "none"}${sw.sustainablePerSec ? " jobs/s" : ""} (${sw.criterion})`,
  ];
}

/** The scaling curve and the claim cost against backlog size, when they ran. */
function scalingLines(sc: BenchResult["scaling"]): string[] {
  if (!sc) return [];
  const t = new Table({ head: ["worker processes", "jobs/s [95% CI]", "jobs/s per worker"], style, chars });
  for (const p of sc.points)
    t.push([
      `${p.processes} × ${sc.workersPerProcess}`,
      withCi(p.jobsPerSec),
      String(p.perWorkerPerSec ?? "n/a"),
    ]);
  const c = new Table({
    head: ["due backlog (+ history, + future)", "claim ms", "commands/job", "docs examined per claim"],
    style,
    chars,
  });
  for (const p of sc.claimCost)
    c.push([
      `${p.backlog} (+${p.history}, +${p.future})`,
      String(p.claimMs ?? "n/a"),
      String(p.commandsPerJob ?? "n/a"),
      String(p.docsExamined ?? "n/a"),
    ]);
  return [
    `scaling of ${sc.variant}:`,
    t.toString(),
    c.toString(),
    ...(sc.explainNote ? [`docs examined: ${sc.explainNote}`] : []),
  ];
}

/** The gate's decisions and, when it has one, its noise floor; nothing when nothing was gated. */
function gateLines(result: BenchResult): string[] {
  const g = result.gate;
  if (g.mode === "none") return [];
  return [
    `gate: ${result.variants[0]?.id} against ${g.against} (${g.mode === "versus" ? "pseudo-median of the paired ratios" : "ratio of the medians"}, bootstrap 95% CI)`,
    renderGate(g.results, g.warnings, g.maxRegression),
    ...(g.noiseFloor.length
      ? [
          `${g.aa ? "noise floor (A/A: the same build on both sides)" : "each interval's largest distance from 1 (the noise floor, when run A/A)"}: ${g.noiseFloor.map((n) => `${n.figure} ±${n.pct}%`).join(", ")}`,
        ]
      : []),
  ];
}

function openTable(rows: { label: string; step: BenchResult["open"][number]["step"] }[]): string {
  const t = new Table({
    head: [
      "",
      "offered/s",
      "accepted/s",
      "done in window/s",
      "not done %",
      "start",
      "start (ledger)",
      "complete",
      "lateness p50/p99/max",
      "valid",
    ],
    style,
    chars,
  });
  for (const { label, step } of rows) {
    t.push([
      label,
      String(step.offeredPerSec),
      String(step.acceptedPerSec),
      String(step.completedPerSec),
      String(step.notDonePct),
      pcts(step.enqueueToStart),
      step.ledgerStart ? pcts(step.ledgerStart) : "–",
      pcts(step.enqueueToComplete),
      step.lateness
        ? `${r2(step.lateness.p50)} / ${r2(step.lateness.p99)} / ${r2(step.lateness.max)}`
        : "n/a",
      step.valid ? "yes" : "NO",
    ]);
  }
  return t.toString();
}

/** One entry of github-action-benchmark's custom formats. */
export interface ActionBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/**
 * The bench in github-action-benchmark's custom formats: drain throughput for
 * `customBiggerIsBetter`; CPU and commands per job and open-loop start p99 for `customSmallerIsBetter`.
 */
export function actionBenchmarkEntries(result: BenchResult): {
  bigger: ActionBenchmarkEntry[];
  smaller: ActionBenchmarkEntry[];
} {
  const bigger: ActionBenchmarkEntry[] = [];
  const smaller: ActionBenchmarkEntry[] = [];
  const extra = `${result.server.provider} ${result.server.version}, ${repetitions(result.settings)}`;
  for (const f of result.figures) {
    if (!f.estimate) continue;
    const entry = {
      name: `${f.variant} ${f.figure}`,
      unit: f.unit,
      value: f.estimate.median,
      range: `95% CI ${f.estimate.ci[0].toFixed(3)}–${f.estimate.ci[1].toFixed(3)}`,
      extra,
    };
    (f.better === "higher" ? bigger : smaller).push(entry);
  }
  for (const o of result.open) {
    if (o.step.enqueueToStart)
      smaller.push({
        name: `${o.variant} open ${o.step.offeredPerSec}/s start p99`,
        unit: "ms",
        value: o.step.enqueueToStart.p99,
        extra,
      });
  }
  return { bigger, smaller };
}
