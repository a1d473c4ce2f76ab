import { cpus } from "node:os";

/** What a bench figure depends on besides the code: baselines carry it, comparisons check it. */
export interface Fingerprint {
  provider: string;
  serverVersion: string;
  cpuModel: string;
  cpuCount: number;
  node: string;
  driver: string;
}

/** This machine's fingerprint, given the server and the driver in use. */
export function currentFingerprint(
  server: { provider: string; version: string },
  driver: string,
): Fingerprint {
  const list = cpus();
  return {
    provider: server.provider,
    serverVersion: server.version,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cpuCount: list.length,
    node: process.version,
    driver,
  };
}

/** The fields in which two fingerprints differ, as "field: a ≠ b" lines; empty when alike. */
export function fingerprintDifferences(a: Fingerprint | undefined, b: Fingerprint): string[] {
  if (!a) return ["the baseline carries no environment fingerprint"];
  const keys: (keyof Fingerprint)[] = ["provider", "serverVersion", "cpuModel", "cpuCount", "node", "driver"];
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${String(a[k])} ≠ ${String(b[k])}`);
}
