import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * A process instance id, unique without the pid: the host and 64 random bits. A restarted worker
 * that is given the pid of a killed one still gets a new instance id, and ids from workers on
 * several machines never collide.
 */
export function newInstanceId(host = hostname()): string {
  return `${host}/${randomBytes(8).toString("hex")}`;
}

/**
 * The id of the load's request that enqueued a planned job: its sequence number, which the job
 * also carries in its data (`data.seq`), so a document in the database names the request that
 * made it.
 */
export function requestId(seq: number): string {
  return String(seq);
}

/** The request a job's data names (see requestId), or null. */
export function requestOf(data: unknown): string | null {
  const seq = (data as { seq?: unknown } | null | undefined)?.seq;
  return typeof seq === "number" ? requestId(seq) : null;
}
