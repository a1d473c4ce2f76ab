/**
 * The agent of a run on Kubernetes: the harness runs in a Job, the workers are the pods of a
 * Deployment it does not start and never talks to (they write a database ledger). Each logical
 * worker (w1, w2, …) is bound to one ready pod whose worker has written to the ledger; a kill is a
 * PodChaos pod-kill of that pod, a graceful stop a pod delete, a restart the binding of the pod the
 * Deployment starts in its place; network faults are NetworkChaos and clock faults TimeChaos
 * resources on that pod, deleted when they heal. Every resource it creates is deleted by `stopAll`.
 */
import type { ToxicSpec } from "../faults/faultType.ts";
import type { ProcessRecord } from "../ledger/records.ts";
import type { Agent, ClockControl, ProxyControl, WorkerStart } from "./agent.ts";
import { type K8sApi, type Pod, podReady } from "./k8sApi.ts";
import { type ChaosTargets, chaosResource, chaosSpecs, type Json, toxicChaos } from "./k8sChaos.ts";

export interface K8sAgentOptions {
  api: K8sApi;
  /** The worker pods' label selector (`k=v,k=v`) and the jobs' MongoDB as NetworkChaos aims at it. */
  workerSelector: string;
  mongo: ChaosTargets["mongo"];
  /** The instance id a pod's worker writes its ledger under, once it has written (undefined before). */
  instanceOfPod(pod: string): Promise<string | undefined>;
  onProcess(record: ProcessRecord): void;
  progress(message: string): void;
  /** How often pods are looked at, and how long a worker may take to come up. */
  pollMs?: number;
  readyTimeoutMs?: number;
}

interface Bound {
  proc: string;
  pod: string;
  uid: string;
  instance: string;
  slots: number;
  alive: boolean;
  exited: Promise<number>;
  markExited(t: number): void;
}

/** A Kubernetes name: lower-case letters, digits and hyphens. */
const k8sName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");

export function labelsOf(selector: string): Record<string, string> {
  return Object.fromEntries(
    selector
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split("=") as [string, string]),
  );
}

export class K8sAgent implements Agent {
  readonly kind = "Kubernetes pods";
  readonly network: ProxyControl;
  readonly clocks: ClockControl;
  private readonly bound = new Map<string, Bound>();
  private readonly claimed = new Set<string>();
  /** Chaos resources created and not yet deleted, `Kind/name`. */
  private readonly created = new Set<string>();
  private readonly targets: ChaosTargets;
  private clockWork: Promise<void> = Promise.resolve();
  private kills = 0;

  constructor(private readonly o: K8sAgentOptions) {
    this.targets = { namespace: o.api.namespace, workers: labelsOf(o.workerSelector), mongo: o.mongo };
    this.network = {
      setEnabled: async (proc, enabled) => {
        const name = k8sName(`partition-${proc}`);
        if (enabled) await this.removeChaos("NetworkChaos", name);
        else await this.createChaos("NetworkChaos", name, proc, chaosSpecs.partition(this.targets));
      },
      addToxic: async (proc, toxic: ToxicSpec) => {
        const spec = toxicChaos(toxic, this.targets);
        if ("none" in spec) throw new Error(String(spec.none));
        await this.createChaos("NetworkChaos", k8sName(`${toxic.name}-${proc}`), proc, spec);
      },
      removeToxic: (proc, name) => this.removeChaos("NetworkChaos", k8sName(`${name}-${proc}`)),
    };
    this.clocks = {
      controls: () => true,
      // The interface is synchronous (a file write locally): the API calls run in order behind it.
      setOffset: (proc, offsetMs) => {
        const name = k8sName(`clock-${proc}`);
        this.clockWork = this.clockWork
          .then(async () => {
            await this.removeChaos("TimeChaos", name);
            if (offsetMs !== 0) await this.createChaos("TimeChaos", name, proc, chaosSpecs.time(offsetMs));
          })
          .catch((e: unknown) => this.o.progress(`could not move the clock of ${proc}: ${String(e)}`));
      },
    };
  }

  async startWorker(s: WorkerStart): Promise<number> {
    await this.bind(s.proc, s.slots);
    return 0;
  }

  /** The trigger server is the Deployment's: nothing to start. */
  async startTrigger(): Promise<number> {
    return 0;
  }

  /** Binds a logical worker to a ready pod not bound before, whose worker has written to the ledger. */
  private async bind(proc: string, slots: number, signal?: AbortSignal): Promise<Bound> {
    const deadline = Date.now() + (this.o.readyTimeoutMs ?? 300_000);
    for (;;) {
      if (signal?.aborted) throw new Error(`binding of ${proc} called off: the run is stopping`);
      const pods = (await this.o.api.listPods(this.o.workerSelector))
        .filter((p) => podReady(p) && !this.claimed.has(p.metadata.name))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      for (const pod of pods) {
        const instance = await this.o.instanceOfPod(pod.metadata.name);
        if (!instance) continue;
        return this.adopt(proc, slots, pod, instance);
      }
      if (Date.now() > deadline)
        throw new Error(
          `no ready worker pod (${this.o.workerSelector}) wrote to the ledger within ${Math.round((this.o.readyTimeoutMs ?? 300_000) / 1000)} s for ${proc}`,
        );
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 1000));
    }
  }

  private adopt(proc: string, slots: number, pod: Pod, instance: string): Bound {
    this.claimed.add(pod.metadata.name);
    let markExited: (t: number) => void = () => {};
    const exited = new Promise<number>((r) => {
      markExited = r;
    });
    const b: Bound = {
      proc,
      pod: pod.metadata.name,
      uid: pod.metadata.uid,
      instance,
      slots,
      alive: true,
      exited,
      markExited: (t) => {
        if (!b.alive) return;
        b.alive = false;
        this.o.onProcess({ type: "process", t, proc, instance, pid: 0, event: "exit", slots });
        markExited(t);
      },
    };
    this.bound.set(proc, b);
    this.o.onProcess({ type: "process", t: Date.now(), proc, instance, pid: 0, event: "ready", slots });
    this.o.progress(`${proc} is pod ${b.pod} (${instance})`);
    return b;
  }

  private require(proc: string): Bound {
    const b = this.bound.get(proc);
    if (!b) throw new Error(`no worker named ${proc}`);
    return b;
  }

  /**
   * Resolves once the pod is gone (or replaced under its name), with that time; rejects when it is
   * still there after `timeoutMs` (a pod-kill that Chaos Mesh did not carry out, a stop past its grace).
   */
  private async gone(b: Bound, timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.o.api.getPod(b.pod);
      if (!p || p.metadata.uid !== b.uid) return Date.now();
      if (Date.now() > deadline)
        throw new Error(
          `pod ${b.pod} of ${b.proc} was still there ${Math.round(timeoutMs / 1000)} s after it was struck`,
        );
      await new Promise((r) => setTimeout(r, Math.min(this.o.pollMs ?? 1000, 250)));
    }
  }

  async kill(proc: string): Promise<{ pid: number; instance: string; t: number }> {
    const b = this.require(proc);
    const name = k8sName(`kill-${proc}-${++this.kills}`);
    const t = Date.now();
    await this.createChaos("PodChaos", name, proc, chaosSpecs.kill());
    b.markExited(await this.gone(b));
    await this.removeChaos("PodChaos", name);
    return { pid: 0, instance: b.instance, t };
  }

  async terminate(proc: string): Promise<{ pid: number; t: number; exitedAt: number }> {
    const b = this.require(proc);
    const t = Date.now();
    await this.o.api.deletePod(b.pod);
    const exitedAt = await this.gone(b);
    b.markExited(exitedAt);
    return { pid: 0, t, exitedAt };
  }

  pause(proc: string): never {
    throw new Error(`pause ${proc}: no Kubernetes mapping here (an exec of SIGSTOP is not done)`);
  }

  resume(proc: string): never {
    throw new Error(`resume ${proc}: no Kubernetes mapping here`);
  }

  exited(proc: string): Promise<number> {
    return this.require(proc).exited;
  }

  async restart(proc: string, signal?: AbortSignal): Promise<{ pid: number; instance: string }> {
    const old = this.require(proc);
    await old.exited;
    const b = await this.bind(proc, old.slots, signal);
    return { pid: 0, instance: b.instance };
  }

  async request(proc: string, message: { type: string }): Promise<unknown> {
    throw new Error(`${proc} is a pod the harness does not talk to: no ${message.type} request`);
  }

  runningWorkers(): string[] {
    return [...this.bound.values()].filter((b) => b.alive).map((b) => b.proc);
  }

  workerNames(): string[] {
    return [...this.bound.keys()];
  }

  pidOf(proc: string): number | undefined {
    return this.bound.has(proc) ? 0 : undefined;
  }

  instanceOf(proc: string): string | undefined {
    return this.bound.get(proc)?.instance;
  }

  private async createChaos(
    kind: "PodChaos" | "NetworkChaos" | "TimeChaos",
    name: string,
    proc: string,
    spec: { [key: string]: Json },
  ): Promise<void> {
    const b = this.require(proc);
    const resource = chaosResource(kind, name, { pod: b.pod }, this.targets, spec) as {
      kind: string;
      metadata: { name: string };
    };
    await this.o.api.createChaos(resource);
    this.created.add(`${kind}/${name}`);
  }

  private async removeChaos(kind: string, name: string): Promise<void> {
    await this.o.api.deleteChaos(kind, name);
    this.created.delete(`${kind}/${name}`);
  }

  /** The Deployment owns the pods: stopping the run deletes every Chaos resource it created. */
  async stopAll(): Promise<void> {
    await this.clockWork;
    for (const key of [...this.created]) {
      const [kind, name] = key.split("/") as [string, string];
      await this.removeChaos(kind, name).catch((e: unknown) =>
        this.o.progress(`could not delete ${key}: ${String(e)}`),
      );
    }
  }

  killAll(): void {
    void this.stopAll();
  }
}
