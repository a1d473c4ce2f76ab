/**
 * An API description: how app mode schedules each kind of job through a service's own HTTP API,
 * where the service's scheduler keeps its jobs, and which kinds leave a side effect per execution.
 * A JSON file, a module whose default export is one, or `example` (the example service's).
 */
import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { HarnessError } from "../util/exitCodes.ts";
import { firstLine } from "../util/firstLine.ts";
import { exampleApi } from "./exampleApi.ts";

const name = z.string().min(1);

/** One document per execution of a job kind, in a collection of the service's database. */
export const effectSchema = z.strictObject({
  collection: name,
  /** The field that holds the job's id (compared as a string). */
  jobIdField: name,
  /** The field with the effect's own time, if it has one. */
  timeField: name.optional(),
});
export type EffectSpec = z.infer<typeof effectSchema>;

export const jobKindSchema = z.strictObject({
  /** What the description calls it (in progress lines and the load's plan). */
  kind: name,
  /** Its share of the load (weights, not percentages). */
  weight: z.number().positive().default(1),
  method: z.enum(["POST", "PUT", "GET"]).default("POST"),
  /** The path, with templates: {i} (the request's number), {priority}, {seed}, {kind}. */
  path: z.string().startsWith("/"),
  /** The JSON body, with the same templates in any string; a string that is exactly "{priority}" or "{i}" becomes a number. */
  body: z.unknown().optional(),
  /** The priorities {priority} is drawn from (inclusive). */
  priorities: z.tuple([z.number().int(), z.number().int()]).optional(),
  /** The response field that holds the job's id (a dotted path: "job.id"). */
  jobIdField: name,
  /** The job's name in the scheduler's collection. */
  jobName: name,
  /** The concurrency limit the service gives this kind's jobs, if it has one (judged from the documents). */
  concurrency: z.number().int().positive().optional(),
  /** How the job should end when everything keeps its promises. */
  expect: z.enum(["completed", "failed"]).default("completed"),
  effect: effectSchema.optional(),
});
export type JobKind = z.infer<typeof jobKindSchema>;

export const apiSchema = z.strictObject({
  name,
  /** The scheduler's jobs collection in the service's database. */
  collection: name.default("scheduler_jobs"),
  kinds: z.array(jobKindSchema).min(1),
  /** Jobs the service schedules for itself, and how many documents of each it should keep. */
  ownJobs: z.array(z.strictObject({ name, documents: z.number().int().min(1).default(1) })).default([]),
});
export type ApiDescription = z.infer<typeof apiSchema>;

/** Reads an API description: `example`, a JSON file, or a module (its default export). */
export async function loadApi(spec: string, cwd = process.cwd()): Promise<ApiDescription> {
  if (spec === "example") return apiSchema.parse(exampleApi);
  const path = resolve(cwd, spec);
  let raw: unknown;
  try {
    raw = [".js", ".mjs", ".ts", ".mts"].includes(extname(path))
      ? ((await import(pathToFileURL(path).href)) as { default?: unknown }).default
      : JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new HarnessError(
      `--api ${spec}: cannot read it (${firstLine(error)}); give "example", a JSON file or a module whose default export is a description (docs/app-mode.md)`,
    );
  }
  const parsed = apiSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HarnessError(
      `--api ${spec}: ${issue?.path.join(".") || "(description)"}: ${issue?.message}; see docs/app-mode.md for the format`,
    );
  }
  return parsed.data;
}

/**
 * Sets the effects of a description from `--effects COLLECTION:JOB_ID_FIELD[:TIME_FIELD]`, for
 * every kind named (KIND=…) or, without a kind, for every kind that declares none.
 */
export function withEffects(api: ApiDescription, flags: readonly string[]): ApiDescription {
  const kinds = api.kinds.map((k) => ({ ...k }));
  for (const flag of flags) {
    const m = /^(?:([^=]+)=)?([^:=]+):([^:]+)(?::([^:]+))?$/.exec(flag);
    if (!m)
      throw new HarnessError(
        `--effects ${flag}: give COLLECTION:JOB_ID_FIELD[:TIME_FIELD], optionally KIND= before it (e.g. emaillogs:jobId:sentAt)`,
      );
    const [, kind, collection = "", jobIdField = "", timeField] = m;
    const effect = { collection, jobIdField, ...(timeField ? { timeField } : {}) };
    if (kind && !kinds.some((k) => k.kind === kind))
      throw new HarnessError(
        `--effects ${flag}: no job kind ${kind} in the description (${kinds.map((k) => k.kind).join(", ")})`,
      );
    for (const k of kinds) if (kind ? k.kind === kind : !k.effect) k.effect = effect;
  }
  return { ...api, kinds };
}

/** The value at a dotted path of a JSON answer. */
export function fieldAt(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Fills the templates of a path or body: {i}, {priority}, {seed}, {kind}. */
export function fillTemplate(value: unknown, vars: Record<string, string | number>): unknown {
  if (typeof value === "string") {
    const whole = /^\{(\w+)\}$/.exec(value);
    if (whole && typeof vars[whole[1] as string] === "number") return vars[whole[1] as string];
    return value.replace(/\{(\w+)\}/g, (all, key: string) => (key in vars ? String(vars[key]) : all));
  }
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, vars));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, vars)]));
  return value;
}
