import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureK8sCheck, type K8sCheck } from "../../harness/deploy/k8scheck.ts";
import { defaultCacheDir } from "../../harness/util/cacheDir.ts";
import { runHarness } from "../support/harnessCli.ts";

const parent = () => mkdtempSync(join(tmpdir(), "deploy-"));

/** Runs `deploy k8s` into a new folder of a new parent; the folder and the parent's entries after it. */
async function deploy(args: string[]) {
  const root = parent();
  const out = join(root, "run");
  const run = await runHarness(["deploy", "k8s", ...args, "--out", out]);
  return { ...run, out, root, left: readdirSync(root) };
}

const hasGo = (() => {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    process.stderr.write("manifest checker tests skipped: no Go to build tools/k8scheck\n");
    return false;
  }
})();

describe("deploy k8s refuses bad input in one line, exit 3, and writes nothing", () => {
  const cases: [string, string[], RegExp][] = [
    ["a fault with no Kubernetes mapping", ["stall"], /pause-1 \(pause\): .*no Kubernetes mapping/],
    [
      "a fault that acts by a request to the worker",
      ["out-of-memory"],
      /out-of-memory.*no Kubernetes mapping/,
    ],
    [
      "a bad connection string",
      ["crash-recovery", "--mongo-uri", "localhost:27017"],
      /--mongo-uri localhost:27017/,
    ],
    ["a namespace that is no DNS label", ["crash-recovery", "--namespace", "Bad_NS"], /--namespace Bad_NS/],
    ["an unknown scenario", ["no-such"], /no scenario named "no-such"/],
    ["an invalid setting", ["crash-recovery", "--workers", "0"], /--workers/],
  ];
  it.each(cases)("%s", async (_what, args, message) => {
    const run = await deploy(args);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^harness: /);
    expect(run.stderr).toMatch(message);
    expect(run.left).toEqual([]);
  });

  it("an unknown target, named", async () => {
    const root = parent();
    const run = await runHarness(["deploy", "swarm", "crash-recovery", "--out", join(root, "run")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/deploy swarm: no such target; give one of k8s/);
    expect(readdirSync(root)).toEqual([]);
  });

  it("an output folder that exists and is not empty, and no --out at all", async () => {
    const root = parent();
    mkdirSync(join(root, "run"));
    writeFileSync(join(root, "run", "keep.txt"), "mine");
    const run = await runHarness(["deploy", "k8s", "--out", join(root, "run")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/exists and is not empty/);
    expect(readdirSync(join(root, "run"))).toEqual(["keep.txt"]);
    const none = await runHarness(["deploy", "k8s"]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/--out: give the folder/);
  });
});

describe.skipIf(!hasGo)(
  "what deploy k8s writes passes the strict manifest checker; a misspelt twin fails",
  () => {
    let check: K8sCheck;
    beforeAll(async () => {
      check = await ensureK8sCheck({ cacheDir: defaultCacheDir(), progress: () => {} });
    }, 900_000);

    const checker = (dir: string) => {
      try {
        return { code: 0, out: execFileSync(check.binary, ["-crds", check.crds, dir], { encoding: "utf8" }) };
      } catch (e) {
        const err = e as { status: number; stdout: string };
        return { code: err.status, out: err.stdout };
      }
    };

    it("every manifest and every Chaos Mesh kind the faults map to", async () => {
      const run = await deploy([
        "crash-recovery",
        "--workers",
        "3",
        "--fault",
        "partition:at=0.2",
        "--fault",
        "latency:at=0.3",
        "--fault",
        "clock-offset:target=w2,at=0.1,offset=-5000",
        "--fault",
        "bandwidth:at=0.5",
        "--fault",
        "terminate:at=0.7",
      ]);
      expect(run.code).toBe(0);
      expect(run.left).toEqual(["run"]);
      const result = checker(run.out);
      expect(result.code, result.out).toBe(0);
      const kinds = result.out.match(/ (\w+)\/[\w.-]+$/gm)?.map((k) => k.trim().split("/")[0]) ?? [];
      for (const kind of ["Namespace", "StatefulSet", "Deployment", "Service", "Job", "Role", "RoleBinding"])
        expect(kinds).toContain(kind);
      for (const kind of ["PodChaos", "NetworkChaos", "TimeChaos", "Kustomization"])
        expect(kinds).toContain(kind);
      expect(readFileSync(join(run.out, "README.md"), "utf8")).toContain("kubectl apply -k");

      // The twin: one field misspelt in a core kind and one in a Chaos Mesh kind; each is named.
      const workers = join(run.out, "20-workers.yaml");
      writeFileSync(workers, readFileSync(workers, "utf8").replace("  replicas: 3", "  replica: 3"));
      const chaos = join(run.out, "faults/chaos.yaml");
      writeFileSync(chaos, readFileSync(chaos, "utf8").replace("  gracePeriod: 0", "  gracePeriods: 0"));
      const twin = checker(run.out);
      expect(twin.code).toBe(1);
      expect(twin.out).toMatch(/error .*20-workers\.yaml#1: .*unknown field "spec\.replica"/);
      expect(twin.out).toMatch(/error .*chaos\.yaml#\d+: .*unknown field "spec\.gracePeriods"/);
    });
  },
);
