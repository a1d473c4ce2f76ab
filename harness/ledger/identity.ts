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
