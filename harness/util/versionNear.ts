import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The version in the nearest package.json above a file. */
export function versionNear(file: string): string {
  let dir = dirname(file);
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
      if (json.version) return json.version;
    }
    dir = dirname(dir);
  }
  return "unknown";
}
