import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./harnessCli.ts";

/** A textual patch of one file of the scheduler's dist; it must match, or the test setup fails. */
interface Patch {
  file: string;
  find: string | RegExp;
  replace: string;
  /** How many places must match. */
  times: number;
}

/**
 * Deliberately broken builds of mongo-job-scheduler, each breaking one promise the harness checks.
 * A patch that no longer matches the installed scheduler throws, so these tests cannot pass by
 * quietly testing an unbroken build.
 */
export const breaks = {
  /** Crash recovery never happens: the claim ignores expired locks and start-up recovery does nothing. */
  "no-recovery": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: /lockUntil: \{ \$lte: now \}/g,
      replace: "lockUntil: { $lte: new Date(0) }",
      times: 4,
    },
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "async recoverStaleJobs(options) {",
      replace: "async recoverStaleJobs(options) { return 0;",
      times: 1,
    },
  ],
  /** The claim is a find, then (after a pause) an update that no longer checks the job is still free. */
  "non-atomic-claim": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "const simpleResult = await this.collection.findOneAndUpdate(simpleQuery, {",
      replace:
        "const candidate0 = await this.collection.findOne(simpleQuery, { sort: { priority: 1, nextRunAt: 1 } });\n" +
        "        if (candidate0) await new Promise((r) => setTimeout(r, 40));\n" +
        "        const simpleResult = !candidate0 ? null : await this.collection.findOneAndUpdate({ _id: candidate0._id }, {",
      times: 1,
    },
  ],
  /** Priority is ignored: every claim takes the oldest due job, whatever its priority. */
  "priority-ignored": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "sort: { priority: 1, nextRunAt: 1 }",
      replace: "sort: { nextRunAt: 1, _id: 1 }",
      times: 3,
    },
  ],
  /** The concurrency check is gone: a limited job is claimed whatever runs already. */
  "no-concurrency-check": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "if (runningCount >= candidate.concurrency)",
      replace: "if (runningCount < 0)",
      times: 1,
    },
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "if (currentRunning > lockResult.concurrency)",
      replace: "if (currentRunning < 0)",
      times: 1,
    },
  ],
  /**
   * The store answers some requests with the id of the job it made for the request before, and
   * inserts nothing: no id is missing from the database, but one request's job was never made.
   */
  "one-job-for-two-requests": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: "const result = await (0, retry_wrapper_1.withRetry)(() => this.collection.insertOne(doc), this.retryConfig);",
      replace:
        "this.created = (this.created ?? 0) + 1;\n" +
        "        if (this.created % 8 === 0 && this.lastId) return { ...doc, _id: this.lastId };\n" +
        "        const result = await (0, retry_wrapper_1.withRetry)(() => this.collection.insertOne(doc), this.retryConfig);\n" +
        "        this.lastId = result.insertedId;",
      times: 1,
    },
  ],
  /** Some jobs are marked completed without their handler ever running. */
  "complete-without-running": [
    {
      file: "dist/worker/worker.js",
      find: "await this.handler(job);",
      replace: "if (!/[05]$/.test(String(job._id))) await this.handler(job);",
      times: 1,
    },
  ],
  /** The claim takes a running job whatever its lockUntil: a live owner's lock is not honoured. */
  "claim-ignores-lock": [
    {
      file: "dist/store/mongo/mongo-job-store.js",
      find: /status: "running",\n(\s*)nextRunAt: \{ \$lte: now \},\n\s*lockUntil: \{ \$lte: now \},/g,
      replace:
        'status: "running",\n$1nextRunAt: { $lte: now },\n$1lockUntil: { $lte: new Date(now.getTime() + 2000) },',
      times: 2,
    },
  ],
  /** The graceful stop does not wait for running handlers: the process exits with its jobs locked. */
  "stop-abandons-jobs": [
    {
      file: "dist/worker/worker.js",
      find: "if (options?.graceful && this.loopPromise) {",
      replace: "if (false && options?.graceful && this.loopPromise) {",
      times: 1,
    },
  ],
} satisfies Record<string, Patch[]>;
export type BreakName = keyof typeof breaks;

/** Builds the broken scheduler under the project's .cache (so it resolves the project's driver); returns its path. */
export function buildBrokenScheduler(name: BreakName): string {
  const source = join(projectRoot, "node_modules", "mongo-job-scheduler");
  const target = join(projectRoot, ".cache", "broken-schedulers", name);
  if (existsSync(target)) rmSync(target, { recursive: true });
  cpSync(source, target, { recursive: true });
  for (const patch of breaks[name] as Patch[]) {
    const path = join(target, patch.file);
    const text = readFileSync(path, "utf8");
    const found =
      typeof patch.find === "string"
        ? text.split(patch.find).length - 1
        : [...text.matchAll(new RegExp(patch.find, "g"))].length;
    if (found !== patch.times) {
      throw new Error(
        `break ${name}: expected ${patch.times} match(es) of ${patch.find} in ${patch.file}, found ${found}`,
      );
    }
    writeFileSync(path, text.replaceAll(patch.find, patch.replace));
  }
  return target;
}
