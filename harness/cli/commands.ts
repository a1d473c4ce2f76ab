import type { ExitCode } from "../util/exitCodes.ts";
import { analyzeCommand } from "./commands/analyze.ts";
import { appCommand } from "./commands/app.ts";
import { benchCommand } from "./commands/bench.ts";
import { compareCommand } from "./commands/compare.ts";
import { deployCommand } from "./commands/deploy.ts";
import { exploreCommand } from "./commands/explore.ts";
import { listCommand } from "./commands/list.ts";
import { prepareCommand } from "./commands/prepare.ts";
import { probeCommand } from "./commands/probe.ts";
import { scenarioCommand } from "./commands/scenario.ts";
import { buildUiCommand, uiCommand } from "./commands/ui.ts";
import type { CommandName } from "./flags.ts";
import type { CommandIo } from "./io.ts";

/** A positional argument of a command. */
export interface Positional {
  name: string;
  describe: string;
  default?: string;
}

/** One command: its usage, what it does, its positionals, and what runs it. Its flags are in flags.ts. */
export interface Command {
  name: CommandName;
  usage: string;
  describe: string;
  positionals: readonly Positional[];
  run(argv: Record<string, unknown>, io: CommandIo): ExitCode | Promise<ExitCode>;
}

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  {
    name: "scenario",
    usage: "scenario <name>",
    describe: "run a named scenario",
    positionals: [{ name: "name", describe: "scenario name (see list)" }],
    run: scenarioCommand,
  },
  {
    name: "explore",
    usage: "explore [scenario]",
    describe:
      "run a scenario over many seeds (--runs), one line each, stopping at the first FAIL; --shrink reduces that failure to its smallest reproduction",
    positionals: [{ name: "scenario", describe: "scenario name (see list)", default: "mixed" }],
    run: exploreCommand,
  },
  {
    name: "app",
    usage: "app",
    describe:
      "test your own service, unmodified: start its instances (--cmd), drive its API, judge from its jobs and side effects",
    positionals: [],
    run: appCommand,
  },
  {
    name: "analyze",
    usage: "analyze <dir>",
    describe: "re-run the checkers on a saved run",
    positionals: [{ name: "dir", describe: "a run folder, e.g. reports/latest" }],
    run: analyzeCommand,
  },
  {
    name: "ui",
    usage: "ui [dir]",
    describe:
      "show a run's jobs in the Scheduler UI (its snapshot loaded into a fresh database), or a live database",
    positionals: [{ name: "dir", describe: "a run folder", default: "reports/latest" }],
    run: uiCommand,
  },
  {
    name: "bench",
    usage: "bench",
    describe: "run the bench (--quick: a small one); gate with --versus <build> or --baseline <result.json>",
    positionals: [],
    run: benchCommand,
  },
  {
    name: "compare",
    usage: "compare <baseline> <current>",
    describe: "gate a saved bench result on a saved baseline without running anything",
    positionals: [
      { name: "baseline", describe: "a bench run's folder or its result.json" },
      { name: "current", describe: "a bench run's folder or its result.json" },
    ],
    run: compareCommand,
  },
  {
    name: "probe",
    usage: "probe",
    describe:
      "measure the primitives the schedulers rely on (claim, compare-and-set, unique index, …) on a server; exit 1 when one is broken",
    positionals: [],
    run: probeCommand,
  },
  {
    name: "prepare",
    usage: "prepare",
    describe:
      "fetch or build every tool a run may need (the stand-in, Toxiproxy, FerretDB, the Scheduler UI) into the cache, once",
    positionals: [],
    run: prepareCommand,
  },
  {
    name: "deploy",
    usage: "deploy <target> [scenario]",
    describe:
      "write the manifests of one run of a scenario for a cluster (k8s: Kubernetes with Chaos Mesh) into --out",
    positionals: [
      { name: "target", describe: "where the run goes: k8s" },
      { name: "scenario", describe: "scenario name (see list)", default: "crash-recovery" },
    ],
    run: deployCommand,
  },
  {
    name: "build-ui",
    usage: "build-ui",
    describe: "build the Scheduler UI into the cache (done on first use anyway)",
    positionals: [],
    run: buildUiCommand,
  },
  { name: "list", usage: "list", describe: "list the scenarios", positionals: [], run: listCommand },
];
