import { faultRegistry } from "./registry.ts";

/** Short keys a `--fault` flag may use: `for` for every type's window, and each type's own. */
function aliasesOf(type: string): Readonly<Record<string, string>> {
  const own = Object.hasOwn(faultRegistry, type)
    ? faultRegistry[type as keyof typeof faultRegistry].flagKeys
    : undefined;
  return { for: "forMs", ...own };
}

/**
 * Parses `--fault TYPE[:key=value,…]` (e.g. `partition:target=w2,at=0.3,for=6000`) into a fault
 * entry for the settings (the settings' schema then validates it with every other setting), or says
 * why it cannot be read.
 */
export function parseFaultFlag(text: string): Record<string, unknown> | string {
  const [type, rest] = text.split(/:(.*)/s, 2) as [string, string | undefined];
  const entry: Record<string, unknown> = { type: type.trim() };
  const aliases = aliasesOf(type.trim());
  for (const part of (rest ?? "").split(",").filter((p) => p.trim() !== "")) {
    const [key, value] = part.split("=", 2).map((s) => s.trim()) as [string, string | undefined];
    if (!key || value === undefined || value === "") return `--fault ${text}: "${part}" is not key=value`;
    const field = aliases[key] ?? key;
    entry[field] = value !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return entry;
}
