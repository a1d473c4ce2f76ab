import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../support/harnessCli.ts";

/** Every harness folder a harness folder imports from (relative imports only). */
function folderImports(): Map<string, Set<string>> {
  const root = join(projectRoot, "harness");
  const deps = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        const from = relative(root, dir).split("/")[0] || ".";
        for (const m of readFileSync(path, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
          const target = relative(root, join(dir, m[1] as string)).split("/");
          const to = target.length > 1 ? (target[0] as string) : ".";
          if (to !== from) deps.set(from, (deps.get(from) ?? new Set()).add(to));
        }
      }
    }
  };
  walk(root);
  return deps;
}

describe("module layering", () => {
  it.each([
    ["sut", "run"],
    ["sut", "ui"],
  ])("has no import cycle between harness/%s and harness/%s", (a, b) => {
    const deps = folderImports();
    const ab = deps.get(a)?.has(b) ?? false;
    const ba = deps.get(b)?.has(a) ?? false;
    expect(ab && ba).toBe(false);
    // The system under test must not reach into the run or the UI layer.
    expect(ab).toBe(false);
  });
});
