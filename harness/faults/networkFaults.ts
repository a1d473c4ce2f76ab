/**
 * Faults on the network between a worker process and MongoDB, through the worker's own Toxiproxy
 * proxy: a full partition (proxy disabled), a black hole (connections stay open, nothing passes),
 * connection resets, added latency with jitter, and a bandwidth limit.
 */
import type { FaultEnv, FaultType, Injected, ProxyControl, ToxicSpec } from "./faultType.ts";

function proxiesOf(env: FaultEnv): ProxyControl {
  if (!env.proxies) throw new Error("network faults need the run's proxies (Toxiproxy)");
  return env.proxies;
}

/** Adds the toxics to every target's proxy; the heal removes them (also when the run is ending). */
async function withToxics(
  env: FaultEnv,
  procs: string[],
  toxics: (proc: string) => ToxicSpec[],
  what: string,
): Promise<Injected> {
  const proxies = proxiesOf(env);
  const added: [string, string][] = [];
  const heal = async () => {
    const errors: string[] = [];
    for (const [proc, name] of added) {
      await proxies.removeToxic(proc, name).catch((e: unknown) => errors.push(`${proc}: ${String(e)}`));
    }
    if (errors.length) throw new Error(`could not remove ${what}: ${errors.join("; ")}`);
    env.progress(`healed ${what} on ${procs.join(", ")}`);
    return undefined;
  };
  try {
    for (const proc of procs) {
      for (const toxic of toxics(proc)) {
        await proxies.addToxic(proc, toxic);
        added.push([proc, toxic.name]);
      }
    }
  } catch (error) {
    await heal().catch(() => {});
    throw error;
  }
  env.progress(`${what} on ${procs.join(", ")}`);
  return { heal };
}

const bothWays = (name: string, type: ToxicSpec["type"], attributes: Record<string, number>): ToxicSpec[] => [
  { name: `${name}-up`, type, stream: "upstream", attributes },
  { name: `${name}-down`, type, stream: "downstream", attributes },
];

export const partitionFault: FaultType<"partition"> = {
  kind: "partition",
  summary: "cut a worker process off from MongoDB (its proxy refuses and closes every connection) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  async inject(fault, procs, env) {
    const proxies = proxiesOf(env);
    const cut: string[] = [];
    const heal = async () => {
      const errors: string[] = [];
      for (const proc of cut)
        await proxies.setEnabled(proc, true).catch((e: unknown) => errors.push(`${proc}: ${String(e)}`));
      if (errors.length) throw new Error(`could not reconnect: ${errors.join("; ")}`);
      env.progress(`healed the partition of ${procs.join(", ")}`);
      return undefined;
    };
    const jobs = Object.fromEntries(
      procs.map(
        (p) => [p, env.live.inFlight(env.processes.instanceOf(p) ?? "").map((e) => e.jobId)] as const,
      ),
    );
    try {
      for (const proc of procs) {
        await proxies.setEnabled(proc, false);
        cut.push(proc);
      }
    } catch (error) {
      await heal().catch(() => {});
      throw error;
    }
    env.progress(`partitioned ${procs.join(", ")} from MongoDB for ${fault.spec.forMs} ms`);
    return { detail: { inFlight: jobs }, heal };
  },
};

export const blackholeFault: FaultType<"blackhole"> = {
  kind: "blackhole",
  summary: "black-hole a worker's traffic to MongoDB (connections stay open, nothing passes) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(env, procs, () => bothWays(fault.id, "timeout", { timeout: 0 }), `black hole (${fault.id})`),
};

export const resetPeerFault: FaultType<"reset-peer"> = {
  kind: "reset-peer",
  summary: "reset every connection a worker opens to MongoDB (TCP RST) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => [{ name: fault.id, type: "reset_peer", stream: "upstream", attributes: { timeout: 0 } }],
      `connection resets (${fault.id})`,
    ),
};

export const latencyFault: FaultType<"latency"> = {
  kind: "latency",
  summary: "add latencyMs ± jitterMs to every reply from MongoDB for forMs",
  effect: "degraded",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => [
        {
          name: fault.id,
          type: "latency",
          stream: "downstream",
          attributes: { latency: fault.spec.latencyMs, jitter: fault.spec.jitterMs },
        },
      ],
      `latency ${fault.spec.latencyMs} ± ${fault.spec.jitterMs} ms (${fault.id})`,
    ),
};

export const bandwidthFault: FaultType<"bandwidth"> = {
  kind: "bandwidth",
  summary: "limit a worker's traffic to MongoDB to rateKBps each way for forMs",
  effect: "degraded",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => bothWays(fault.id, "bandwidth", { rate: fault.spec.rateKBps }),
      `bandwidth ${fault.spec.rateKBps} KB/s (${fault.id})`,
    ),
};
