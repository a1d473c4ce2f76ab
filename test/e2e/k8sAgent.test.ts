import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MongoTarget } from "../../harness/servers/provision.ts";
import { provisionMongo } from "../../harness/servers/provision.ts";
import { type OwnedChild, spawnOwned } from "../../harness/util/ownedChild.ts";
import { freePort } from "../../harness/util/port.ts";
import { type FakeCluster, startFakeCluster } from "../support/fakeCluster.ts";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";
import { latestResult } from "../support/runResults.ts";

/**
 * --agent k8s end to end, with no cluster: a fake API server whose worker pods are real worker
 * processes of this machine. What the harness does through the agent (bind pods by their ledger,
 * kill through a PodChaos, restart by binding the replacement, delete what it created) is the code
 * that runs in the Job; what the fake does in Kubernetes' place is not Kubernetes.
 */
describe("--agent k8s against a fake API server whose pods are local worker processes", () => {
  let target: MongoTarget;
  let cluster: FakeCluster;
  let trigger: OwnedChild;
  let triggerPort: number;
  const dbName = `harness_k8s_${Date.now()}`;
  const labels = { "app.kubernetes.io/component": "worker" };

  beforeAll(async () => {
    target = await provisionMongo({ choice: "standin", progress: () => {} });
    const service = {
      MONGO_URL: target.uri,
      HARNESS_DB: dbName,
      LEDGER_URL: target.uri,
      WORKERS_PER_PROCESS: "2",
      POLL_INTERVAL_MS: "250",
      LOCK_TIMEOUT_MS: "3000",
    };
    cluster = await startFakeCluster({ replicas: 2, workerEnv: service, labels });
    triggerPort = await freePort();
    trigger = spawnOwned(
      process.execPath,
      ["--import", "tsx", join(projectRoot, "harness/processes/triggerMain.ts")],
      {
        name: "trigger service",
        lifeline: "watchdog",
        cwd: projectRoot,
        env: { MONGO_URL: target.uri, HARNESS_DB: dbName, PORT: String(triggerPort), HOST: "127.0.0.1" },
      },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
    await trigger?.stop({ graceMs: 2000 });
    await target?.stop();
  });

  it("crash-recovery: binds the pods, kills through PodChaos, binds the replacements, partitions and skews through NetworkChaos and TimeChaos, passes, leaves no chaos behind", async () => {
    const reports = tempReports();
    const run = await runHarness(
      [
        "scenario",
        "crash-recovery",
        "--agent",
        "k8s",
        "--workers",
        "2",
        "--jobs",
        "50",
        "--seed",
        "3",
        "--fault",
        "partition:target=w1,at=0.3,for=1500",
        "--fault",
        "clock-offset:target=w2,at=0.1,for=1500,offset=-5000",
        "--reports-dir",
        reports,
      ],
      {
        MONGO_URL: target.uri,
        LEDGER_URL: target.uri,
        HARNESS_DB: dbName,
        HARNESS_K8S_API: cluster.url,
        HARNESS_K8S_NAMESPACE: cluster.namespace,
        HARNESS_K8S_WORKERS: "app.kubernetes.io/component=worker",
        HARNESS_K8S_TRIGGER: `http://127.0.0.1:${triggerPort}`,
        HARNESS_K8S_MONGO: "app.kubernetes.io/component=mongo",
      },
    );
    expect(run.code, run.all.slice(-3000)).toBe(0);
    const result = latestResult(reports);
    expect(result.verdict).toBe("pass");
    expect(result.counts.kills).toBe(2);
    expect(run.all).toMatch(/w1 is pod worker-[0-9a-f]+/);
    const kills = cluster.calls.filter((c) => c.startsWith("POST") && c.endsWith("pod-kill"));
    expect(kills).toHaveLength(2);
    // The network and clock faults as Chaos Mesh resources on the bound pod, each deleted when it healed.
    expect(
      cluster.calls.filter((c) => c.startsWith("POST") && /networkchaos partition$/.test(c)),
    ).toHaveLength(1);
    expect(
      cluster.calls.filter((c) => c.startsWith("POST") && /timechaos$/.test(c)),
      [...cluster.calls.filter((c) => !c.startsWith("GET")), run.all].join("\n"),
    ).toHaveLength(1);
    expect(result.faults?.failed).toEqual([]);
    expect(cluster.chaos.size).toBe(0);
    // Every writer's clock, pods and harness, measured; two recoveries at least.
    expect(result.clocks?.unmeasured).toEqual([]);
    expect(result.counts.recovered).toBeGreaterThanOrEqual(1);
  });

  it("refuses a fault it has no mapping for, in one line, before anything starts", async () => {
    const run = await runHarness(["scenario", "stall", "--agent", "k8s"], {
      HARNESS_K8S_API: cluster.url,
      HARNESS_K8S_WORKERS: "a=b",
      HARNESS_K8S_TRIGGER: "http://127.0.0.1:1",
      HARNESS_K8S_MONGO: "a=b",
      HARNESS_DB: "x",
    });
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/--agent k8s: fault pause-1: pause needs an exec of SIGSTOP/);
  });
});
