import { ensureK8sCheck } from "../../deploy/k8scheck.ts";
import { ensureToxiproxy } from "../../faults/toxiproxy.ts";
import { ensureFerretdb } from "../../servers/ferretdb.ts";
import { ensureStandinInstalled } from "../../servers/standin.ts";
import { ensureUiBuilt } from "../../trigger/buildUi.ts";
import { defaultCacheDir } from "../../util/cacheDir.ts";
import { ExitCode, HarnessError } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";

/** What `prepare` can fetch or build once into the cache, each the way a run would on first use. */
const tools = {
  standin: "the Java stand-in's jars and launcher (Maven, javac)",
  toxiproxy: "Toxiproxy 2.5.0 for the network faults (Go)",
  ferretdb: "FerretDB 1.24.2 for --mongo ferretdb and ferretdb-pg (Go)",
  ui: "the Scheduler UI (Vite)",
  k8scheck: "the manifest checker of deploy k8s, and Chaos Mesh's CRDs (Go)",
} as const;
type Tool = keyof typeof tools;

/**
 * `prepare [--only a,b]`: fetches or builds every tool a run may need into the cache, once, so
 * that no run (and no test's timeout) pays for a first build. One line per tool: where it is, or
 * why it cannot be had here; exit 3 when one could not.
 */
export async function prepareCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  const asked =
    typeof argv.only === "string" ? argv.only.split(",").map((t) => t.trim()) : Object.keys(tools);
  const unknown = asked.filter((t) => !(t in tools));
  if (unknown.length)
    throw new HarnessError(
      `--only ${String(argv.only)}: no tool named ${unknown.join(", ")}; choose among ${Object.keys(tools).join(", ")}`,
    );
  const cacheDir = defaultCacheDir();
  const ctx = { cacheDir, progress: io.reporter.progress };
  const build: Record<Tool, () => Promise<string>> = {
    standin: () => ensureStandinInstalled(ctx),
    toxiproxy: () => ensureToxiproxy(ctx),
    ferretdb: () => ensureFerretdb(ctx, "ferretdb"),
    ui: () => ensureUiBuilt(cacheDir, io.reporter.progress),
    k8scheck: async () => (await ensureK8sCheck(ctx)).binary,
  };
  let failed = 0;
  for (const tool of asked as Tool[]) {
    try {
      io.print(`${tool}: ready, ${await build[tool]()}`);
    } catch (error) {
      failed++;
      io.print(`${tool}: cannot be had here: ${(error as Error).message}`);
    }
  }
  return failed ? ExitCode.Invalid : ExitCode.Pass;
}
