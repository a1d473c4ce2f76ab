/**
 * How each fault type of the harness maps onto Kubernetes, defined once for the manifests that
 * `deploy k8s` writes and for the Kubernetes agent that strikes them: a Chaos Mesh resource where
 * one fits (PodChaos, NetworkChaos, TimeChaos), a plain Kubernetes API call otherwise, or no mapping
 * (a fault that acts by a request to the worker process itself, or that Chaos Mesh cannot express),
 * which makes `deploy k8s` refuse the scenario in one line.
 */
import type { PlannedFault, ToxicSpec } from "../faults/faultType.ts";

/** Plain data, as a manifest holds it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Chaos Mesh's API group and version. */
export const CHAOS_API = "chaos-mesh.org/v1alpha1";

/** Where the faults strike: the run's namespace, its worker pods, and the jobs' MongoDB. */
export interface ChaosTargets {
  namespace: string;
  /** Labels of the worker pods. */
  workers: Record<string, string>;
  /** The jobs' MongoDB: its pods' labels (in the cluster) or its host (outside). */
  mongo: { pods: Record<string, string> } | { host: string };
}

/** Which worker pods a resource selects: one of those with the workers' labels, all of them, or one named pod. */
export type PodChoice = { one: true } | { all: true } | { pod: string };

export type FaultMapping =
  | { via: "chaos-mesh"; kind: string; resource: { [key: string]: Json } }
  | { via: "api"; call: string };

const ms = (n: number) => `${n}ms`;

function select(choice: PodChoice, t: ChaosTargets): { [key: string]: Json } {
  if ("pod" in choice) return { mode: "one", selector: { pods: { [t.namespace]: [choice.pod] } } };
  return {
    mode: "all" in choice ? "all" : "one",
    selector: { namespaces: [t.namespace], labelSelectors: t.workers },
  };
}

/** A Chaos Mesh resource of `kind` on the chosen worker pods. */
export function chaosResource(
  kind: "PodChaos" | "NetworkChaos" | "TimeChaos",
  name: string,
  choice: PodChoice,
  t: ChaosTargets,
  spec: { [key: string]: Json },
): { [key: string]: Json } {
  return {
    apiVersion: CHAOS_API,
    kind,
    metadata: { name, namespace: t.namespace },
    spec: { ...select(choice, t), ...spec },
  };
}

/** The NetworkChaos fields that aim a worker's traffic at the jobs' MongoDB (`to`: requests, `from`: replies). */
function towardMongo(t: ChaosTargets, direction: "to" | "from" | "both" = "to"): { [key: string]: Json } {
  return "host" in t.mongo
    ? { direction, externalTargets: [t.mongo.host] }
    : {
        direction,
        target: { mode: "all", selector: { namespaces: [t.namespace], labelSelectors: t.mongo.pods } },
      };
}

/** The spec of each kind of chaos the faults use, without its selector. */
export const chaosSpecs = {
  kill: (): { [key: string]: Json } => ({ action: "pod-kill", gracePeriod: 0 }),
  partition: (t: ChaosTargets) => ({ action: "partition", ...towardMongo(t) }),
  loss: (t: ChaosTargets, direction: "to" | "from" | "both" = "both") => ({
    action: "loss",
    loss: { loss: "100", correlation: "100" },
    ...towardMongo(t, direction),
  }),
  delay: (
    t: ChaosTargets,
    latencyMs: number,
    jitterMs: number,
    direction: "to" | "from" | "both" = "to",
  ) => ({
    action: "delay",
    delay: { latency: ms(latencyMs), jitter: ms(jitterMs), correlation: "0" },
    ...towardMongo(t, direction),
  }),
  bandwidth: (t: ChaosTargets, rateKBps: number, direction: "to" | "from" | "both" = "both") => ({
    action: "bandwidth",
    bandwidth: { rate: `${Math.max(1, Math.round(rateKBps * 8))}kbps`, limit: 20_971_520, buffer: 10_000 },
    ...towardMongo(t, direction),
  }),
  time: (offsetMs: number): { [key: string]: Json } => ({
    timeOffset: ms(offsetMs),
    clockIds: ["CLOCK_REALTIME"],
  }),
};

/** The NetworkChaos spec of one Toxiproxy toxic, or why it has none (the agent's network faults). */
export function toxicChaos(toxic: ToxicSpec, t: ChaosTargets): { [key: string]: Json } | { none: string } {
  const direction = toxic.stream === "upstream" ? "to" : "from";
  switch (toxic.type) {
    case "latency":
      return chaosSpecs.delay(t, toxic.attributes.latency ?? 0, toxic.attributes.jitter ?? 0, direction);
    case "bandwidth":
      return chaosSpecs.bandwidth(t, toxic.attributes.rate ?? 1, direction);
    case "timeout":
      return chaosSpecs.loss(t, direction);
    case "reset_peer":
      return { none: "reset-peer has no Chaos Mesh counterpart (NetworkChaos does not reset connections)" };
  }
}

/** The mapping of one planned fault onto the workers' labels (the manifests), or why it has none. */
export function mapFault(f: PlannedFault, t: ChaosTargets): FaultMapping | { none: string } {
  const s = f.spec;
  const choice: PodChoice = f.targets === "all" ? { all: true } : { one: true };
  const chaos = (kind: "PodChaos" | "NetworkChaos" | "TimeChaos", spec: { [key: string]: Json }) => ({
    via: "chaos-mesh" as const,
    kind,
    resource: chaosResource(kind, f.id, choice, t, spec),
  });
  switch (s.type) {
    case "kill":
      return chaos("PodChaos", chaosSpecs.kill());
    case "terminate":
      // A graceful delete: the kubelet sends SIGTERM and waits the pod's grace period.
      return { via: "api", call: "DELETE pod (default grace period: SIGTERM, then SIGKILL after 30 s)" };
    case "partition":
      return chaos("NetworkChaos", { ...chaosSpecs.partition(t), duration: ms(s.forMs) });
    case "blackhole":
      return chaos("NetworkChaos", { ...chaosSpecs.loss(t), duration: ms(s.forMs) });
    case "latency":
      return chaos("NetworkChaos", {
        ...chaosSpecs.delay(t, s.latencyMs, s.jitterMs, "from"),
        duration: ms(s.forMs),
      });
    case "bandwidth":
      return chaos("NetworkChaos", { ...chaosSpecs.bandwidth(t, s.rateKBps), duration: ms(s.forMs) });
    case "clock-offset":
      return chaos("TimeChaos", { ...chaosSpecs.time(s.offsetMs), duration: ms(s.forMs) });
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
    case "rolling-restart":
    case "scale":
      return {
        none: `${s.type} is the Deployment's own rollout and replicas on Kubernetes (kubectl rollout restart, kubectl scale), not a fault the harness injects there yet`,
      };
    case "db-restart":
      return {
        none: "db-restart restarts a server the harness started on this machine; on Kubernetes the database is not the harness's",
      };
  }
}
