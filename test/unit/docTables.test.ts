import { describe, expect, it } from "vitest";
import { refresh, regenerate, renderTables } from "../../scripts/docTables.ts";

describe("the documentation's tables that mirror code", () => {
  it("match the code: every table is as the code makes it, once (npm run docs:tables rewrites them)", () => {
    const { stale, problems } = regenerate();
    expect(problems).toEqual([]);
    expect(stale).toEqual([]);
  });

  it("finds a table that drifted from the code, and a marker that names no table", () => {
    const tables = renderTables();
    const drifted = `intro\n<!-- generated: faults -->\n| type |\n| --- |\n| \`kill\` |\n<!-- end generated -->\n<!-- generated: nonsense -->\nx\n<!-- end generated -->\n`;
    const r = refresh(drifted, tables);
    expect(r.stale).toEqual(["faults"]);
    expect(r.unknown).toEqual(["nonsense"]);
    expect(r.text).toContain(tables.faults as string);
    expect(refresh(r.text, tables).stale).toEqual([]);
  });

  it("lists every fault type, scenario, checker and setting flag the code defines", () => {
    const tables = renderTables();
    expect(tables.faults).toContain("`clock-drift`");
    expect(tables.scenarios).toContain("`crash-recovery`");
    expect(tables.checkers).toContain("`retry-computed-delay`");
    expect(tables["flags:scenario"]).toContain("`HARNESS_LOCK_TIMEOUT`");
    expect(tables.env).toContain("`HARNESS_SCHEDULER`");
    expect(tables["exit-codes"]).toMatch(/\| 4 \|/);
  });
});
