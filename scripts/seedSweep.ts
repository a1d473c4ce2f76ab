/**
 * Runs scenarios over several seeds, one run at a time, and tabulates every verdict:
 *
 *   npm run sweep:seeds -- --scenarios crash-recovery,dedupe --seeds 1-10 [-- <harness scenario flags>]
 *
 * `--scenarios all` takes every registered scenario except the real-time one (minutes per run).
 * Each run is the ordinary `harness scenario <name> --seed <s>` with its default settings plus the
 * flags after `--`; its run folder stays under `--reports-dir` (default reports/sweeps/<timestamp>), so
 * every verdict in the table can be opened and re-analyzed. Writes `sweep.json` and `sweep.md` there.
 * This is how the README's "no false alarm over ten seeds" figure is measured; it is not a test.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { scenarios } from "../scenarios/index.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function seedList(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (!m) return [Number(part)];
    const out: number[] = [];
    for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(s);
    return out;
  });
}

const dash = process.argv.indexOf("--", 2);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const wanted = arg("scenarios") ?? "all";
const names =
  wanted === "all" ? Object.keys(scenarios).filter((n) => n !== "long-jobs-realtime") : wanted.split(",");
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length > 0) {
  process.stderr.write(`seed sweep: unknown scenario ${unknown.join(", ")}; see npx harness list\n`);
  process.exit(3);
}
const seeds = seedList(arg("seeds") ?? "1-10");
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  process.stderr.write("seed sweep: --seeds takes integers and ranges, e.g. 1-10 or 101,202,303\n");
  process.exit(3);
}
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const dir = resolve(arg("reports-dir") ?? join("reports", "sweeps", stamp));
mkdirSync(dir, { recursive: true });

type Row = { scenario: string; seed: number; exit: number | null; verdict: string; seconds: number; checkers: string; folder: string };
const rows: Row[] = [];
const verdictOfExit: Record<number, string> = { 0: "pass", 1: "fail", 2: "unknown", 3: "invalid", 4: "crash" };
for (const seed of seeds) {
  for (const scenario of names) {
    const reportsDir = join(dir, `${scenario}-${seed}`);
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ["bin/harness.js", "scenario", scenario, "--seed", String(seed), "--reports-dir", reportsDir, ...extra],
      { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(dir, `${scenario}-${seed}.log`), `${child.stdout}\n${child.stderr}`);
    const runFolder = latestRun(reportsDir);
    let checkers = "";
    if (runFolder && existsSync(join(runFolder, "result.json"))) {
      const result = JSON.parse(readFileSync(join(runFolder, "result.json"), "utf8")) as {
        checkers: Record<string, { name: string; verdict: string; informational?: boolean }>;
      };
      checkers = Object.values(result.checkers)
        .filter((c) => c.verdict !== "pass")
        .map((c) => `${c.name}=${c.verdict}${c.informational ? "(info)" : ""}`)
        .join(" ");
    }
    const row: Row = {
      scenario,
      seed,
      exit: child.status,
      verdict: child.status === null ? `signal ${child.signal}` : (verdictOfExit[child.status] ?? `exit ${child.status}`),
      seconds,
      checkers,
      folder: runFolder ?? "",
    };
    rows.push(row);
    process.stdout.write(`${scenario} seed ${seed}: ${row.verdict} in ${seconds.toFixed(1)} s ${checkers}\n`);
  }
}

function latestRun(reportsDir: string): string | undefined {
  if (!existsSync(reportsDir)) return undefined;
  for (const sub of readdirSync(reportsDir, { withFileTypes: true })) {
    if (!sub.isDirectory() || sub.name === "latest") continue;
    const runs = readdirSync(join(reportsDir, sub.name), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "latest");
    if (runs.length > 0) return join(reportsDir, sub.name, (runs.map((d) => d.name).sort().at(-1)) as string);
  }
  return undefined;
}

const lines = [
  "| scenario | " + seeds.map((s) => `seed ${s}`).join(" | ") + " |",
  "| --- | " + seeds.map(() => "---").join(" | ") + " |",
  ...names.map(
    (n) => `| ${n} | ${seeds.map((s) => rows.find((r) => r.scenario === n && r.seed === s)?.verdict ?? "").join(" | ")} |`,
  ),
];
writeFileSync(join(dir, "sweep.json"), `${JSON.stringify({ extra, rows }, null, 2)}\n`);
writeFileSync(join(dir, "sweep.md"), `${lines.join("\n")}\n`);
process.stdout.write(`\n${lines.join("\n")}\nsweep: ${dir}\n`);
process.exit(rows.every((r) => r.exit === 0) ? 0 : 1);
