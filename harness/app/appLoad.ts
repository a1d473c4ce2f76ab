/**
 * The load of app mode: each job is scheduled by a request to the service's own API, as its users
 * schedule them. Requests go out at a constant rate (open loop: the send times are fixed in
 * advance, so a slow service does not slow the load), or N at a time, each sent when one is
 * answered (closed loop: as fast as the service answers); each goes to an instance running at that
 * moment (as a load balancer with health checks would send it); the answer's job id is the obligation.
 */
import { request } from "undici";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import { HarnessError } from "../util/exitCodes.ts";
import type { Rng } from "../util/rng.ts";
import { percentile } from "../util/stats.ts";
import { sleep } from "../util/wait.ts";
import { type ApiDescription, fieldAt, fillTemplate, type JobKind } from "./api.ts";

/** One planned request. */
export interface AppRequest {
  i: number;
  kind: JobKind;
  method: string;
  path: string;
  body: unknown;
  priority: number;
}

/** The requests of a run, drawn from the seed: kinds by weight, priorities from each kind's range. */
export function planRequests(api: ApiDescription, jobs: number, rng: Rng, seed: number): AppRequest[] {
  const total = api.kinds.reduce((s, k) => s + k.weight, 0);
  const draw = (): JobKind => {
    const pick = rng.next() * total;
    let sum = 0;
    return (
      api.kinds.find((k) => {
        sum += k.weight;
        return pick < sum;
      }) ?? (api.kinds.at(-1) as JobKind)
    );
  };
  // Every kind the description declares is requested at least once when there are enough jobs (a
  // kind never requested leaves its checks nothing to judge); the rest are drawn by weight, and the
  // order is shuffled, both from the seed.
  const kinds: JobKind[] = jobs >= api.kinds.length ? [...api.kinds] : [];
  while (kinds.length < jobs) kinds.push(draw());
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as JobKind, kinds[i] as JobKind];
  }
  return kinds.map((kind, i) => {
    const [lo, hi] = kind.priorities ?? [5, 5];
    const priority = lo + Math.floor(rng.next() * (hi - lo + 1));
    const vars = { i, priority, seed, kind: kind.kind };
    return {
      i,
      kind,
      method: kind.method,
      path: String(fillTemplate(kind.path, vars)),
      body: kind.body === undefined ? undefined : fillTemplate(kind.body, vars),
      priority,
    };
  });
}

export interface AppLoadOptions {
  requests: readonly AppRequest[];
  /** Open loop: requests per second. */
  ratePerSec: number;
  /** Closed loop instead: this many requests in flight at once, each sent when one is answered. */
  connections?: number;
  /** The base URLs of the instances running now. */
  targets(): string[];
  ledger: LedgerSink;
  /** Each accepted job id, as it is answered. */
  onAccepted(jobId: string): void;
  onProgress(done: number): void;
  signal: AbortSignal;
}

/** Sends every request (at its planned time, or as connections free up); resolves when every answer is in (or the signal aborts). */
export async function runAppLoad(o: AppLoadOptions): Promise<HttpLoadResult> {
  const started = Date.now();
  const latencies: number[] = [];
  const counts = { sent: 0, accepted: 0, rejected: 0, errors: 0 };
  let fatal: HarnessError | undefined;
  /** Sends one request to an instance running now; settles when it is answered (or failed). */
  const dispatch = (r: AppRequest): Promise<void> => {
    const targets = o.targets();
    const base = targets[r.i % Math.max(1, targets.length)];
    counts.sent++;
    if (!base) {
      counts.errors++;
      return Promise.resolve();
    }
    return send(base, r, o, latencies, counts).catch((e: unknown) => {
      if (e instanceof HarnessError) fatal ??= e;
      else {
        counts.errors++;
        o.ledger.append({
          type: "unanswered",
          t: Date.now(),
          request: `app-${r.i}`,
          name: r.kind.jobName,
          error: (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "",
        });
      }
    });
  };
  if (o.connections !== undefined) {
    let next = 0;
    const connection = async () => {
      for (let r = o.requests[next++]; r && !o.signal.aborted && !fatal; r = o.requests[next++])
        await dispatch(r);
    };
    await Promise.all(Array.from({ length: o.connections }, connection));
  } else {
    const pending: Promise<void>[] = [];
    for (const r of o.requests) {
      if (o.signal.aborted || fatal) break;
      const due = started + (r.i * 1000) / o.ratePerSec;
      if (due > Date.now()) await sleep(due - Date.now(), o.signal);
      if (o.signal.aborted) break;
      pending.push(dispatch(r));
    }
    await Promise.all(pending);
  }
  if (fatal) throw fatal;
  const durationMs = Date.now() - started;
  return {
    ...counts,
    durationMs,
    requestsPerSec: Math.round((counts.sent * 1000 * 10) / Math.max(1, durationMs)) / 10,
    latencyMs: {
      p50: percentile(latencies, 50) ?? 0,
      p99: percentile(latencies, 99) ?? 0,
      max: latencies.length ? Math.max(...latencies) : 0,
    },
  };
}

async function send(
  base: string,
  r: AppRequest,
  o: AppLoadOptions,
  latencies: number[],
  counts: { accepted: number; rejected: number; errors: number },
): Promise<void> {
  const t0 = Date.now();
  const res = await request(`${base}${r.path}`, {
    method: r.method as "POST",
    headers: { "content-type": "application/json" },
    ...(r.body === undefined || r.method === "GET" ? {} : { body: JSON.stringify(r.body) }),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  latencies.push(Date.now() - t0);
  if (res.statusCode >= 300) {
    counts.rejected++;
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const id = fieldAt(json, r.kind.jobIdField);
  if (id === undefined || id === null || id === "")
    throw new HarnessError(
      `${r.method} ${r.path} answered ${res.statusCode} without the job id field "${r.kind.jobIdField}": ${text.slice(0, 200) || "(empty body)"}; set jobIdField in the API description (--api)`,
    );
  const jobId = String(id);
  counts.accepted++;
  o.ledger.append({
    type: "accept",
    t: Date.now(),
    request: `app-${r.i}`,
    jobId,
    name: r.kind.jobName,
    priority: r.priority,
    expect: r.kind.expect,
  });
  o.onAccepted(jobId);
  o.onProgress(counts.accepted + counts.rejected + counts.errors);
}
