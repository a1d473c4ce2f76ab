/**
 * What a run's fault schedule needs around the worker processes before they start: Toxiproxy with a
 * proxy per worker (network faults), libfaketime for the workers a clock fault may move, a small
 * heap for an out-of-memory fault. Checked before anything starts; stopped in teardown, so no proxy
 * and no moved clock outlives the run.
 */
import { join } from "node:path";
import type { WorkerLaunch } from "../processes/supervisor.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { FaketimeClocks, findLibfaketime } from "./faketime.ts";
import type { FaultNeed, PlannedFault } from "./faultType.ts";
import { clockTargets, faultNeeds, workerHeapMb } from "./planFaults.ts";
import { ensureToxiproxy, startToxiproxy, type ToxiproxyServer, toxiproxyProblem } from "./toxiproxy.ts";

/** The tools a schedule needs, found or installed before the MongoDB target is provisioned. */
export interface FaultTools {
  toxiproxy?: string;
  libfaketime?: string;
}

/** A single-host `mongodb://` connection string, split where a proxy's address goes in. */
function splitUri(uri: string): { credentials: string; host: string; path: string; query: string } | null {
  const m = /^mongodb:\/\/(?:([^@/]*)@)?([^/?,@]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) return null;
  return { credentials: m[1] ? `${m[1]}@` : "", host: m[2] as string, path: m[3] ?? "/", query: m[4] ?? "" };
}

const SINGLE_HOST =
  "network faults put a proxy between each worker and one MongoDB server: give a single-host mongodb:// URI (no mongodb+srv, no host list), or leave out --mongo-uri";

/**
 * What the MongoDB target and this machine cannot support of a run's fault needs, one line each,
 * without starting or installing anything: checked with the other settings, so that every problem
 * is named at once.
 */
export function faultSupportProblems(
  needs: ReadonlySet<FaultNeed>,
  ctx: { cacheDir: string; mongoUri?: string; env?: NodeJS.ProcessEnv },
): string[] {
  const problems: string[] = [];
  if (needs.has("toxiproxy")) {
    if (ctx.mongoUri && !splitUri(ctx.mongoUri)) problems.push(SINGLE_HOST);
    const missing = toxiproxyProblem({ cacheDir: ctx.cacheDir, path: ctx.env?.PATH });
    if (missing) problems.push(missing);
  }
  if (needs.has("libfaketime")) {
    try {
      findLibfaketime(ctx.env);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

/**
 * Checks what can be checked without starting anything, then finds or builds the tools. A fault
 * the target or the machine cannot support is one line and exit 3.
 */
export async function ensureFaultTools(
  plan: readonly PlannedFault[],
  ctx: { cacheDir: string; mongoUri?: string; progress(message: string): void },
): Promise<FaultTools> {
  const needs = faultNeeds(plan);
  const tools: FaultTools = {};
  if (needs.has("toxiproxy") && ctx.mongoUri && !splitUri(ctx.mongoUri)) throw new HarnessError(SINGLE_HOST);
  if (needs.has("libfaketime")) tools.libfaketime = findLibfaketime();
  if (needs.has("toxiproxy")) tools.toxiproxy = await ensureToxiproxy(ctx);
  return tools;
}

/** The fault machinery of a running run. */
export interface FaultRig {
  proxies: ToxiproxyServer | null;
  clocks: FaketimeClocks | null;
  /** The MongoDB address a worker connects to (its proxy's, when the run has network faults). */
  workerUri(proc: string): string;
  /** Extra environment and Node flags for a worker. */
  launch(proc: string): WorkerLaunch;
  /** Sets every clock right and stops the proxy server; safe to call more than once. */
  stop(): Promise<void>;
}

/** Starts what the tools are for: the proxy server with one proxy per worker, the clock files. */
export async function startFaultRig(
  plan: readonly PlannedFault[],
  tools: FaultTools,
  ctx: { mongoUri: string; workers: readonly string[]; runDir: string },
): Promise<FaultRig> {
  const heapMb = workerHeapMb(plan);
  const clocks = tools.libfaketime ? new FaketimeClocks(tools.libfaketime, join(ctx.runDir, "clocks")) : null;
  const moved = clockTargets(plan, ctx.workers.length);
  const uris = new Map<string, string>();
  let proxies: ToxiproxyServer | null = null;
  if (tools.toxiproxy) {
    const parts = splitUri(ctx.mongoUri);
    if (!parts)
      throw new HarnessError(`network faults need a single-host mongodb:// URI, not ${ctx.mongoUri}`);
    proxies = await startToxiproxy(tools.toxiproxy, join(ctx.runDir, "logs", "toxiproxy.log"));
    try {
      for (const proc of ctx.workers) {
        const listen = await proxies.addWorkerProxy(proc, parts.host);
        const query = parts.query ? `${parts.query}&directConnection=true` : "?directConnection=true";
        uris.set(proc, `mongodb://${parts.credentials}${listen}${parts.path}${query}`);
      }
    } catch (error) {
      await proxies.stop();
      throw error;
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    proxies,
    clocks,
    workerUri: (proc) => uris.get(proc) ?? ctx.mongoUri,
    launch: (proc) => ({
      ...(clocks && moved.has(proc) ? { env: clocks.envFor(proc) } : {}),
      ...(heapMb ? { nodeArgs: [`--max-old-space-size=${heapMb}`] } : {}),
    }),
    stop() {
      stopped ??= (async () => {
        clocks?.resetAll();
        await proxies?.stop();
      })();
      return stopped;
    },
  };
}
