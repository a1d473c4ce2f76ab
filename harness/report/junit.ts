import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import junitReportBuilder, { type Builder, type TestCase, type TestSuite } from "junit-report-builder";
import type { CheckerResult, Violation } from "../checkers/types.ts";
import { checkerList, type RunResult } from "./result.ts";
import { describeServer } from "./serverText.ts";

// The package's types declare an ES default export, but its CommonJS module.exports is the builder
// itself, which is what Node's default import gives at run time.
export const junitBuilder = junitReportBuilder as unknown as Builder;
export type { Builder };

/** The name of the `<testsuites>` root every report of the harness carries. */
export const JUNIT_ROOT = "mongo-job-scheduler harness";

/**
 * Text for a CDATA body. xmlbuilder splits only the first `]]>` of a CDATA text, so a second one
 * (in an error message a job stored, say) would end the section early and break the file: each is
 * written `]] >` instead.
 */
export function cdataText(text: string): string {
  return text.replaceAll("]]>", "]] >");
}

/** One line per violation, each with its job id, for the body of a `<failure>`. */
export function violationLines(violations: readonly Violation[]): string {
  return violations
    .map((v) => {
      const job = v.jobId && !v.message.includes(v.jobId) ? ` (job ${v.jobId})` : "";
      return `${v.kind}: ${v.message}${job}`;
    })
    .join("\n");
}

/**
 * Marks a case skipped with its reason. junit-report-builder's `<skipped/>` carries no message, so
 * the reason goes to the case's `<system-out>`, which Jenkins, GitLab and the test-reporter
 * actions show beside the case.
 */
export function skipWithReason(testCase: TestCase, reason: string): void {
  testCase.skipped().standardOutput(cdataText(reason));
}

function checkerCase(suite: TestSuite, className: string, checker: CheckerResult): void {
  const testCase = suite.testCase().className(className).name(checker.name);
  const details = [`${checker.verdict.toUpperCase()}: ${checker.summary}`];
  if (checker.violations.length) details.push(violationLines(checker.violations));
  if (checker.informational) {
    skipWithReason(
      testCase,
      [`informational, not in the verdict: ${checker.note ?? "no reason given"}`, ...details].join("\n"),
    );
    return;
  }
  if (checker.verdict === "unknown") {
    skipWithReason(testCase, [`undecided: ${checker.summary}`, ...details.slice(1)].join("\n"));
    return;
  }
  if (checker.verdict === "fail") {
    const kinds = [...new Set(checker.violations.map((v) => v.kind))].join(",");
    testCase.failure(checker.summary, kinds || "fail").stacktrace(cdataText(details.join("\n")));
  }
}

/**
 * A scenario run as JUnit XML: one `<testsuite>` named after the scenario, one `<testcase>` per
 * checker. A failing checker is a `<failure>` whose message is its summary and whose body lists
 * every violation with its job id; an informational or undecided checker is skipped with its
 * reason; a run that did not finish adds a `run` case with an `<error>`. A pure function of
 * result.json.
 */
export function runJunit(result: RunResult): string {
  const builder = junitBuilder.newBuilder().name(JUNIT_ROOT);
  const suite = builder
    .testSuite()
    .name(result.scenario)
    .timestamp(result.startedAt) // as stored (UTC): a Date would be formatted in local time
    .time(result.durationMs / 1000)
    .property("verdict", result.verdict)
    .property("seed", String(result.seed))
    .property("server", describeServer(result.server))
    .property("scheduler", result.environment.scheduler)
    .property("node", result.environment.node);
  const className = `scenario.${result.scenario}`;
  for (const checker of checkerList(result)) checkerCase(suite, className, checker);
  if (result.incomplete) {
    suite
      .testCase()
      .className(className)
      .name("run")
      .error(`run incomplete: ${result.incomplete}`, "incomplete");
  }
  return builder.build();
}

/** Writes a JUnit report, creating its folder. */
export function writeJunit(path: string, xml: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, xml.endsWith("\n") ? xml : `${xml}\n`);
}
