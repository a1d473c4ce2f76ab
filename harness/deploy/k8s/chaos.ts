/**
 * How each fault type of the harness maps onto Kubernetes: a Chaos Mesh resource where one fits
 * (PodChaos, NetworkChaos, TimeChaos), a plain Kubernetes API call otherwise, or no mapping (a
 * fault that acts by a request to the worker process itself, or that Chaos Mesh cannot express).
 * A fault with no mapping makes `deploy k8s` refuse the scenario, in one line.
 */
import type { PlannedFault } from "../../faults/faultType.ts";
import type { Plain } from "../yaml.ts";

/** Where the faults strike: the run's namespace, its worker pods, and the jobs' MongoDB. */
export interface ChaosTargets {
  namespace: string;
  /** Labels of the worker pods. */
  workers: Record<string, string>;
  /** The jobs' MongoDB: its pods' labels (in the cluster) or its host (outside). */
  mongo: { pods: Record<string, string> } | { host: string };
}

export type FaultMapping =
  | { via: "chaos-mesh"; kind: string; resource: Record<string, Plain> }
  | { via: "api"; call: string };

/** Chaos Mesh's API group and version. */
export const CHAOS_API = "chaos-mesh.org/v1alpha1";

const ms = (n: number) => `${n}ms`;

/** The worker pods a fault selects: one (a busy or named worker: the harness narrows it to a pod) or all. */
function selector(f: PlannedFault, t: ChaosTargets): Record<string, Plain> {
  return {
    mode: f.targets === "all" ? "all" : "one",
    selector: { namespaces: [t.namespace], labelSelectors: t.workers },
  };
}

function chaos(kind: string, f: PlannedFault, t: ChaosTargets, spec: Record<string, Plain>): FaultMapping {
  return {
    via: "chaos-mesh",
    kind,
    resource: {
      apiVersion: CHAOS_API,
      kind,
      metadata: { name: f.id, namespace: t.namespace },
      spec: { ...selector(f, t), ...spec },
    },
  };
}

/** The NetworkChaos fields that aim a worker's traffic at the jobs' MongoDB. */
function towardMongo(t: ChaosTargets): Record<string, Plain> {
  return "host" in t.mongo
    ? { direction: "to", externalTargets: [t.mongo.host] }
    : {
        direction: "to",
        target: { mode: "all", selector: { namespaces: [t.namespace], labelSelectors: t.mongo.pods } },
      };
}

/** The mapping of one planned fault, or why it has none. */
export function mapFault(f: PlannedFault, t: ChaosTargets): FaultMapping | { none: string } {
  const s = f.spec;
  switch (s.type) {
    case "kill":
      return chaos("PodChaos", f, t, { action: "pod-kill", gracePeriod: 0 });
    case "terminate":
      // A graceful delete: the kubelet sends SIGTERM and waits the pod's grace period.
      return { via: "api", call: "DELETE pod (default grace period: SIGTERM, then SIGKILL after 30 s)" };
    case "partition":
      return chaos("NetworkChaos", f, t, { action: "partition", ...towardMongo(t), duration: ms(s.forMs) });
    case "blackhole":
      return chaos("NetworkChaos", f, t, {
        action: "loss",
        loss: { loss: "100", correlation: "100" },
        ...towardMongo(t),
        duration: ms(s.forMs),
      });
    case "latency":
      return chaos("NetworkChaos", f, t, {
        action: "delay",
        delay: { latency: ms(s.latencyMs), jitter: ms(s.jitterMs), correlation: "0" },
        ...towardMongo(t),
        duration: ms(s.forMs),
      });
    case "bandwidth":
      return chaos("NetworkChaos", f, t, {
        action: "bandwidth",
        bandwidth: {
          rate: `${Math.max(1, Math.round(s.rateKBps * 8))}kbps`,
          limit: 20_971_520,
          buffer: 10_000,
        },
        ...towardMongo(t),
        duration: ms(s.forMs),
      });
    case "clock-offset":
      return chaos("TimeChaos", f, t, {
        timeOffset: ms(s.offsetMs),
        clockIds: ["CLOCK_REALTIME"],
        duration: ms(s.forMs),
      });
    case "pause":
      return {
        none: "pause needs an exec of SIGSTOP into the worker's container, which this harness does not do on Kubernetes yet",
      };
    case "block-loop":
    case "out-of-memory":
      return { none: `${s.type} acts by a request to the worker process itself, which a pod does not take` };
    case "reset-peer":
      return { none: "reset-peer has no Chaos Mesh counterpart (NetworkChaos does not reset connections)" };
    case "clock-drift":
      return { none: "clock-drift has no Chaos Mesh counterpart (TimeChaos sets a fixed offset)" };
  }
}
