import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { ensurePortFree, portProblem } from "../../harness/util/port.ts";

describe("--port", () => {
  it("accepts 0 to 65535 and names anything else", () => {
    expect(portProblem(0)).toBeNull();
    expect(portProblem(4000)).toBeNull();
    expect(portProblem(65535)).toBeNull();
    for (const bad of [70000, -1, 1.5, Number.NaN, "4000", undefined])
      expect(portProblem(bad)).toMatch(/^--port .*: give a whole number from 0 to 65535/);
    // yargs reads `--port abc` as NaN: the line says what was wrong, never "--port NaN".
    expect(portProblem(Number.NaN)).toMatch(/^--port is not a number: /);
  });

  it("says a busy port is in use and how to get a free one", async () => {
    const held: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => resolve(s));
    });
    const port = (held.address() as { port: number }).port;
    try {
      const error = await ensurePortFree(port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).message).toBe(`port ${port} is in use; pass --port 0 for any free port`);
      expect((error as HarnessError).code).toBe(3);
    } finally {
      await new Promise((r) => held.close(r));
    }
    // Free again once released; 0 is always free.
    await expect(ensurePortFree(port)).resolves.toBeUndefined();
    await expect(ensurePortFree(0)).resolves.toBeUndefined();
  });
});
