import type { History } from "../ledger/history.ts";
import type { Execution } from "./executions.ts";
import { deathsByInstance } from "./executions.ts";
import type { DbReconnectFigures, ExecutionClass } from "./figures.ts";
import { completionTimes, countIn, iso, type WindowSpan, windowsOf } from "./operations.ts";
import { classifyExecutions } from "./reexecutions.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** After the database's return, the load's requests must be accepted again once this has passed. */
const TRIGGER_GRACE_MS = 5000;
/**
 * A worker (or one of its scheduler loops) that claimed nothing after the return did not reconnect
 * when a live one would have claimed something with all but this chance: each claim after the
 * return is taken as going to any live loop alike (idle loops poll in turn, busy ones claim as
 * they finish), so k live loops among n miss m claims with chance (1 − k/n)^m. Above it: unknown.
 */
const MISS_CHANCE = 0.001;
/** Throughput is back to normal at this share of the rate before the restart, over a 2 s stretch. */
const NORMAL_SHARE = 0.8;
const NORMAL_STRETCH_MS = 2000;

/** The classes of re-run that break "nothing runs twice". */
const ANOMALIES: readonly ExecutionClass[] = [
  "double-execution",
  "stall",
  "lock-not-honoured",
  "run-after-success",
  "run-after-failure",
];

/**
 * A database restart mid-run (the db-restart fault): every worker process alive across it claims
 * jobs again afterwards without a restart of its own, the trigger server accepts requests again,
 * and no job runs twice because of it. A re-run around a restart whose two claims returned one lock
 * version is the server's non-atomic claim (the probe's verdict), not the restart's, and is counted
 * apart (re-executions judges it). Measured: from the database's return to the first claim, to
 * the first accepted request and to a normal throughput; requests refused while it was down.
 */
export const dbReconnectChecker: Checker<"db-reconnect"> = {
  name: "db-reconnect",
  describe: {
    pass: "after every database restart each worker process alive across it, and each scheduler loop of it that claimed before, claimed a job again without a restart of its own, the trigger server accepted requests again within 5 s, and no job ran twice because of it (a re-run whose claims returned one lock version is the server's non-atomic claim, counted apart); the times to the first claim, the first accepted request and a normal throughput are reported, and the requests refused while it was down are counted apart from the accepted ones",
    fail: "a worker process, or one scheduler loop of a process that claims again, claimed nothing after the database's return while the others claimed jobs (it never reconnected; the scheduler's errors meanwhile are quoted), the trigger server refused every request more than 5 s after the return, or a job ran twice around the restart from claims that returned different lock versions; **unknown** when too little work followed a restart to tell whether a worker or loop reconnected (a live one would have missed every claim with a chance of 1 in 1000 or more)",
  },
  check({ history, settings }): CheckerResult<"db-reconnect"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const windows = windowsOf(history, ["db-restart"], settings.runEndedAt);
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    const restarts: DbReconnectFigures["restarts"] = [];
    for (const w of windows)
      restarts.push(
        judgeRestart(
          w,
          restarts.at(-1)?.readyAt ?? -Infinity,
          history,
          index,
          settings,
          violations,
          unknowns,
        ),
      );
    const anomalies = judgeAnomalies(windows, restarts, index, history, settings, violations, unknowns);
    const figures: DbReconnectFigures = { restarts, anomalies };
    const summary =
      restarts.length === 0
        ? "no database restart happened: nothing to judge"
        : `${restarts
            .map(
              (r) =>
                `${r.window} (${r.part}, ${r.mode}): ${r.reconnected}/${r.workers} workers (${r.loopsReconnected}/${r.loops} scheduler loops) claimed again, first claim ${ms(r.firstClaimMs)}, first accepted request ${ms(r.firstAcceptMs)}, normal throughput ${ms(r.normalThroughputMs)} after the return; ${r.refused} requests refused, ${r.accepted} accepted meanwhile`,
            )
            .join(
              "; ",
            )}; re-runs around the restarts: ${anomalies.restart} from the restart, ${anomalies.serverClaim} from the server's non-atomic claim, ${anomalies.undetermined} undetermined`;
    return decide("db-reconnect", {
      summary,
      violations,
      unknowns,
      figures,
      nothingToJudge: restarts.length === 0,
    });
  },
};

function ms(v: number | null): string {
  return v === null ? "never" : `${v} ms`;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** One restart's figures; its reconnection findings go to the violations and unknowns. */
function judgeRestart(
  w: WindowSpan,
  /** The previous restart's return: a loop that last claimed before it is that restart's finding. */
  since: number,
  history: History,
  index: RunIndex,
  settings: CheckSettings,
  violations: Violation[],
  unknowns: Violation[],
): DbReconnectFigures["restarts"][number] {
  const readyAt = num(w.detail.readyAt, w.to);
  const downAt = num(w.detail.downAt, w.from);
  const firstClaim = index.executions.find((e) => e.start > readyAt);
  const accepts = history.records.filter((r) => r.type === "accept").map((r) => r.t);
  const refusals = history.records.filter((r) => r.type === "refuse").map((r) => r.t);
  const firstAccept = accepts.find((t) => t > readyAt);
  const until = readyAt + TRIGGER_GRACE_MS;
  const inside = (t: number) => t >= w.from && t < until;
  const workers = workersAcross(history, w.from, readyAt);
  let reconnected = 0;
  let loops = 0;
  let loopsReconnected = 0;
  // Every loop that could take the claims after the return: those that claimed after it (of any
  // process, restarted ones too) and those of the processes alive across it that claimed before.
  const allLoops = loopsOf(index, workers, w.from, readyAt, since);
  for (const wk of workers) {
    const end = Math.min(wk.death ?? settings.runEndedAt, settings.runEndedAt);
    const mine = index.executions.filter((e) => e.instance === wk.instance);
    // The process's scheduler loops (workerIds) that claimed before the restart, and after it.
    const loopsBefore = [
      ...new Set(mine.filter((e) => e.start < w.from && e.start > since).map((e) => e.workerId)),
    ];
    const loopsAfter = new Set(
      mine.filter((e) => e.start > readyAt && e.start <= end).map((e) => e.workerId),
    );
    loops += loopsBefore.length;
    loopsReconnected += loopsBefore.filter((l) => loopsAfter.has(l)).length;
    const errors = errorsOf(history, wk.instance, w.from, readyAt + TRIGGER_GRACE_MS);
    const said = errors.length
      ? `; its scheduler reported ${errors.length} error(s) meanwhile: ${distinct(errors.map((e) => e.message))}`
      : "";
    // A loop runs one job at a time: one still running a job it took before the return can claim
    // only once that job has ended. Its chance to claim starts then; one that never ended is not judged.
    const freeAt = (loop: string): number => {
      const busy = mine.filter((e) => e.workerId === loop && e.start <= readyAt);
      const last = busy.at(-1);
      if (!last) return readyAt;
      const ended = last.end ?? last.diedAt;
      return ended === undefined ? Number.POSITIVE_INFINITY : Math.max(readyAt, ended);
    };
    const claimsAfter = (from: number, notBy: (e: Execution) => boolean) =>
      index.executions.filter((e) => notBy(e) && e.start > from && e.start <= end).length;
    if (loopsAfter.size > 0) {
      reconnected++;
      // A loop of a process that claims again may still have ended for good: it claimed before
      // the restart and never after, while the other loops went on claiming.
      for (const loop of loopsBefore.filter((l) => !loopsAfter.has(l))) {
        const from = freeAt(loop);
        if (from >= end) continue;
        const claims = claimsAfter(from, (e) => e.workerId !== loop);
        const chance = missChance(1, allLoops, claims);
        const finding: Violation = {
          kind: "loop-not-reconnected",
          t: readyAt,
          message: `scheduler loop ${loop} of ${wk.proc} (pid ${wk.pid}) claimed jobs before ${w.window} and none after the database answered again at ${iso(readyAt)}${from > readyAt ? ` (nor after its last job ended at ${iso(from)})` : ""}, while the other loops claimed ${claims}${said}: that loop ended, and the process runs on with fewer`,
          evidence: {
            instance: wk.instance,
            loop,
            readyAt,
            freeAt: from,
            othersClaims: claims,
            chance,
            errors: errors.length,
          },
        };
        if (chance < MISS_CHANCE) violations.push(finding);
        else unknowns.push(notMeasured(finding, chance));
      }
      continue;
    }
    // The process could claim from the moment its first loop was free.
    const from = loopsBefore.length ? Math.min(...loopsBefore.map(freeAt)) : readyAt;
    if (from >= end) continue;
    const othersAfter = claimsAfter(from, (e) => e.instance !== wk.instance);
    // A process that claimed nothing before the restart has at least one loop the count lacks.
    const chance = missChance(
      Math.max(1, loopsBefore.length),
      allLoops + (loopsBefore.length ? 0 : 1),
      othersAfter,
    );
    const finding: Violation = {
      kind: "worker-not-reconnected",
      t: readyAt,
      message: `worker ${wk.proc} (pid ${wk.pid}) was alive across ${w.window} but claimed no job after the database answered again at ${iso(readyAt)}, while the other processes claimed ${othersAfter}${wk.death ? ` until it exited at ${iso(wk.death)}` : ""}${said}: its scheduler did not reconnect`,
      evidence: { instance: wk.instance, readyAt, othersClaims: othersAfter, chance, errors: errors.length },
    };
    if (chance < MISS_CHANCE) violations.push(finding);
    else unknowns.push(notMeasured(finding, chance));
  }
  const late = history.records.filter((r) => (r.type === "accept" || r.type === "refuse") && r.t >= until);
  if (late.length > 0 && late.every((r) => r.type === "refuse"))
    violations.push({
      kind: "trigger-not-reconnected",
      t: until,
      message: `the trigger server refused all ${late.length} requests answered more than ${TRIGGER_GRACE_MS / 1000} s after the database answered again (${iso(readyAt)}): it did not reconnect`,
      evidence: { readyAt, refused: late.length },
    });
  return {
    window: w.window,
    part: String(w.detail.part ?? "server"),
    mode: String(w.detail.mode ?? "?"),
    downAt,
    readyAt,
    firstClaimMs: firstClaim ? firstClaim.start - readyAt : null,
    firstAcceptMs: firstAccept !== undefined ? firstAccept - readyAt : null,
    normalThroughputMs: normalAfter(w, readyAt, history, index, settings),
    workers: workers.length,
    reconnected,
    loops,
    loopsReconnected,
    refused: refusals.filter(inside).length,
    accepted: accepts.filter(inside).length,
  };
}

/** The chance that `k` live loops of `n` get none of `claims` claims, each going to any loop alike. */
export function missChance(k: number, n: number, claims: number): number {
  if (n <= k) return 1;
  return (1 - k / n) ** claims;
}

/** A finding that too little work followed to be sure of: an unknown that says how unsure. */
function notMeasured(finding: Violation, chance: number): Violation {
  return {
    ...finding,
    kind: finding.kind === "loop-not-reconnected" ? "loop-reconnect-not-measured" : "reconnect-not-measured",
    message: `${finding.message}; too little work followed to tell (a live one would have missed them all with chance ${chance.toFixed(3)}, above ${MISS_CHANCE})`,
  };
}

/**
 * The scheduler loops that could take the claims after a restart: every loop that claimed after
 * the return (a process restarted meanwhile included), and the loops of the processes alive across
 * it that claimed before it (since the previous restart's return).
 */
function loopsOf(
  index: RunIndex,
  workers: readonly { instance: string }[],
  from: number,
  readyAt: number,
  since: number,
): number {
  const alive = new Set(workers.map((w) => w.instance));
  const out = new Set<string>();
  for (const e of index.executions)
    if (e.start > readyAt || (alive.has(e.instance) && e.start < from && e.start > since))
      out.add(e.workerId);
  return out.size;
}

/** Messages once each, the most frequent first (then the earliest): "a" (×2); "b". */
function distinct(messages: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([m, n]) => `"${m}"${n > 1 ? ` (×${n})` : ""}`)
    .join("; ");
}

/** What a process's scheduler reported as errors (its worker-error records) in [from, to]. */
function errorsOf(
  history: History,
  instance: string,
  from: number,
  to: number,
): { t: number; message: string }[] {
  return history.records.flatMap((r) =>
    r.type === "worker-error" && r.instance === instance && r.t >= from && r.t <= to
      ? [{ t: r.t, message: r.message }]
      : [],
  );
}

/** The worker process instances up before `from` and not dead by `readyAt`. */
function workersAcross(
  history: History,
  from: number,
  readyAt: number,
): { instance: string; proc: string; pid: number; death?: number }[] {
  const deaths = deathsByInstance(history);
  const out: { instance: string; proc: string; pid: number; death?: number }[] = [];
  for (const r of history.records) {
    if (r.type !== "process" || r.event !== "ready" || r.t >= from) continue;
    const death = deaths.get(r.instance)?.[0];
    if (death !== undefined && death <= readyAt) continue;
    out.push({ instance: r.instance, proc: r.proc, pid: r.pid, ...(death !== undefined ? { death } : {}) });
  }
  return out;
}

/**
 * From the return until completions over a 2 s stretch reached 80% of the rate of the 10 s before
 * the restart (or as much as there was); null when the rate before was 0 or it never came back.
 */
function normalAfter(
  w: WindowSpan,
  readyAt: number,
  history: History,
  index: RunIndex,
  settings: CheckSettings,
): number | null {
  const done = completionTimes(history);
  const firstStart = index.executions[0]?.start ?? w.from;
  const from = Math.max(firstStart, w.from - 10_000);
  if (w.from - from < 1000) return null;
  const before = countIn(done, from, w.from) / (w.from - from);
  if (before <= 0) return null;
  for (let t = readyAt; t + NORMAL_STRETCH_MS <= settings.runEndedAt; t += 250)
    if (countIn(done, t, t + NORMAL_STRETCH_MS) / NORMAL_STRETCH_MS >= NORMAL_SHARE * before)
      return t - readyAt;
  return null;
}

/** The jobs whose claims returned one lock version more than once: the server's non-atomic claim. */
function sameVersionJobs(history: History): Set<string> {
  const seen = new Map<string, Set<number>>();
  const out = new Set<string>();
  for (const r of history.records) {
    if (r.type !== "start" || r.lockVersion <= 0) continue;
    const versions = seen.get(r.jobId) ?? new Set<number>();
    if (versions.has(r.lockVersion)) out.add(r.jobId);
    versions.add(r.lockVersion);
    seen.set(r.jobId, versions);
  }
  return out;
}

/**
 * Re-runs that break "nothing runs twice" and began while a restart could have caused them: from
 * its stop to a lock timeout and a poll after its return. Each is, by the evidence: the server's
 * when its job's claims returned one lock version (a non-atomic claim, counted apart); the
 * restart's (a violation) when the run before it was claimed, ended or acknowledged between the
 * stop and the return (its writes crossed the restart) or never got its outcome written (a stall);
 * otherwise undetermined (unknown: on a server whose claim is not atomic a late claim looks alike).
 */
function judgeAnomalies(
  windows: readonly WindowSpan[],
  restarts: readonly DbReconnectFigures["restarts"][number][],
  index: RunIndex,
  history: History,
  settings: CheckSettings,
  violations: Violation[],
  unknowns: Violation[],
): DbReconnectFigures["anomalies"] {
  const out = { restart: 0, serverClaim: 0, undetermined: 0 };
  if (windows.length === 0) return out;
  const reach = settings.lockTimeoutMs + settings.pollIntervalMs + settings.timingToleranceMs;
  const server = sameVersionJobs(history);
  for (const list of index.byJob.values()) {
    const classes = classifyExecutions(list, settings);
    list.forEach((e: Execution, i) => {
      const c = classes[i];
      if (!c || !ANOMALIES.includes(c.cls)) return;
      const w = windows.findIndex(
        (x, k) => e.start >= x.from && e.start <= (restarts[k]?.readyAt ?? x.to) + reach,
      );
      if (w < 0) return;
      if (server.has(e.jobId)) {
        out.serverClaim++;
        return;
      }
      const win = windows[w] as WindowSpan;
      const back = restarts[w]?.readyAt ?? win.to;
      const p = c.against;
      const crossed = [p ? index.claimAt(p) : undefined, p?.end, p?.ackT].some(
        (t) => t !== undefined && t >= win.from && t <= back,
      );
      const evidence = { execId: e.execId, against: p?.execId ?? null, class: c.cls };
      const what = `job ${e.jobId} (${e.name}) ran again (${c.cls}: ${c.cause ?? "after a final outcome"}) on ${e.proc} at ${iso(e.start)}, around ${win.window}`;
      if (crossed || c.cls === "stall") {
        out.restart++;
        violations.push({
          kind: "restart-anomaly",
          jobId: e.jobId,
          t: e.start,
          message: `${what}: the run before it ${c.cls === "stall" ? "never had its outcome written" : "was claimed, ended or acknowledged while the database was restarting"}, and the two claims returned different lock versions: the restart's`,
          evidence,
        });
      } else {
        out.undetermined++;
        unknowns.push({
          kind: "restart-anomaly-undetermined",
          jobId: e.jobId,
          t: e.start,
          message: `${what}: nothing ties it to the restart or to a claim of one lock version; on a server whose claim is not atomic a late claim looks the same`,
          evidence,
        });
      }
    });
  }
  return out;
}
