// The service's entry point: read the environment, connect, start the scheduler, register the daily
// job, serve HTTP; on SIGTERM or SIGINT stop in the reverse order and exit.
import { createServer } from "node:http";
import mongoose from "mongoose";
import { createApp } from "./app.js";
import { ConfigError, readConfig, redact } from "./config.js";
import { twoDriversProblem } from "./drivers.js";
import { createScheduler, registerDailyCleanup } from "./scheduler.js";

/** Exit codes: 3 when the environment or the installation is wrong, 1 when starting fails otherwise. */
const EXIT_SETUP = 3;
const EXIT_FAILED = 1;

function fail(message, code) {
  console.error(`jobs-service: ${message}`);
  process.exit(code);
}

let config;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message, EXIT_SETUP);
}
const drivers = twoDriversProblem();
if (drivers) fail(drivers, EXIT_SETUP);

let scheduler;
let server;
let stopping = false;

/**
 * Stops as an operator expects: no new requests, the jobs in progress finished (the scheduler's
 * graceful stop), the connection closed, exit 0. A second signal exits at once.
 */
async function shutdown(signal) {
  if (stopping) {
    console.error(`jobs-service: ${signal} again: exiting without waiting`);
    process.exit(EXIT_FAILED);
  }
  stopping = true;
  const since = Date.now();
  console.log(`${signal}: stopping (no new requests; finishing the jobs in progress)`);
  try {
    if (server) await new Promise((resolve) => server.close(resolve));
    await scheduler?.stop({ graceful: true });
    await mongoose.disconnect();
  } catch (error) {
    fail(`stopping failed: ${error.message}`, EXIT_FAILED);
  }
  console.log(`stopped in ${Date.now() - since} ms`);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

/** Starts the service; stops early, leaving the exit to `shutdown`, when a signal came meanwhile. */
async function main() {
  try {
    await mongoose.connect(config.mongoUrl);
  } catch (error) {
    if (stopping) return;
    fail(`cannot reach MongoDB at ${redact(config.mongoUrl)}: ${error.message}`, EXIT_FAILED);
  }
  console.log(`connected to MongoDB, database ${config.database}`);
  if (stopping) return;
  try {
    scheduler = await createScheduler(mongoose.connection.db, config);
    if (stopping) return;
    await scheduler.start();
    await registerDailyCleanup(scheduler);
  } catch (error) {
    await scheduler?.stop().catch(() => {});
    await mongoose.disconnect().catch(() => {});
    fail(`could not start the scheduler: ${error.message}`, EXIT_FAILED);
  }
  console.log(
    `scheduler started: ${config.workers} workers, poll ${config.pollIntervalMs} ms, lock ${config.lockTimeoutMs} ms`,
  );
  if (stopping) return;
  server = createServer(createApp(scheduler));
  server.on("error", (error) => fail(`cannot listen on port ${config.port}: ${error.message}`, EXIT_FAILED));
  server.listen(config.port, () => console.log(`jobs-service listening on port ${server.address().port}`));
}

await main();
