/**
 * Toxiproxy 2.5.0 for the network faults: installed once into the harness's cache with `go install`
 * (or found on the PATH as `toxiproxy-server`), started as a child of the run on a loopback port,
 * with one proxy per worker process between it and MongoDB, driven through toxiproxy-node-client.
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { Toxiproxy, type Proxy as ToxiproxyProxy } from "toxiproxy-node-client";
import { envValue } from "../util/environment.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { type OwnedChild, runOwned, spawnOwned } from "../util/ownedChild.ts";
import { freePort } from "../util/port.ts";
import type { ProxyControl, ToxicSpec } from "./faultType.ts";

export const TOXIPROXY_VERSION = "2.5.0";
const MODULE = `github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`;

/** What a network fault run needs to install or start Toxiproxy. */
export interface ToxiproxyContext {
  cacheDir: string;
  progress(message: string): void;
  /** Defaults to the PATH of the environment. */
  path?: string;
}

function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The cached build of the server, where `ensureToxiproxy` puts it. */
export function cachedToxiproxy(cacheDir: string): string {
  return join(cacheDir, `toxiproxy-${TOXIPROXY_VERSION}`, "bin", "server");
}

/**
 * The Toxiproxy server binary: the cached build, else `toxiproxy-server` on the PATH, else built
 * once with Go into the cache (about 30 s). Without Go and without a binary: one line saying what
 * to install (exit 3).
 */
/**
 * Why Toxiproxy cannot be had on this machine (no cached build, no toxiproxy-server on the PATH and
 * no Go to build it), or null. Checked with the other settings before anything starts.
 */
export function toxiproxyProblem(ctx: Pick<ToxiproxyContext, "cacheDir" | "path">): string | null {
  if (existsSync(cachedToxiproxy(ctx.cacheDir))) return null;
  const path = ctx.path ?? envValue("PATH") ?? "";
  if (onPath("toxiproxy-server", path) || onPath("go", path)) return null;
  return `network faults need Toxiproxy ${TOXIPROXY_VERSION}: install Go (the harness then builds it once with "go install ${MODULE}") or put toxiproxy-server on the PATH`;
}

export async function ensureToxiproxy(ctx: ToxiproxyContext): Promise<string> {
  const cached = cachedToxiproxy(ctx.cacheDir);
  if (existsSync(cached)) return cached;
  const path = ctx.path ?? envValue("PATH") ?? "";
  const installed = onPath("toxiproxy-server", path);
  if (installed) return installed;
  const go = onPath("go", path);
  if (!go) throw new HarnessError(toxiproxyProblem(ctx) as string);
  const home = join(ctx.cacheDir, `toxiproxy-${TOXIPROXY_VERSION}`);
  const staging = `${home}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "bin"), { recursive: true });
  ctx.progress(`building Toxiproxy ${TOXIPROXY_VERSION} with Go into ${home}, once…`);
  try {
    await runOwned(go, ["install", MODULE], {
      name: "go install",
      env: { GOBIN: join(staging, "bin"), CGO_ENABLED: "0" },
      timeoutMs: 600_000,
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as { message?: string; stderr?: string };
    const why = (e.stderr || e.message || String(error)).trim().split("\n").pop();
    throw new HarnessError(
      `network faults need Toxiproxy ${TOXIPROXY_VERSION}, and "go install ${MODULE}" failed (${why}): put toxiproxy-server on the PATH`,
    );
  }
  if (!existsSync(cached)) {
    try {
      renameSync(staging, home);
    } catch {
      // Another run built it at the same time; theirs is as good as ours.
    }
  }
  rmSync(staging, { recursive: true, force: true });
  return cached;
}

/** A running Toxiproxy server with one proxy per worker process. */
export interface ToxiproxyServer extends ProxyControl {
  /** Creates the proxy for a worker and returns the address to give it instead of MongoDB's. */
  addWorkerProxy(proc: string, upstream: string): Promise<string>;
  /** Whether the server still answers (a fault that cannot be healed makes the verdict unknown). */
  alive(): Promise<boolean>;
  /** The server's process: a run watches it, since a proxy that dies mid-run ends the run. */
  process: OwnedChild;
  stop(): Promise<void>;
}

/**
 * Starts the server on a free loopback port, as an owned child under the shell watchdog (see
 * ownedChild.ts): it cannot outlive the harness, even one killed with SIGKILL.
 */
export async function startToxiproxy(bin: string, logFile: string): Promise<ToxiproxyServer> {
  mkdirSync(dirname(logFile), { recursive: true });
  const port = await freePort();
  const child = spawnOwned(bin, ["-host", "127.0.0.1", "-port", String(port)], {
    name: "proxy server (toxiproxy)",
    lifeline: "watchdog",
    env: { LOG_LEVEL: "warn" },
    logFile,
  });
  const client = new Toxiproxy(`http://127.0.0.1:${port}`);
  const stop = async () => {
    await child.stop({ graceMs: 3000 });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await client.getVersion();
      break;
    } catch {
      if (Date.now() > deadline || child.exit) {
        await stop();
        throw new HarnessError(`Toxiproxy (${bin}) did not start within 15 s: see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const proxies = new Map<string, ToxiproxyProxy>();
  const proxyOf = (proc: string): ToxiproxyProxy => {
    const p = proxies.get(proc);
    if (!p) throw new Error(`no proxy for ${proc}`);
    return p;
  };
  return {
    async addWorkerProxy(proc, upstream) {
      const proxy = await client.createProxy({ name: `harness-${proc}`, listen: "127.0.0.1:0", upstream });
      proxies.set(proc, proxy);
      return proxy.listen;
    },
    async setEnabled(proc, enabled) {
      const p = proxyOf(proc);
      // The same listen address: a reconnecting worker finds its proxy where it was.
      proxies.set(proc, await p.update({ enabled, listen: p.listen, upstream: p.upstream }));
    },
    async addToxic(proc, toxic: ToxicSpec) {
      await proxyOf(proc).addToxic({ ...toxic, toxicity: 1 } as never);
    },
    async removeToxic(proc, name) {
      await (await proxyOf(proc).getToxic(name)).remove();
    },
    async alive() {
      return client
        .getVersion()
        .then(() => true)
        .catch(() => false);
    },
    process: child,
    stop,
  };
}
