/**
 * A run of app mode as a scenario: the checkers a black box can support, the fault types that
 * strike a service's own processes, and the load's defaults. `analyze` reads the checkers from
 * here, as it reads a scenario's from its definition.
 */
import type { AppCheckSettings } from "../checkers/types.ts";
import type { FaultSettings } from "../faults/settings.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import type { ApiDescription } from "./api.ts";

/**
 * The checkers of a service seen as a black box that apply to a run: each only where the run can
 * exercise it (effects where a kind leaves one, own jobs where the description declares them, the
 * concurrency of kinds it declares limited, the priorities of kinds it gives a range, takeovers where a fault makes an instance exit, the
 * instances' stops where the harness started them), so that a check with nothing to judge does not
 * leave the verdict unknown.
 */
export function appCheckers(
  app: AppCheckSettings | undefined,
  o: { exits: boolean; started: boolean },
): string[] {
  return [
    "lost-jobs",
    ...(app?.effects.length ? ["effects"] : []),
    ...(app?.ownJobs.length ? ["own-jobs"] : []),
    "lock-lease",
    ...(o.exits ? ["takeover-time"] : []),
    ...(app?.limits.length ? ["observed-concurrency"] : []),
    ...(app?.prioritized.length ? ["observed-priority"] : []),
    ...(o.started ? ["instance-stop"] : []),
  ];
}

/** Whether a run's faults make an instance exit (a kill, a SIGTERM). */
export function faultsExit(faults: Pick<FaultSettings, "kills" | "list">): boolean {
  return (
    faults.kills > 0 ||
    faults.list.some((f) => f.type === "kill" || f.type === "terminate" || f.type === "rolling-restart")
  );
}

/** The fault types that strike a service's own processes. */
export const APP_FAULTS: ReadonlySet<string> = new Set(["kill", "terminate", "pause", "rolling-restart"]);

export const APP_SCENARIO_NAME = "app";

/** What app mode's checkers know of the service, from its API description. */
export function appCheckSettings(api: ApiDescription, takeoverSlackMs: number): AppCheckSettings {
  return {
    loadJobNames: [...new Set(api.kinds.map((k) => k.jobName))],
    effects: api.kinds.flatMap((k) => (k.effect ? [{ jobName: k.jobName, ...k.effect }] : [])),
    ownJobs: api.ownJobs,
    limits: api.kinds.flatMap((k) => (k.concurrency ? [{ jobName: k.jobName, limit: k.concurrency }] : [])),
    prioritized: [...new Set(api.kinds.flatMap((k) => (k.priorities ? [k.jobName] : [])))],
    takeoverSlackMs,
  };
}

/**
 * The scenario of an app run: the load's and faults' defaults, the checkers that apply, and what
 * they know of the service. Also the definition `analyze` checks a saved app run against, made
 * from that run's own description and faults.
 */
export function appScenario(
  app: AppCheckSettings | undefined,
  o: { instances: number; defaultKill: boolean; exits: boolean; started: boolean; name?: string },
): Scenario {
  return {
    name: APP_SCENARIO_NAME,
    description: `the service's own API${o.name ? ` (${o.name})` : ""}, as a black box`,
    settings: {
      sut: { processes: o.instances },
      load: { jobs: 60 },
      faults: { kills: o.defaultKill ? 1 : 0 },
      check: { checkers: appCheckers(app, o), ...(app ? { app } : {}) },
    },
  };
}

/** The definition of a saved app run, for `analyze`: from its own settings, and whether the harness started the service. */
export function savedAppScenario(config: RunSettings, started: boolean): Scenario {
  return appScenario(config.check.app, {
    instances: config.sut.processes,
    defaultKill: false,
    exits: faultsExit(config.faults),
    started,
  });
}
