import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { toYaml, toYamlDocuments } from "../../harness/deploy/yaml.ts";

describe("the manifests' YAML writer", () => {
  // Strings a YAML 1.1 reader (kubectl's, through go-yaml v2 in places) would read as something else.
  const tricky = [
    "y",
    "n",
    "Y",
    "N",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "null",
    "~",
    "",
    " x",
    "0123",
    "1e3",
    "0x1F",
    "12:30",
    "2026-12-06",
    "a: b",
    "-x",
    "# c",
    "*ref",
    "&a",
    "!tag",
    "[1]",
    "{a}",
    "x #y",
    "line\nbreak",
    'quote"d',
    "tab\there",
    "ünï",
    "mongodb://h:27017/?a=b&c=d",
  ];

  it("reads back every tricky string as the same string, under YAML 1.1 and 1.2 alike", () => {
    const value = { list: tricky, map: Object.fromEntries(tricky.map((t, i) => [`k${i}`, t])) };
    const text = toYaml(value);
    for (const version of ["1.1", "1.2"] as const) expect(parse(text, { version })).toEqual(value);
  });

  it("writes a plain word bare and numbers, booleans and null as themselves", () => {
    expect(toYaml({ a: "worker", b: 3, c: true, d: null, e: "3", f: "on" })).toBe(
      'a: worker\nb: 3\nc: true\nd: null\ne: "3"\nf: "on"\n',
    );
  });

  it("writes nested objects, arrays of objects and empty ones, and several documents", () => {
    const doc = {
      spec: { containers: [{ name: "w", args: ["--x", "y"], env: [] }], selector: {} },
      items: [[1, 2], { a: { b: [] } }],
    };
    expect(parse(toYaml(doc), { version: "1.1" })).toEqual(doc);
    const docs = parseAllDocuments(toYamlDocuments([{ a: 1 }, { b: [{ c: "d" }] }])).map((d) => d.toJS());
    expect(docs).toEqual([{ a: 1 }, { b: [{ c: "d" }] }]);
  });
});
