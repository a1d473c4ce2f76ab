import { Pool } from "undici";
import type { SendReply } from "./openLoop.ts";

/**
 * The open loop's HTTP client: an undici pool with no cap on connections, so a request never
 * queues behind a slow one on the client side; the one typed adapter around undici.
 */
export function createUndiciSender(origin: string): {
  post(path: string, body: unknown): Promise<SendReply>;
  close(): Promise<void>;
} {
  const pool = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 10_000 });
  return {
    async post(path, body) {
      const reply = await pool.request({
        method: "POST",
        path,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: reply.statusCode, body: await reply.body.text() };
    },
    close: () => pool.close(),
  };
}
