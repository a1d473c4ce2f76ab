/**
 * The documentation's tables that mirror code, made from the code: the flags of every command, the
 * fault types, the scenarios, the checkers, the environment variables and the exit codes. Each
 * table sits in README.md or docs/ between `<!-- generated: NAME -->` and `<!-- end generated -->`.
 *
 *   npm run docs:tables          rewrites every table in place
 *   npm run docs:tables -- --check   exits 1, naming each table that differs (the unit tests run it)
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { scenarios } from "../scenarios/index.ts";
import { checkerRegistry } from "../harness/checkers/index.ts";
import { checkSettingsSchema } from "../harness/checkers/settings.ts";
import { type CommandName, commandFlags, type FlagSpec } from "../harness/cli/flags.ts";
import type { FaultEffect } from "../harness/faults/faultType.ts";
import { faultRegistry } from "../harness/faults/registry.ts";
import { runSettingsSchema } from "../harness/scenario/schema.ts";
import { envNameOf, type SettingFlagSpec, settingFlags } from "../harness/scenario/settingFlags.ts";
import { environmentVariables } from "../harness/util/environment.ts";
import { ExitCode, exitCodeMeanings } from "../harness/util/exitCodes.ts";

const root = join(import.meta.dirname, "..");

/** A markdown cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** The default a setting flag leaves in place: the settings schema's own. */
function settingDefault(spec: SettingFlagSpec): string {
  const defaults = runSettingsSchema.parse({ sut: {}, load: {}, faults: {}, check: {} }) as Record<
    string,
    unknown
  >;
  const [part, key] = spec.path;
  const value = key ? (defaults[part] as Record<string, unknown>)[key] : defaults[part];
  return value === undefined ? "—" : Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** One command's flags: the flag as typed, its meaning, its default and its environment variable. */
function flagsTable(command: CommandName): string {
  const flags = commandFlags[command] as Record<string, FlagSpec>;
  const rows = Object.entries(flags).map(([name, spec]) => {
    const setting = command === "scenario" ? (settingFlags as Record<string, SettingFlagSpec>)[name] : undefined;
    const usage = `\`--${name}${spec.type === "boolean" ? "" : ` ${spec.value ?? "V"}`}\``;
    const def = setting
      ? `${settingDefault(setting)} (or the scenario's)`
      : spec.default !== undefined
        ? String(spec.default)
        : "—";
    const choices = spec.choices ? ` (${spec.choices.join(", ")})` : "";
    return [usage, `${spec.describe}${choices}${spec.array ? "; repeatable" : ""}`, def, spec.env ? `\`${spec.env}\`` : "—"];
  });
  return rows.length ? table(["flag", "meaning", "default", "environment"], rows) : "This command takes no flags.";
}

const effects: Record<FaultEffect, string> = {
  down: "down: the process is gone, its executions died with it",
  unavailable: "unavailable: alive but cut off or frozen; its executions are unavailable, not lost",
  degraded: "degraded: slow but working",
  clock: "clock: working with a wrong wall clock",
};

function faultsTable(): string {
  return table(
    ["type", "what it does", "effect for the checkers", "needs", "short keys in --fault"],
    Object.values(faultRegistry).map((t) => [
      `\`${t.kind}\``,
      t.summary,
      effects[t.effect],
      t.needs.length ? t.needs.join(", ") : "—",
      ["for", ...Object.keys(t.flagKeys ?? {})].map((k) => `\`${k}\``).join(", "),
    ]),
  );
}

function scenariosTable(): string {
  return table(
    ["scenario", "what it tests", "needs"],
    Object.values(scenarios).map((s) => [`\`${s.name}\``, s.description, s.requires?.join(", ") ?? "—"]),
  );
}

function checkersTable(): string {
  const byDefault = new Set(checkSettingsSchema.parse({}).checkers);
  return table(
    ["checker", "passes when", "fails when", "on by default"],
    Object.values(checkerRegistry).map((c) => [
      `\`${c.name}\``,
      c.describe.pass,
      c.describe.fail,
      byDefault.has(c.name) ? "yes" : "—",
    ]),
  );
}

function envTable(): string {
  const fixed = Object.entries(environmentVariables).map(([name, v]) => [`\`${name}\``, v.audience, v.meaning]);
  const settings = Object.entries(settingFlags).map(([flag, spec]) => [
    `\`${envNameOf(flag)}\``,
    "user",
    `as \`--${flag}\` of \`scenario\` (${spec.describe}); a flag wins`,
  ]);
  const settingVars = new Set(Object.keys(settingFlags).map(envNameOf));
  const flagVars = new Map<string, string[]>();
  for (const [command, flags] of Object.entries(commandFlags))
    for (const [name, spec] of Object.entries(flags as Record<string, FlagSpec>))
      if (spec.env && !(spec.env in environmentVariables) && !settingVars.has(spec.env))
        flagVars.set(spec.env, [...(flagVars.get(spec.env) ?? []), `\`--${name}\` of \`${command}\``]);
  const others = [...flagVars].map(([name, uses]) => [`\`${name}\``, "user", `as ${uses.join(" and ")}; a flag wins`]);
  return table(["variable", "set by", "meaning"], [...fixed, ...settings, ...others]);
}

function exitCodesTable(): string {
  return table(
    ["code", "meaning"],
    (Object.values(ExitCode) as ExitCode[]).map((code) => [String(code), exitCodeMeanings[code]]),
  );
}

/** Every generated table by its marker's name. */
export function renderTables(): Record<string, string> {
  const out: Record<string, string> = {
    faults: faultsTable(),
    scenarios: scenariosTable(),
    checkers: checkersTable(),
    env: envTable(),
    "exit-codes": exitCodesTable(),
  };
  for (const command of Object.keys(commandFlags) as CommandName[])
    if (Object.keys(commandFlags[command]).length) out[`flags:${command}`] = flagsTable(command);
  return out;
}

const MARKER = /<!-- generated: ([\w:-]+) -->\n[\s\S]*?<!-- end generated -->/g;

/** The documentation files that may hold generated tables. */
export function docFiles(): string[] {
  const files = [join(root, "README.md")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".md")) files.push(path);
    }
  };
  walk(join(root, "docs"));
  return files;
}

/**
 * One text with its tables made anew: the names of the tables whose content differed, and of the
 * markers that name no table.
 */
export function refresh(
  text: string,
  tables: Readonly<Record<string, string>>,
): { text: string; stale: string[]; unknown: string[]; names: string[] } {
  const stale: string[] = [];
  const unknown: string[] = [];
  const names: string[] = [];
  const updated = text.replace(MARKER, (whole, name: string) => {
    names.push(name);
    const body = tables[name];
    if (body === undefined) {
      unknown.push(name);
      return whole;
    }
    const fresh = `<!-- generated: ${name} -->\n${body}\n<!-- end generated -->`;
    if (fresh !== whole) stale.push(name);
    return fresh;
  });
  return { text: updated, stale, unknown, names };
}

/**
 * Each file's text with its tables made anew, and every problem: a table whose content differs
 * (`stale`), a marker with no table of that name, a table with no marker or with two.
 */
export function regenerate(): { files: Map<string, string>; stale: string[]; problems: string[] } {
  const tables = renderTables();
  const seen = new Map<string, number>();
  const files = new Map<string, string>();
  const stale: string[] = [];
  const problems: string[] = [];
  for (const path of docFiles()) {
    const r = refresh(readFileSync(path, "utf8"), tables);
    const where = relative(root, path);
    for (const name of r.names) seen.set(name, (seen.get(name) ?? 0) + 1);
    stale.push(...r.stale.map((n) => `${where}: ${n}`));
    problems.push(...r.unknown.map((n) => `${where}: no generated table is named ${n}`));
    files.set(path, r.text);
  }
  for (const name of Object.keys(tables)) {
    const n = seen.get(name) ?? 0;
    if (n !== 1) problems.push(`the table ${name} has ${n} markers in the documentation (one expected)`);
  }
  return { files, stale, problems };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { files, stale, problems } = regenerate();
  if (process.argv.includes("--check")) {
    for (const p of [...stale.map((s) => `stale: ${s}`), ...problems]) process.stderr.write(`${p}\n`);
    process.exitCode = stale.length || problems.length ? 1 : 0;
  } else {
    for (const [path, text] of files) writeFileSync(path, text);
    for (const p of problems) process.stderr.write(`${p}\n`);
    process.stdout.write(`${stale.length} table(s) rewritten\n`);
    process.exitCode = problems.length ? 1 : 0;
  }
}
