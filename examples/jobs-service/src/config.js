// The service's settings, read from the environment the way its docker-compose service sets them.
// Every number is parsed and checked here, once: a value from the environment is a string, and a
// string handed to the scheduler as a time ("60000") silently turns every lock date invalid.

/** A setting the environment got wrong: its message is one line that says which and what to do. */
export class ConfigError extends Error {}

const defaults = {
  PORT: 3000,
  WORKERS: 3,
  POLL_INTERVAL_MS: 1000,
  LOCK_TIMEOUT_MS: 60_000,
  EMAIL_SEND_MS: 1000,
  REPORT_MS: 5000,
};

/** The lowest value each number may take. */
const minimum = {
  PORT: 0,
  WORKERS: 1,
  POLL_INTERVAL_MS: 1,
  LOCK_TIMEOUT_MS: 1,
  EMAIL_SEND_MS: 0,
  REPORT_MS: 0,
};

/** The database named in a MongoDB connection string's path ("" when it names none). */
export function databaseOf(url) {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]+\/([^?]*)/.exec(url);
  return match ? decodeURIComponent(match[1]) : "";
}

/** A connection string fit for a log line: its password hidden. */
export function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/**
 * The settings from `env`. Throws a ConfigError naming every variable that is wrong, in one line,
 * so that a service started with a bad environment says so before it connects to anything.
 */
export function readConfig(env) {
  const problems = [];
  const numbers = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") {
      numbers[name] = fallback;
      continue;
    }
    const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < minimum[name] || (name === "PORT" && value > 65_535)) {
      problems.push(`${name} must be a whole number of at least ${minimum[name]}, got "${raw}"`);
    } else {
      numbers[name] = value;
    }
  }
  const mongoUrl = env.MONGO_URL ?? "";
  if (mongoUrl === "") {
    problems.push("MONGO_URL is not set (give one such as mongodb://localhost:27017/jobs)");
  } else if (!/^mongodb(\+srv)?:\/\//.test(mongoUrl)) {
    problems.push(`MONGO_URL must start with mongodb:// or mongodb+srv://, got "${redact(mongoUrl)}"`);
  } else if (databaseOf(mongoUrl) === "") {
    problems.push(
      `MONGO_URL must name the service's database in its path (mongodb://host:27017/jobs), got "${redact(mongoUrl)}"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`bad environment: ${problems.join("; ")}`);
  return {
    mongoUrl,
    database: databaseOf(mongoUrl),
    port: numbers.PORT,
    workers: numbers.WORKERS,
    pollIntervalMs: numbers.POLL_INTERVAL_MS,
    lockTimeoutMs: numbers.LOCK_TIMEOUT_MS,
    emailSendMs: numbers.EMAIL_SEND_MS,
    reportMs: numbers.REPORT_MS,
  };
}
