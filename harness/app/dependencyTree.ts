/**
 * What the service's own dependency tree holds of the packages a scheduler's correctness depends
 * on: every installed copy of the MongoDB driver, BSON, mongo-job-scheduler and Mongoose, and which
 * driver the scheduler and Mongoose each resolve. Two drivers of different majors side by side are
 * a known way for a service to break its scheduler (an ObjectId or a Db of one handed to the other
 * fails with BSONVersionError), and nothing in the service's own code shows it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

const WATCHED = ["mongodb", "bson", "mongo-job-scheduler", "mongoose", "agenda"];

export interface InstalledPackage {
  name: string;
  version: string;
  /** Relative to the service's folder. */
  path: string;
}

export interface DependencyTree {
  packages: InstalledPackage[];
  /** The driver each of these resolves, relative to the service's folder. */
  resolves: Record<string, string>;
  /** What looks wrong, one line each. */
  warnings: string[];
}

function readPackage(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** Every watched package under `dir/node_modules`, nested copies included (to a bounded depth). */
function walk(root: string, dir: string, depth: number, out: InstalledPackage[]): void {
  const modules = join(dir, "node_modules");
  if (depth > 8 || !existsSync(modules)) return;
  let entries: string[];
  try {
    entries = readdirSync(modules);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dirs = entry.startsWith("@")
      ? safeList(join(modules, entry)).map((e) => join(modules, entry, e))
      : [join(modules, entry)];
    for (const d of dirs) {
      const pkg = readPackage(d);
      if (pkg?.name && WATCHED.includes(pkg.name))
        out.push({ name: pkg.name, version: pkg.version ?? "?", path: relative(root, d) });
      walk(root, d, depth + 1, out);
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The folder of the `mongodb` package that code in `from` would load, if any. */
function driverOf(from: string): string | undefined {
  try {
    return dirname(createRequire(join(from, "package.json")).resolve("mongodb/package.json"));
  } catch {
    return undefined;
  }
}

/** Reads the service's tree from its folder (where `npm install` put its node_modules). */
export function inspectDependencyTree(cwd: string): DependencyTree {
  const packages: InstalledPackage[] = [];
  walk(cwd, cwd, 0, packages);
  const resolves: Record<string, string> = {};
  const own = driverOf(cwd);
  if (own) resolves["the service"] = relative(cwd, own);
  for (const owner of ["mongo-job-scheduler", "mongoose", "agenda"]) {
    // The copy nearest the service's root is the one its own code loads.
    const at = packages.filter((p) => p.name === owner).sort((a, b) => a.path.length - b.path.length)[0];
    const driver = at ? driverOf(join(cwd, at.path)) : undefined;
    if (driver) resolves[owner] = relative(cwd, driver);
  }
  const versionAt = (path: string) =>
    packages.find((p) => p.name === "mongodb" && p.path === path)?.version ?? "?";
  const drivers = new Set(Object.values(resolves));
  const warnings =
    drivers.size > 1 && resolves["mongo-job-scheduler"]
      ? [
          `the service loads ${drivers.size} MongoDB drivers: ${Object.entries(resolves)
            .map(([who, path]) => `${who} mongodb ${versionAt(path)} (${path})`)
            .join(", ")}; a Db or an ObjectId of one handed to another fails with BSONVersionError`,
        ]
      : [];
  return { packages, resolves, warnings };
}
