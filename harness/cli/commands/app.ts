import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { loadApi, withEffects } from "../../app/api.ts";
import { APP_FAULTS, appCheckers, appCheckSettings, appScenario, faultsExit } from "../../app/appScenario.ts";
import { commandWords } from "../../app/instances.ts";
import type { WatchMode } from "../../app/observer.ts";
import { type AppOptions, runApp } from "../../app/runApp.ts";
import type { RunResult } from "../../report/result.ts";
import type { SettingFlag } from "../../scenario/settingFlags.ts";
import { resolveSettings } from "../../scenario/settings.ts";
import { type ExitCode, exitFor, HarnessError } from "../../util/exitCodes.ts";
import { ensurePortFree, portProblem } from "../../util/port.ts";
import { ensureWritableDir } from "../../util/writableDir.ts";
import type { CommandIo } from "../io.ts";
import { mongoOptions, mongoProblem } from "../mongoOptions.ts";
import { ciOutputsOf, keepServing, runFiles, showFiles, showSummary } from "../output.ts";

/** `app`: tests the user's own service, started from its command (or attached to), as a black box. */
export async function appCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  const problems: string[] = [];
  const attachUrls = ((argv["app-url"] as unknown[] | undefined) ?? []).map(String);
  const mongo = mongoOptions(argv, "app", io.env);
  const cmd = typeof argv.cmd === "string" ? argv.cmd.trim() : "";
  if (!cmd && attachUrls.length === 0)
    problems.push(
      'give --cmd "node src/server.js" (the service is started) or --app-url URL (it runs elsewhere)',
    );
  if (cmd && attachUrls.length) problems.push("give --cmd or --app-url, not both");
  const mp = mongoProblem(argv);
  if (mp) problems.push(mp);
  const pp = portProblem(argv.port);
  if (pp) problems.push(pp);
  const numbers = appNumbers(argv, problems);
  const cwd = resolve(String(argv.cwd ?? "."));
  if (cmd && !(existsSync(cwd) && statSync(cwd).isDirectory()))
    problems.push(`--cwd ${String(argv.cwd)}: no such folder`);
  let readyLog: RegExp | undefined;
  if (typeof argv["ready-log"] === "string")
    try {
      readyLog = new RegExp(argv["ready-log"]);
    } catch {
      problems.push(`--ready-log ${argv["ready-log"]}: not a regular expression`);
    }
  const attachDb = attachUrls.length ? attachDatabase(mongo.uri, problems) : undefined;
  const env = cmd ? serviceEnv(argv, problems) : {};
  const api = withEffects(
    await loadApi(String(argv.api), process.cwd()),
    ((argv.effects as unknown[]) ?? []).map(String),
  );
  const faultsGiven = ((argv.fault as unknown[] | undefined) ?? []).length > 0;
  const started = attachUrls.length === 0;
  const app = appCheckSettings(api, numbers.takeoverSlack);
  const scenario = appScenario(app, {
    instances: numbers.instances,
    defaultKill: started && !faultsGiven,
    exits: started && !faultsGiven,
    started,
    name: api.name,
  });
  const settings = resolveSettings(scenario, settingFlagsOf(argv), problems, {
    add: ((argv.fault as unknown[] | undefined) ?? []).map(String),
  });
  // The checkers that apply follow the faults as resolved (flags included).
  settings.check.checkers = appCheckers(settings.check.app, { exits: faultsExit(settings.faults), started });
  const faultKinds = [
    ...settings.faults.list.map((f) => f.type),
    ...(settings.faults.kills ? ["kill"] : []),
    ...(settings.faults.pauses ? ["pause"] : []),
  ];
  const foreign = [...new Set(faultKinds.filter((k) => !APP_FAULTS.has(k)))];
  if (foreign.length)
    throw new HarnessError(
      `--fault ${foreign.join(", ")}: app mode strikes the service's own processes only (${[...APP_FAULTS].join(", ")}); network and clock faults need the harness's own workers (harness scenario)`,
    );
  const byJob = settings.faults.list.filter((f) => f.target.startsWith("running:"));
  if (byJob.length)
    throw new HarnessError(
      `--fault ${byJob.map((f) => `${f.type}:target=${f.target}`).join(", ")}: app mode sees the service from outside, not which job each instance runs; give target=busy, any, all or an instance such as w2`,
    );
  if (attachUrls.length && faultKinds.length)
    throw new HarnessError(
      "--app-url: instances started elsewhere get no process faults; drop --fault, --kills and --pauses",
    );
  const ci = ciOutputsOf(argv, io);
  ensureWritableDir(String(argv["reports-dir"]), "--reports-dir");
  const port = Number(argv.port);
  if (argv.keep) await ensurePortFree(port);
  const service: AppOptions["service"] = attachUrls.length
    ? { attach: { urls: attachUrls, dbName: attachDb as string } }
    : {
        start: {
          argv: commandWords(cmd),
          cwd,
          env,
          count: numbers.instances,
          portEnv: String(argv["port-env"]),
          mongoEnv: String(argv["mongo-env"]),
          ready: readyLog ? { log: readyLog } : { path: String(argv.ready) },
          startTimeoutMs: numbers.startTimeout,
          graceMs: numbers.grace,
        },
      };
  return io.withInterrupt("the run and every instance it started", async (signal) => {
    let shown = false;
    const show = (result: RunResult, path: string) => {
      if (shown) return;
      shown = true;
      showSummary(result, io);
      showFiles(result, runFiles(path), ci, io);
    };
    const outcome = await runApp({
      scenario,
      settings,
      api,
      service,
      ratePerSec: numbers.rate,
      ...(numbers.connections !== undefined ? { connections: numbers.connections } : {}),
      sampleEveryMs: numbers.sample,
      watch: String(argv.watch) as WatchMode,
      settleMs: numbers.settle,
      mongo,
      reportsDir: resolve(String(argv["reports-dir"])),
      reporter: io.reporter,
      signal,
      keep: argv.keep ? keepServing({ port, io, signal, show }) : undefined,
    });
    show(outcome.result, outcome.resultPath);
    if (outcome.stopped)
      io.reporter.warn(
        `${outcome.stopped.reason === "interrupted" ? `interrupted ${outcome.stopped.where}` : `run stopped: ${outcome.stopped.reason}`}; partial result (verdict unknown) saved in ${outcome.resultPath}`,
      );
    return exitFor(outcome.result.verdict);
  });
}

function settingFlagsOf(argv: Record<string, unknown>): Partial<Record<SettingFlag, unknown>> {
  const out: Partial<Record<SettingFlag, unknown>> = {};
  for (const flag of [
    "jobs",
    "kills",
    "restart-delay",
    "pauses",
    "pause-ms",
    "drain-timeout",
    "seed",
  ] as const)
    if (argv[flag] !== undefined) out[flag] = argv[flag];
  return out;
}

/** The numeric flags, each checked against its range (problems named, all at once). */
function appNumbers(argv: Record<string, unknown>, problems: string[]) {
  const num = (flag: string, min: number, max: number) => {
    const v = Number(argv[flag]);
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`--${flag} ${String(argv[flag])}: give a whole number from ${min} to ${max}`);
      return min;
    }
    return v;
  };
  return {
    instances: num("instances", 1, 64),
    startTimeout: num("start-timeout", 1000, 600_000),
    grace: num("grace", 0, 600_000),
    rate: num("rate", 1, 10_000),
    sample: num("sample-ms", 10, 10_000),
    settle: num("settle-ms", 0, 600_000),
    takeoverSlack: num("takeover-slack", 0, 3_600_000),
    connections: argv.connections === undefined ? undefined : num("connections", 1, 1000),
  };
}

/** Attached: the service's database, named in --mongo-uri's path (it is read, never dropped). */
function attachDatabase(uri: string | undefined, problems: string[]): string | undefined {
  const db = uri ? /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(uri)?.[1] : undefined;
  if (!db)
    problems.push(
      "--app-url needs --mongo-uri naming the service's database in its path (mongodb://host:27017/mydb)",
    );
  return db;
}

/** The instances' environment: the harness's own, then --env-file, then --env. */
function serviceEnv(argv: Record<string, unknown>, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const file = argv["env-file"];
  if (typeof file === "string") {
    const path = resolve(file);
    if (!existsSync(path)) problems.push(`--env-file ${file}: no such file`);
    else Object.assign(out, parseEnvFile(readFileSync(path, "utf8"), file, problems));
  }
  for (const pair of ((argv.env as unknown[]) ?? []).map(String)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!m) problems.push(`--env ${pair}: give KEY=VALUE`);
    else out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** KEY=VALUE lines; blank lines and # comments skipped; one pair of quotes around a value dropped. */
export function parseEnvFile(text: string, name: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(l);
    if (!m) {
      problems.push(`--env-file ${name}:${i + 1}: not KEY=VALUE: ${l.slice(0, 60)}`);
      return;
    }
    out[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, "$2");
  });
  return out;
}
