import { resolve } from "node:path";
import { scenarios } from "../../../scenarios/index.ts";
import { checkSut, whyNotApplicable } from "../../adapters/registry.ts";
import { selectScheduler } from "../../adapters/selectScheduler.ts";
import { labelsOf } from "../../agents/k8sAgent.ts";
import { inClusterOptions, k8sApi } from "../../agents/k8sApi.ts";
import { mapFault } from "../../agents/k8sChaos.ts";
import { requestFaults } from "../../agents/localAgent.ts";
import { faultSupportProblems } from "../../faults/faultRig.ts";
import { planFaults } from "../../faults/planFaults.ts";
import type { RunResult } from "../../report/result.ts";
import { renderServerComparison, type ServerRun } from "../../report/serverComparison.ts";
import type { ClusterRun } from "../../run/deploy.ts";
import { runScenario } from "../../run/runScenario.ts";
import { adaptToScheduler } from "../../scenario/adapt.ts";
import { environmentLayer, type SettingFlag, settingFlags } from "../../scenario/settingFlags.ts";
import { resolveSettings } from "../../scenario/settings.ts";
import { sutSpecOf } from "../../scenario/sutSpec.ts";
import { defaultCacheDir } from "../../util/cacheDir.ts";
import { type EnvName, envValue } from "../../util/environment.ts";
import { ExitCode, exitFor, HarnessError } from "../../util/exitCodes.ts";
import { ensurePortFree, portProblem } from "../../util/port.ts";
import { randomSeed } from "../../util/rng.ts";
import { ensureWritableDir } from "../../util/writableDir.ts";
import { flagOrEnv } from "../flags.ts";
import type { CommandIo } from "../io.ts";
import { mongoChoices, mongoOptions, mongoProblem } from "../mongoOptions.ts";
import { ciOutputsOf, keepServing, runFiles, showFiles, showSummary } from "../output.ts";

export function unknownScenario(name: string): HarnessError {
  return new HarnessError(
    `no scenario named "${name}": run "harness list" to see them (${Object.keys(scenarios).join(", ")})`,
  );
}

/** What a caller running the scenario command as a step of its own (`explore`) hears of each run. */
export interface ScenarioHooks {
  /** Each run's result and where it was saved (one per server), partial ones included. */
  onResult?(result: RunResult, resultPath: string): void;
  /** Leave out the summary table and the files' lines (the caller prints its own line). */
  quiet?: boolean;
}

/**
 * The settings of `scenario <name>` (defaults < scenario < environment < flags), with every problem
 * that can be found before anything starts thrown as one HarnessError line. `explore` calls it on
 * its flags before its first run, so that a bad flag stops it before anything is said or started.
 */
export function resolveScenarioSettings(
  argv: Record<string, unknown>,
  io: Pick<CommandIo, "env" | "reporter">,
) {
  const name = String(argv.name);
  const found = scenarios[name];
  if (!found) throw unknownScenario(name);
  const scenario = found;
  const flags: Partial<Record<SettingFlag, unknown>> = {};
  for (const flag of Object.keys(settingFlags) as SettingFlag[])
    if (argv[flag] !== undefined) flags[flag] = argv[flag];
  const dbControl =
    typeof argv["db-control"] === "string" && argv["db-control"] !== ""
      ? String(argv["db-control"])
      : undefined;
  const mongo = { ...mongoOptions(argv, "scenario", io.env), ...(dbControl ? { dbControl } : {}) };
  const targets = mongoChoices(argv);
  const environment = environmentLayer(io.env);
  const settings = resolveSettings(
    scenario,
    flags,
    [
      ...environment.problems,
      mongoProblem(argv, true),
      targets.length > 1 && argv.keep
        ? "--keep keeps one run's database: give one --mongo target with it"
        : null,
      portProblem(argv.port),
      dbControl && !mongo.uri
        ? "--db-control restarts a server you run: give it with --mongo-uri (or MONGO_URL)"
        : null,
    ].filter((p): p is string => p !== null),
    {
      add: ((argv.fault as unknown[] | undefined) ?? []).map(String),
      replace: argv["scenario-faults"] === false,
      support: (needs) => faultSupportProblems(needs, { cacheDir: defaultCacheDir(), mongoUri: mongo.uri }),
      notice: io.reporter.progress,
      environment: environment.values,
      // --mongo-uri (or MONGO_URL) wins over --mongo: the run goes to that server.
      server: { choices: mongo.uri ? ["uri"] : targets, dbControl: dbControl !== undefined },
    },
  );
  return { scenario, settings, mongo, targets };
}

/**
 * `scenario <name>`: resolves the settings (defaults < scenario < environment < flags) and checks
 * everything that can be checked before anything starts, runs the scenario, prints its summary,
 * and maps its verdict to the exit code.
 */
export async function scenarioCommand(
  argv: Record<string, unknown>,
  io: CommandIo,
  hooks: ScenarioHooks = {},
): Promise<ExitCode> {
  const { scenario, settings, mongo, targets } = resolveScenarioSettings(argv, io);
  // Checked before anything starts: the build, the scheduler, its wiring, and whether the scenario applies.
  const schedulerSpec = flagOrEnv(argv, "scenario", "scheduler", io.env);
  const build =
    typeof schedulerSpec === "string" && schedulerSpec !== ""
      ? await selectScheduler(schedulerSpec, defaultCacheDir(), io.reporter.progress)
      : undefined;
  const sut = await checkSut(sutSpecOf(settings, build), settings.sut.workersPerProcess);
  settings.sut.wiring = sut.wiring;
  if (sut.deferred)
    io.reporter.progress(
      `--wiring ${sut.wiring}: the builder waits on the database, so it is checked once MongoDB is up, before any worker starts`,
    );
  const notApplicable = whyNotApplicable(scenario, settings.sut.adapter);
  if (notApplicable) throw new HarnessError(notApplicable);
  for (const line of adaptToScheduler(scenario, settings)) io.reporter.progress(line);
  const cluster = argv.agent === "k8s" ? clusterFromEnv(io.env) : undefined;
  const ledger = argv.ledger === "db" || cluster ? "db" : "files";
  if (cluster) {
    const targets = { namespace: cluster.api.namespace, workers: {}, mongo: cluster.mongo };
    for (const f of planFaults(settings, 0)) {
      const m = mapFault(f, targets);
      if ("none" in m) throw new HarnessError(`--agent k8s: fault ${f.id}: ${m.none}`);
    }
  }
  if (ledger === "db") {
    const asking = [...new Set(planFaults(settings, 0).map((f) => f.spec.type))].filter((t) =>
      requestFaults.includes(t),
    );
    if (asking.length)
      throw new HarnessError(
        `--ledger db: the workers are not talked to, and ${asking.join(", ")} acts by a request to the worker; run ${scenario.name} with --ledger files`,
      );
  }
  const ci = ciOutputsOf(argv, io);
  ensureWritableDir(String(argv["reports-dir"]), "--reports-dir");
  const port = Number(argv.port);
  // Found before the run rather than after it, when the UI would start.
  if (argv.keep) await ensurePortFree(port);
  // Several servers: one seed for all, so that each runs the same load and the same faults.
  const seed = settings.seed ?? randomSeed();
  const runs: ServerRun[] = [];
  let code: ExitCode = ExitCode.Pass;
  for (const [i, choice] of targets.entries()) {
    if (targets.length > 1) io.reporter.progress(`server ${i + 1} of ${targets.length}: --mongo ${choice}`);
    const one = await runOnServer(
      { ...settings, seed: targets.length > 1 ? seed : settings.seed },
      { ...mongo, choice },
    );
    runs.push({ target: choice, result: one.result });
    code = worstExit(code, one.code);
    if (one.stopped) break;
  }
  if (runs.length > 1) {
    io.print(`\n${scenario.name} on ${runs.length} servers, seed ${seed}:`);
    io.print(renderServerComparison(runs, { colour: io.colour }));
  }
  return code;

  async function runOnServer(runSettings: typeof settings, target: typeof mongo) {
    let printed = false;
    const show = (result: RunResult, path: string) => {
      if (printed) return;
      printed = true;
      hooks.onResult?.(result, path);
      if (hooks.quiet) return;
      showSummary(result, io);
      showFiles(result, runFiles(path), ci, io);
    };
    return io.withInterrupt("the run and every process it started", async (signal) => {
      const outcome = await runScenario({
        scenario,
        settings: runSettings,
        build,
        mongo: target,
        reportsDir: resolve(String(argv["reports-dir"])),
        reporter: io.reporter,
        signal,
        ledger,
        ...(cluster ? { cluster } : {}),
        keep: argv.keep ? keepServing({ port, io, signal, show }) : undefined,
      });
      show(outcome.result, outcome.resultPath);
      if (outcome.stopped) {
        const what =
          outcome.stopped.reason === "interrupted"
            ? `interrupted ${outcome.stopped.where}`
            : `run stopped: ${outcome.stopped.reason}`;
        io.reporter.warn(`${what}; partial result (verdict unknown) saved in ${outcome.resultPath}`);
      }
      return {
        result: outcome.result,
        code: exitFor(outcome.result.verdict),
        stopped: outcome.stopped?.reason === "interrupted",
      };
    });
  }
}

/** What `--agent k8s` needs from the Job's environment (deploy k8s sets it), or one line naming what is missing. */
function clusterFromEnv(env: Record<string, string | undefined>): ClusterRun {
  const need = (name: EnvName) => {
    const v = envValue(name, env);
    if (!v)
      throw new HarnessError(`--agent k8s: ${name} is not set (the Job that deploy k8s writes sets it)`);
    return v;
  };
  const mongo = need("HARNESS_K8S_MONGO");
  const ledgerUri = envValue("LEDGER_URL", env);
  return {
    api: k8sApi(inClusterOptions(env)),
    workerSelector: need("HARNESS_K8S_WORKERS"),
    triggerUrl: need("HARNESS_K8S_TRIGGER"),
    mongo: mongo.startsWith("host:") ? { host: mongo.slice(5) } : { pods: labelsOf(mongo) },
    dbName: need("HARNESS_DB"),
    ...(ledgerUri ? { ledgerUri } : {}),
  };
}

/** The worse of two exit codes of runs: fail beats unknown beats pass. */
export function worstExit(a: ExitCode, b: ExitCode): ExitCode {
  const rank = (c: ExitCode) => (c === ExitCode.Fail ? 2 : c === ExitCode.Unknown ? 1 : 0);
  return rank(b) > rank(a) ? b : a;
}
