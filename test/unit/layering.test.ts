import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../support/harnessCli.ts";

/**
 * The folders of harness/, from the top (the command line) down to the shared utilities. A folder
 * may import only from folders below it: imports point one way, so each folder can be read, tested
 * and replaced knowing only what is under it. docs/architecture.md draws the same order.
 */
const layers = [
  "cli",
  "bench",
  "analyze",
  "app",
  "run",
  "deploy",
  "report",
  "scenario",
  "load",
  "agents",
  "faults",
  "probe",
  "processes",
  "trigger",
  "adapters",
  "servers",
  "checkers",
  "ledger",
  "util",
] as const;

const root = join(projectRoot, "harness");

/** Every module specifier of a file: static imports and exports, dynamic import(), import.meta.resolve, new URL. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\b[^"'`;]*?\sfrom\s*["']([^"']+)["']/g,
    /(?:^|\n)\s*import\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\.meta\.resolve\(\s*["']([^"']+)["']\s*\)/g,
    /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const p of patterns) for (const m of text.matchAll(p)) out.push(m[1] as string);
  return out;
}

/** Every import of one harness folder from another: [from, to, file, specifier]. */
function crossImports(): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        const from = relative(root, path).split("/")[0] as string;
        for (const spec of specifiers(readFileSync(path, "utf8"))) {
          if (!spec.startsWith(".")) continue;
          const target = relative(root, join(dir, spec)).split("/");
          // Outside harness/: the scenarios (plain data on the scenario model) are named as their folder.
          const to = (target[0] === ".." ? `../${target[1]}` : target[0]) as string;
          if (to !== from) out.push([from, to, relative(projectRoot, path), spec]);
        }
      }
    }
  };
  walk(root);
  return out;
}

describe("module layering", () => {
  it("names every folder of harness/ in the order, and no file lies outside a folder", () => {
    const entries = readdirSync(root);
    expect(entries.filter((e) => !statSync(join(root, e)).isDirectory())).toEqual([]);
    expect([...entries].sort()).toEqual([...layers].sort());
  });

  it("imports point down only: no folder imports one above it, dynamic imports included", () => {
    // The scenario registry (../scenarios) is data written on the scenario model: only the command
    // line looks scenarios up by name; the engine never imports one.
    const rank = (folder: string) =>
      folder === "../scenarios" ? 0.5 : layers.indexOf(folder as (typeof layers)[number]);
    const upward = crossImports()
      .filter(([from, to]) => rank(to) < 0 || rank(to) < rank(from))
      .map(([from, to, file, spec]) => `${file} (${from}) imports ${spec} (${to})`);
    expect(upward).toEqual([]);
  });

  it("finds the imports it checks: a static, a dynamic and a URL import are all seen", () => {
    const found = specifiers(
      'import { a } from "../x.ts";\nexport { b } from "./y.ts";\nconst m = await import("../z.ts");\nconst u = new URL("../w.ts", import.meta.url);\nconst r = import.meta.resolve("./v.ts");',
    );
    expect(found.sort()).toEqual(["../w.ts", "../x.ts", "../z.ts", "./v.ts", "./y.ts"]);
  });
});
