import { createServer } from "node:net";
import { HarnessError } from "./exitCodes.ts";

/** What is wrong with a --port value, or null when it is a port (0: any free one). */
export function portProblem(value: unknown): string | null {
  const port = Number(value);
  if (typeof value === "number" && Number.isInteger(port) && port >= 0 && port <= 65535) return null;
  const given = typeof value === "number" && Number.isNaN(value) ? "is not a number" : String(value);
  return `--port ${given}: give a whole number from 0 to 65535 (0 picks a free one)`;
}

/** The one line for a port that cannot be listened on (EADDRINUSE, EACCES). */
export function portUnusable(port: number, code: string | undefined): HarnessError | null {
  if (code === "EADDRINUSE")
    return new HarnessError(`port ${port} is in use; pass --port 0 for any free port`);
  if (code === "EACCES")
    return new HarnessError(
      `port ${port} needs privileges this user lacks; pass --port 0 for any free port, or one above 1023`,
    );
  return null;
}

/**
 * Resolves when `port` can be listened on at `host` now (by briefly listening on it), and throws
 * the one-line HarnessError when it cannot. Port 0 always can. A check before a long run, so that
 * a busy port is found before the run rather than after it.
 */
export async function ensurePortFree(port: number, host = "127.0.0.1"): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(portUnusable(port, error.code) ?? new HarnessError(`port ${port}: ${error.message}`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A loopback port free now (the kernel's pick); a server started on it soon after will usually get it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
