import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { apiSchema } from "../../harness/app/api.ts";
import { planRequests, runAppLoad } from "../../harness/app/appLoad.ts";
import { exampleApi } from "../../harness/app/exampleApi.ts";
import { createRng } from "../../harness/util/rng.ts";

const api = apiSchema.parse(exampleApi);
const kindsOf = (seed: number, jobs: number) =>
  planRequests(api, jobs, createRng(seed), seed).map((r) => r.kind.kind);

describe("app mode's load plan", () => {
  it("requests every declared kind at least once whenever there are enough jobs, on every seed", () => {
    for (let seed = 1; seed <= 300; seed++) expect(new Set(kindsOf(seed, 3)).size, `seed ${seed}`).toBe(3);
  });
  it("draws the rest by weight, and the same seed gives the same plan", () => {
    const kinds = kindsOf(7, 4000);
    const share = kinds.filter((k) => k === "email").length / kinds.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(kindsOf(7, 40)).toEqual(kindsOf(7, 40));
  });
  it("fills each request's templates: priorities within the kind's range, the body's number fields as numbers", () => {
    for (const r of planRequests(api, 200, createRng(3), 3)) {
      if (r.kind.kind !== "email") continue;
      expect(r.priority).toBeGreaterThanOrEqual(1);
      expect(r.priority).toBeLessThanOrEqual(10);
      expect((r.body as { priority: unknown }).priority).toBe(r.priority);
    }
  });
});

describe("app mode's closed loop", () => {
  it("keeps exactly --connections requests in flight, sends each when one is answered, and sends them all", async () => {
    let inFlight = 0;
    let peak = 0;
    let n = 0;
    const server = createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ jobId: `job-${n++}` }));
      }, 20);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const accepted: string[] = [];
    try {
      const result = await runAppLoad({
        requests: planRequests(api, 24, createRng(5), 5),
        ratePerSec: 1,
        connections: 3,
        targets: () => [url],
        ledger: { append() {}, close() {} },
        onAccepted: (id) => accepted.push(id),
        onProgress() {},
        signal: new AbortController().signal,
      });
      expect(result).toMatchObject({ sent: 24, accepted: 24, rejected: 0, errors: 0 });
      // An open loop at 1 request a second, each answered in 20 ms, would never have two in flight.
      expect(peak).toBe(3);
      expect(new Set(accepted).size).toBe(24);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
