import { XMLParser, XMLValidator } from "fast-xml-parser";

/** One `<testcase>` as read back from a JUnit file. */
export interface ParsedCase {
  name: string;
  classname?: string;
  failure?: { message?: string; type?: string; "#text"?: string };
  error?: { message?: string; type?: string };
  skipped?: unknown;
  "system-out"?: string;
}

/** One `<testsuite>` as read back from a JUnit file. */
export interface ParsedSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  properties?: { property: { name: string; value: string }[] };
  testcase: ParsedCase[];
}

/**
 * Parses a JUnit file with a real XML parser (after checking it is well-formed), keeping
 * attributes under their own names and every repeatable element as an array.
 */
export function parseJunit(xml: string): { testsuites: { name: string; testsuite: ParsedSuite[] } } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: true,
    // An empty <skipped/> must still be there after parsing.
    allowBooleanAttributes: true,
    isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
  });
  return parser.parse(xml);
}
