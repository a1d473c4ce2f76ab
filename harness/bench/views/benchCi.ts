import { type Builder, JUNIT_ROOT, junitBuilder, skipWithReason } from "../../report/junit.ts";
import { mdCell, mdTable, serverText } from "../../report/stepSummary.ts";
import type { BenchResult } from "../result.ts";
import { type GateResult, gateStatus } from "../stats/gate.ts";
import { withCi } from "./benchViews.ts";

/** The step summary's words for each decision (bold where the gate failed). */
const markdownStatus: Record<ReturnType<typeof gateStatus>, string> = {
  ok: "ok",
  REGRESSED: "**REGRESSED**",
  UNDECIDED: "**UNDECIDED**",
  "NOT GATED": "not gated",
};

/** What a gate decision compared: `variant vs reference`, the reference marked when it is a baseline. */
export function gateSubject(g: GateResult, mode: BenchResult["gate"]["mode"]): string {
  return `${g.variant} vs ${mode === "baseline" ? "baseline " : ""}${g.reference}`;
}

/** One gate decision in a line: what was compared, and the gate's own reason (ratio, interval, bound). */
export function gateLine(g: GateResult, mode: BenchResult["gate"]["mode"]): string {
  return `${gateSubject(g, mode)}: ${g.reason}`;
}

/**
 * A bench as JUnit XML: one `<testsuite>`, a `correctness` case that fails on any problem the bench
 * found (lost or doubly executed jobs, failed trials) and is skipped when the bench did not finish,
 * and one case per gated figure that fails on a regression. A pure function of the bench's
 * result.json.
 */
export function benchJunit(result: BenchResult): string {
  const builder: Builder = junitBuilder.newBuilder().name(JUNIT_ROOT);
  const g = result.gate;
  const suite = builder
    .testSuite()
    .name(`bench ${result.matrix}`)
    .timestamp(result.startedAt)
    .time(result.durationMs / 1000)
    .property("verdict", result.verdict)
    .property("seed", String(result.seed))
    .property("server", serverText(result.server))
    .property("scheduler", result.environment.scheduler)
    .property("gate", g.mode === "none" ? "none" : `${g.mode} ${g.against ?? ""}`.trim());
  const className = `bench.${result.matrix}`;
  const correctness = suite.testCase().className(className).name("correctness");
  if (result.problems.length)
    correctness
      .failure(`${result.problems.length} problem(s) during the bench`, "problem")
      .stacktrace(result.problems.join("\n"));
  else if (result.verdict === "unknown") skipWithReason(correctness, "undecided: the bench did not finish");
  for (const r of g.results) {
    const c = suite
      .testCase()
      .className(className)
      .name(`${r.figure} (${gateSubject(r, g.mode)})`);
    if (!r.pass) c.failure(gateLine(r, g.mode), gateStatus(r) === "UNDECIDED" ? "undecided" : "regression");
    else if (!Number.isFinite(r.ratio)) skipWithReason(c, r.reason);
  }
  if (g.mode !== "none" && g.results.length === 0) {
    skipWithReason(
      suite.testCase().className(className).name("gate"),
      `no figure was gated against ${g.against ?? "the reference"}${g.warnings.length ? `: ${g.warnings.join("; ")}` : ""}`,
    );
  }
  return builder.build();
}

/**
 * A short markdown summary of a bench for a CI page: the verdict, each variant's figures with
 * their intervals, the gate's decisions, the problems, and where report.html is. A pure function
 * of the bench's result.json.
 */
export function benchSummaryMarkdown(result: BenchResult, reportHtmlPath: string): string {
  const out: string[] = [];
  out.push(`### harness bench ${result.matrix}: ${result.verdict.toUpperCase()}`, "");
  out.push(
    `seed ${result.seed} · server ${serverText(result.server)} · mongo-job-scheduler ${result.environment.scheduler} · node ${result.environment.node}`,
    "",
  );
  const figureNames = [...new Set(result.figures.map((f) => f.figure))];
  out.push(
    mdTable(
      ["variant", ...figureNames.map((f) => `${f} (median [95% CI])`)],
      result.variants.map((v) => [
        `${v.id}${v.ledger ? "" : " (ledger off)"}`,
        ...figureNames.map((name) =>
          withCi(
            result.figures.find((f) => f.variant === v.id && f.figure === name)?.estimate,
            name === "drain jobs/s" ? 1 : name === "worker CPU ms/job" ? 3 : 2,
          ),
        ),
      ]),
    ),
    "",
  );
  const g = result.gate;
  if (g.mode !== "none") {
    out.push(`Gate against \`${g.against ?? ""}\`:`, "");
    for (const w of g.warnings) out.push(`- warning: ${mdCell(w)}`);
    for (const r of g.results) out.push(`- ${markdownStatus[gateStatus(r)]} ${mdCell(gateLine(r, g.mode))}`);
    if (g.results.length === 0) out.push("- no figure was gated");
    out.push("");
  }
  for (const p of result.problems) out.push(`- problem: ${mdCell(p)}`);
  if (result.problems.length) out.push("");
  out.push(`Report: \`${reportHtmlPath}\``, "");
  return out.join("\n");
}
