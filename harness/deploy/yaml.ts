/**
 * A small YAML writer for plain data (objects, arrays, strings, numbers, booleans, null), enough for
 * manifests. A string is written bare only when it cannot be read back as anything else: the words
 * YAML 1.1 reads as booleans or null (y, n, yes, no, on, off, true, false, null, ~, in any case), and
 * anything that looks like a number, a date or holds a character with a meaning in YAML are quoted
 * (as JSON strings, which YAML reads as double-quoted strings).
 */

type Plain = string | number | boolean | null | undefined | Plain[] | { [key: string]: Plain };

const BARE = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const YAML11_WORDS = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

function scalar(v: string | number | boolean | null): string {
  if (v === null) return "null";
  if (typeof v !== "string") {
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`no YAML for the number ${v}`);
    return String(v);
  }
  return BARE.test(v) && !YAML11_WORDS.test(v) ? v : JSON.stringify(v);
}

function isScalar(v: Plain): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

function lines(value: Plain, indent: string): string[] {
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const item of value) {
      if (item === undefined) continue;
      if (isScalar(item) || isEmpty(item)) out.push(`${indent}- ${inline(item)}`);
      else {
        const [first, ...rest] = lines(item, `${indent}  `);
        out.push(`${indent}- ${(first as string).slice(indent.length + 2)}`, ...rest);
      }
    }
    return out;
  }
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, Plain>)) {
    if (v === undefined) continue;
    if (isScalar(v) || isEmpty(v)) out.push(`${indent}${scalar(key)}: ${inline(v)}`);
    else out.push(`${indent}${scalar(key)}:`, ...lines(v, Array.isArray(v) ? indent : `${indent}  `));
  }
  return out;
}

function isEmpty(v: Plain): boolean {
  return typeof v === "object" && v !== null && Object.keys(v).length === 0;
}

function inline(v: Plain): string {
  if (Array.isArray(v)) return "[]";
  if (typeof v === "object" && v !== null) return "{}";
  return scalar(v as string | number | boolean | null);
}

/** One YAML document. */
export function toYaml(value: Plain): string {
  if (isScalar(value)) return `${inline(value)}\n`;
  return `${lines(value, "").join("\n")}\n`;
}

/** Several documents in one file, separated by `---`. */
export function toYamlDocuments(values: readonly Plain[]): string {
  return values.map(toYaml).join("---\n");
}

export type { Plain };
