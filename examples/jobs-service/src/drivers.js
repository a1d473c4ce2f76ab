import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The mongodb driver a package loads when it calls require("mongodb"), and where it comes from. */
function driverOf(pkg) {
  const load = createRequire(require.resolve(pkg));
  const folder = dirname(load.resolve("mongodb/package.json"));
  const { version } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  return { module: load("mongodb"), folder, version };
}

/**
 * Mongoose hands the scheduler a `Db` of its own driver, while the scheduler builds ObjectIds with
 * the driver it requires itself. Two copies of the driver mean two BSON libraries, and the first
 * retry or cron reschedule fails with BSONVersionError. Returns a one-line message when Mongoose and
 * the scheduler load two drivers, null when they load one.
 */
export function twoDriversProblem() {
  const mongoose = driverOf("mongoose");
  const scheduler = driverOf("mongo-job-scheduler");
  if (mongoose.module === scheduler.module) return null;
  return (
    `two mongodb drivers: Mongoose loads ${mongoose.version} from ${mongoose.folder}, mongo-job-scheduler ` +
    `loads ${scheduler.version} from ${scheduler.folder}; their ObjectIds do not mix (retries and cron fail ` +
    "with BSONVersionError): depend on one mongodb version that Mongoose accepts (npm ls mongodb)"
  );
}
