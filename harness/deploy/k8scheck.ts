/**
 * The manifest checker (tools/k8scheck, Go): built once into the cache, keyed by its sources, and
 * Chaos Mesh's CRD schemas it checks custom resources against, from the chaos-mesh module as the Go
 * module proxy serves it (downloaded, never compiled: its Go types would bring controller-runtime).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError } from "../util/exitCodes.ts";
import { runOwned } from "../util/ownedChild.ts";

/** The Chaos Mesh module whose CRDs (config/crd/bases) are checked against: master of 2026-09-02. */
export const CHAOS_MESH_MODULE = "github.com/chaos-mesh/chaos-mesh@v0.9.1-0.20260902003049-47411975a8cb";

const source = resolve(dirname(fileURLToPath(import.meta.url)), "../../tools/k8scheck");

/** The checker's sources' hash: a change of them is a new build. */
function sourceHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(source)
    .filter((f) => /\.(go|mod|sum)$/.test(f))
    .sort())
    h.update(f).update(readFileSync(join(source, f)));
  return h.digest("hex").slice(0, 12);
}

export interface K8sCheck {
  binary: string;
  /** The folder of Chaos Mesh's CRD files. */
  crds: string;
}

/** Builds the checker if its build is not cached, and fetches the CRDs; one line when Go is missing. */
export async function ensureK8sCheck(ctx: {
  cacheDir: string;
  progress(m: string): void;
}): Promise<K8sCheck> {
  const home = join(ctx.cacheDir, `k8scheck-${sourceHash()}`);
  const binary = join(home, "k8scheck");
  const go = async (args: string[], name: string, env: Record<string, string> = {}) => {
    try {
      return await runOwned("go", args, { name, cwd: source, env, timeoutMs: 900_000 });
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT")
        throw new HarnessError("the manifest checker needs Go (https://go.dev/dl/) to build it once");
      throw error;
    }
  };
  if (!existsSync(binary)) {
    ctx.progress(`building the manifest checker (tools/k8scheck) with Go into ${home}, once…`);
    const staging = `${home}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      await go(["build", "-o", join(staging, "k8scheck"), "."], "go build k8scheck", { CGO_ENABLED: "0" });
      rmSync(home, { recursive: true, force: true });
      renameSync(staging, home);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }
  const { stdout } = await go(["mod", "download", "-json", CHAOS_MESH_MODULE], "go mod download chaos-mesh");
  const dir = (JSON.parse(stdout) as { Dir?: string; Error?: string }).Dir;
  if (!dir)
    throw new HarnessError(`the Chaos Mesh module ${CHAOS_MESH_MODULE} could not be had: ${stdout.trim()}`);
  return { binary, crds: join(dir, "config", "crd", "bases") };
}
