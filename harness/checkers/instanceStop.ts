import type { InstanceRecord } from "../ledger/records.ts";
import { plural } from "../util/plural.ts";
import { percentile } from "../util/stats.ts";
import type { InstanceStopFigures } from "./figures.ts";
import { notAnAppRun } from "./observations.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/**
 * App mode: each instance of the service stops as operators stop it. Sent SIGTERM, it exits by
 * itself within the grace period (the scheduler's graceful stop finishes or hands back what it
 * holds); one still running at the end of the grace period is SIGKILLed, and one that dies of the
 * SIGTERM itself installed no handler, so its scheduler never stopped gracefully. An instance that
 * exited when nobody asked (no SIGTERM, no kill) crashed.
 */
export const instanceStopChecker: Checker<"instance-stop"> = {
  name: "instance-stop",
  describe: {
    pass: "every instance sent SIGTERM exited by itself within the grace period, and none exited unasked",
    fail: "an instance **SIGKILLed after the grace period**, one that **died of SIGTERM** (no handler: no graceful stop), or one that **exited on its own** (a crash)",
  },
  check({ history, settings }): CheckerResult<"instance-stop"> {
    const figures: InstanceStopFigures = {
      stops: 0,
      p50Ms: null,
      maxMs: null,
      killedAfterGrace: 0,
      noHandler: 0,
      crashed: 0,
    };
    if (!settings.app)
      return decide("instance-stop", { summary: notAnAppRun, figures, nothingToJudge: true });
    const killed = new Set(
      history.records.flatMap((r) => (r.type === "fault" && r.action === "kill" ? [r.instance] : [])),
    );
    const records = history.records.filter((r): r is InstanceRecord => r.type === "instance");
    const sigterm = new Map(records.filter((r) => r.event === "sigterm").map((r) => [r.instance, r.t]));
    const times: number[] = [];
    const violations: Violation[] = [];
    for (const exit of records.filter((r) => r.event === "exit")) {
      const termAt = sigterm.get(exit.instance);
      if (termAt === undefined) {
        if (killed.has(exit.instance)) continue;
        figures.crashed++;
        violations.push({
          kind: "crashed",
          t: exit.t,
          message: `instance ${exit.proc} (pid ${exit.pid}) exited on its own (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}): its log is in the run's instances/ folder`,
        });
        continue;
      }
      figures.stops++;
      times.push(exit.t - termAt);
      if (exit.signal === "SIGKILL") {
        figures.killedAfterGrace++;
        violations.push({
          kind: "killed-after-grace",
          t: exit.t,
          message: `instance ${exit.proc} (pid ${exit.pid}) was still running ${exit.t - termAt} ms after SIGTERM and was SIGKILLed at the end of the grace period`,
        });
      } else if (exit.signal === "SIGTERM") {
        figures.noHandler++;
        violations.push({
          kind: "died-of-sigterm",
          t: exit.t,
          message: `instance ${exit.proc} (pid ${exit.pid}) died of the SIGTERM itself: the service installs no handler, so its scheduler never stopped gracefully`,
        });
      }
    }
    figures.p50Ms = percentile(times, 50) ?? null;
    figures.maxMs = times.length ? Math.max(...times) : null;
    return decide("instance-stop", {
      summary:
        records.length === 0
          ? "no instance was started by the harness (attached)"
          : `${plural(figures.stops, "stop")}, SIGTERM to exit p50 ${figures.p50Ms ?? "–"} ms, max ${figures.maxMs ?? "–"} ms; ${figures.killedAfterGrace} SIGKILLed after the grace period, ${figures.noHandler} died of SIGTERM, ${figures.crashed} crashed`,
      violations,
      figures,
      nothingToJudge: records.length === 0,
    });
  },
};
