/** What the faults on a worker's network share: its proxy, and toxics added and removed together. */
import type { FaultEnv, Injected, ProxyControl, ToxicSpec } from "../faultType.ts";

export function proxiesOf(env: FaultEnv): ProxyControl {
  if (!env.proxies) throw new Error("network faults need the run's proxies (Toxiproxy)");
  return env.proxies;
}

/** Adds the toxics to every target's proxy; the heal removes them (also when the run is ending). */
export async function withToxics(
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

/** The same toxic on both streams (to and from MongoDB). */
export const bothWays = (
  name: string,
  type: ToxicSpec["type"],
  attributes: Record<string, number>,
): ToxicSpec[] => [
  { name: `${name}-up`, type, stream: "upstream", attributes },
  { name: `${name}-down`, type, stream: "downstream", attributes },
];
