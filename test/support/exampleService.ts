import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  describeExit,
  lastLines,
  type OwnedChild,
  runOwned,
  spawnOwned,
} from "../../harness/util/ownedChild.ts";
import { waitFor } from "../../harness/util/wait.ts";
import { projectRoot } from "./harnessCli.ts";

/** The example service: a package of its own, with its own dependency tree. */
export const exampleServiceDir = join(projectRoot, "examples", "jobs-service");

/**
 * Installs the example service's dependencies from its lockfile (`npm ci`), as a user installs a
 * service, unless node_modules is already there and newer than the lockfile. Throws with npm's last
 * lines when the install fails.
 */
export async function ensureExampleServiceInstalled(progress: (line: string) => void): Promise<void> {
  const lockfile = join(exampleServiceDir, "package-lock.json");
  const installed = join(exampleServiceDir, "node_modules", ".package-lock.json");
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs) return;
  const started = Date.now();
  progress("installing the example service's dependencies (npm ci --prefix examples/jobs-service)");
  await runOwned("npm", ["ci", "--no-audit", "--no-fund", "--prefix", exampleServiceDir], {
    name: "npm ci (examples/jobs-service)",
    timeoutMs: 300_000,
  });
  progress(`installed the example service's dependencies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A service started for a test: its process, what it printed, and the port it says it listens on. */
export interface StartedService {
  child: OwnedChild;
  port: number;
  output(): string;
}

/**
 * Starts `node <entry>` in `cwd` with exactly `env` (and PATH), owned by the test's process (it
 * cannot outlive it), and resolves once it prints "listening on port N". Rejects with its last
 * output lines if it exits first or says nothing within `timeoutMs`.
 */
export async function startService(
  name: string,
  entry: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<StartedService> {
  const child = spawnOwned(process.execPath, [entry], {
    name,
    lifeline: "watchdog",
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    extendEnv: false,
  });
  let text = "";
  child.process.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.process.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const listening = () => /listening on port (\d+)/.exec(text)?.[1];
  const exited = new AbortController();
  void child.exited.then(() => exited.abort());
  const ready = await waitFor(() => listening() !== undefined, { timeoutMs, signal: exited.signal });
  const port = listening();
  if (!ready || port === undefined) {
    child.kill();
    const why = child.exit ? describeExit(child.exit) : `said nothing ready within ${timeoutMs / 1000} s`;
    throw new Error(`${name} ${why}: ${lastLines(text, 5)}`);
  }
  return { child, port: Number(port), output: () => text };
}
