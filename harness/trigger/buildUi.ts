import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { HarnessError } from "../util/exitCodes.ts";
import { runOwned } from "../util/ownedChild.ts";

const require = createRequire(import.meta.url);

/**
 * Builds the Scheduler UI (the npm package mongo-scheduler-ui ships its sources only) with Vite,
 * once per version, into the cache; later calls reuse the build. The UI is built to call its API
 * on its own origin, which is the trigger server that serves it.
 */
export async function ensureUiBuilt(cacheDir: string, progress: (m: string) => void): Promise<string> {
  const pkgDir = dirname(require.resolve("mongo-scheduler-ui/package.json"));
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  const out = join(cacheDir, `scheduler-ui-${version}`);
  if (existsSync(join(out, "index.html"))) return out;
  const staging = `${out}.tmp-${process.pid}`;
  progress(`building the Scheduler UI (mongo-scheduler-ui ${version}) with Vite, once…`);
  try {
    // Vite and Tailwind read their configs relative to the working folder: build from the package.
    await runOwned(
      process.execPath,
      [
        join(dirname(require.resolve("vite/package.json")), "bin", "vite.js"),
        "build",
        "--outDir",
        staging,
        "--emptyOutDir",
        "--logLevel",
        "warn",
      ],
      { name: "vite build", cwd: pkgDir, env: { VITE_API_URL: "/" }, timeoutMs: 300_000 },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as { message?: string; stderr?: string };
    throw new HarnessError(
      `could not build the Scheduler UI: ${(e.stderr || e.message || String(error)).split("\n")[0]}`,
    );
  }
  if (!existsSync(join(out, "index.html"))) {
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
  }
  rmSync(staging, { recursive: true, force: true });
  return out;
}
