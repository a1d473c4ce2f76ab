import { resolve } from "node:path";
import { scenarios } from "../../../scenarios/index.ts";
import { renderK8sRun } from "../../deploy/k8s/renderRun.ts";
import { outFolderProblem } from "../../deploy/writeFolder.ts";
import { planFaults } from "../../faults/planFaults.ts";
import { type SettingFlag, settingFlags } from "../../scenario/settingFlags.ts";
import { resolveSettings } from "../../scenario/settings.ts";
import { ExitCode, HarnessError } from "../../util/exitCodes.ts";
import { randomSeed } from "../../util/rng.ts";
import type { CommandIo } from "../io.ts";
import { unknownScenario } from "./scenario.ts";

/** What `deploy` can render. */
export const deployTargets = ["k8s"] as const;

/**
 * `deploy k8s [scenario] [flags] --out DIR`: the manifests of one run of a scenario, into a folder
 * that does not exist yet (or is empty). Every problem is named in one line (exit 3) and nothing is
 * written; the seed is fixed here, so the faults written are the ones the run will strike.
 */
export async function deployCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  const target = String(argv.target);
  if (!(deployTargets as readonly string[]).includes(target))
    throw new HarnessError(`deploy ${target}: no such target; give one of ${deployTargets.join(", ")}`);
  const name = String(argv.scenario ?? "crash-recovery");
  const scenario = scenarios[name];
  if (!scenario) throw unknownScenario(name);
  const flags: Partial<Record<SettingFlag, unknown>> = {};
  const passed: string[] = [];
  for (const flag of Object.keys(settingFlags) as SettingFlag[])
    if (argv[flag] !== undefined) {
      flags[flag] = argv[flag];
      if (flag !== "seed") passed.push(`--${flag}`, String(argv[flag]));
    }
  const added = ((argv.fault as unknown[] | undefined) ?? []).map(String);
  const out = typeof argv.out === "string" && argv.out !== "" ? resolve(argv.out) : null;
  const more = [
    out === null ? "--out: give the folder to write the manifests to" : outFolderProblem(out),
  ].filter((p): p is string => p !== null);
  const settings = resolveSettings(scenario, flags, more, {
    add: added,
    replace: argv["scenario-faults"] === false,
  });
  const seed = settings.seed ?? randomSeed();
  for (const f of added) passed.push("--fault", f);
  if (argv["scenario-faults"] === false) passed.push("--no-scenario-faults");
  passed.push("--seed", String(seed));
  const mongoUri =
    typeof argv["mongo-uri"] === "string" && argv["mongo-uri"] ? String(argv["mongo-uri"]) : null;
  const ledgerUri =
    typeof argv["ledger-uri"] === "string" && argv["ledger-uri"] ? String(argv["ledger-uri"]) : null;
  const { files, faults } = renderK8sRun(
    {
      namespace: String(argv.namespace ?? `harness-${scenario.name}`),
      image: String(argv.image),
      scenario: scenario.name,
      harnessArgs: passed,
      mongoUri,
      ledgerUri,
      dbName: `harness_${scenario.name.replace(/\W/g, "_")}`,
      workers: settings.sut.processes,
      worker: {
        slots: settings.sut.workersPerProcess,
        pollIntervalMs: settings.sut.pollIntervalMs,
        lockTimeoutMs: settings.sut.lockTimeoutMs,
        ...(settings.sut.maxExecutionMs ? { maxExecutionMs: settings.sut.maxExecutionMs } : {}),
        sut: { adapter: settings.sut.adapter, wiring: settings.sut.wiring },
      },
      faults: planFaults(settings, seed),
    },
    out as string,
    `harness deploy k8s ${scenario.name} ${passed.join(" ")}`,
  );
  io.print(
    `wrote ${files.length} files to ${out} (${scenario.name}, seed ${seed}, ${faults.length} fault(s)):`,
  );
  for (const f of files) io.print(`  ${f}`);
  io.print(`apply with: kubectl apply -k ${out}`);
  return ExitCode.Pass;
}
