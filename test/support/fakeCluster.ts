/**
 * A fake Kubernetes API for the Kubernetes agent, in the test's process: the pods of one worker
 * Deployment are real worker processes of this machine (workers run as services, each named by its
 * pod, writing a database ledger), kept at their number as a ReplicaSet would; a pod delete stops
 * its process (SIGTERM, or SIGKILL with a grace period of 0) and starts a replacement; a PodChaos
 * pod-kill does what Chaos Mesh does. Every call is recorded.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type OwnedChild, spawnOwned } from "../../harness/util/ownedChild.ts";
import { projectRoot } from "./harnessCli.ts";

interface FakePod {
  name: string;
  uid: string;
  child: OwnedChild;
  deleting: boolean;
}

/** A worker run as a service (nothing but its environment), owned by the test. */
export function startServiceWorker(name: string, env: Record<string, string>): OwnedChild {
  return spawnOwned(
    process.execPath,
    ["--import", "tsx", join(projectRoot, "harness/processes/workerMain.ts")],
    {
      name,
      lifeline: "watchdog",
      cwd: projectRoot,
      env,
    },
  );
}

export interface FakeCluster {
  url: string;
  namespace: string;
  /** Every call, as "METHOD path" (and the chaos kind and action for creations). */
  calls: string[];
  /** Chaos resources created and not deleted, `kind/name`. */
  chaos: Map<string, unknown>;
  stop(): Promise<void>;
}

export async function startFakeCluster(o: {
  replicas: number;
  workerEnv: Record<string, string>;
  labels: Record<string, string>;
}): Promise<FakeCluster> {
  const namespace = "harness-test";
  const pods = new Map<string, FakePod>();
  const calls: string[] = [];
  const chaos = new Map<string, unknown>();
  let stopping = false;

  const startPod = () => {
    const name = `worker-${randomBytes(3).toString("hex")}`;
    const child = startServiceWorker(`pod ${name}`, { ...o.workerEnv, HARNESS_PROC: name });
    const pod: FakePod = { name, uid: randomBytes(8).toString("hex"), child, deleting: false };
    pods.set(name, pod);
    // The ReplicaSet: a pod that goes is replaced.
    void child.exited.then(() => {
      pods.delete(name);
      if (!stopping) startPod();
    });
  };
  const stopPod = (pod: FakePod, graceSeconds: number) => {
    pod.deleting = true;
    if (graceSeconds === 0) pod.child.kill();
    else void pod.child.stop({ graceMs: graceSeconds * 1000 });
  };
  for (let i = 0; i < o.replicas; i++) startPod();

  const asJson = (p: FakePod) => ({
    metadata: {
      name: p.name,
      uid: p.uid,
      labels: o.labels,
      ...(p.deleting ? { deletionTimestamp: new Date().toISOString() } : {}),
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  });

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const podPath = new RegExp(`^/api/v1/namespaces/${namespace}/pods(?:/([^/]+))?$`).exec(url.pathname);
      const chaosPath = new RegExp(
        `^/apis/chaos-mesh.org/v1alpha1/namespaces/${namespace}/(\\w+)(?:/([^/]+))?$`,
      ).exec(url.pathname);
      const spec = (parsed.spec ?? {}) as { action?: string; selector?: { pods?: Record<string, string[]> } };
      calls.push(
        `${req.method} ${url.pathname}${req.method === "POST" && spec.action ? ` ${spec.action}` : ""}`,
      );
      if (podPath && !podPath[1] && req.method === "GET")
        return send(200, { items: [...pods.values()].map(asJson) });
      if (podPath?.[1]) {
        const pod = pods.get(podPath[1]);
        if (!pod) return send(404, { message: "not found" });
        if (req.method === "GET") return send(200, asJson(pod));
        if (req.method === "DELETE") {
          stopPod(pod, (parsed.gracePeriodSeconds as number | undefined) ?? 30);
          return send(200, asJson(pod));
        }
      }
      if (chaosPath) {
        const [, plural, name] = chaosPath;
        if (req.method === "POST" && !name) {
          const meta = parsed.metadata as { name: string };
          chaos.set(`${plural}/${meta.name}`, parsed);
          if (plural === "podchaos" && spec.action === "pod-kill")
            for (const n of spec.selector?.pods?.[namespace] ?? []) {
              const pod = pods.get(n);
              if (pod) stopPod(pod, 0);
            }
          return send(201, parsed);
        }
        if (req.method === "DELETE" && name) {
          const had = chaos.delete(`${plural}/${name}`);
          return send(had ? 200 : 404, {});
        }
      }
      send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    namespace,
    calls,
    chaos,
    async stop() {
      stopping = true;
      await Promise.all([...pods.values()].map((p) => p.child.stop({ graceMs: 2000 })));
      await new Promise((r) => server.close(r));
    },
  };
}
