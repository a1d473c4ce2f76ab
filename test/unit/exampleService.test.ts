import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../support/harnessCli.ts";

const folder = join(projectRoot, "examples", "jobs-service");
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

interface ConfigModule {
  readConfig(env: Record<string, string | undefined>): Record<string, unknown>;
  databaseOf(url: string): string;
  redact(url: string): string;
}
// A JavaScript module of the example service (its own package), loaded as the service loads it.
const configPath = join(folder, "src", "config.js");
const config = (await import(configPath)) as ConfigModule;

describe("the example service's configuration", () => {
  it("parses the numbers its docker-compose service sets, as numbers", () => {
    const env = {
      MONGO_URL: "mongodb://mongo:27017/scheduler",
      WORKERS: "5",
      POLL_INTERVAL_MS: "1000",
      LOCK_TIMEOUT_MS: "60000",
    };
    expect(config.readConfig(env)).toEqual({
      mongoUrl: env.MONGO_URL,
      database: "scheduler",
      port: 3000,
      workers: 5,
      pollIntervalMs: 1000,
      lockTimeoutMs: 60_000,
      emailSendMs: 1000,
      reportMs: 5000,
    });
  });

  it("refuses in one line every variable that is wrong, naming each", () => {
    const call = () =>
      config.readConfig({
        MONGO_URL: "mongodb://h:1/db",
        WORKERS: "0",
        LOCK_TIMEOUT_MS: "6e4",
        PORT: "70000",
      });
    expect(call).toThrow(
      'bad environment: PORT must be a whole number of at least 0, got "70000"; WORKERS must be a whole number of at least 1, got "0"; LOCK_TIMEOUT_MS must be a whole number of at least 1, got "6e4"',
    );
    expect(() => config.readConfig({})).toThrow("MONGO_URL is not set");
    expect(() => config.readConfig({ MONGO_URL: "mongodb://u:secret@h:1/?replicaSet=rs0" })).toThrow(
      /must name the service's database in its path .*got "mongodb:\/\/u:\*\*\*@h:1\/\?replicaSet=rs0"$/,
    );
  });

  it("reads the database from the path of any connection string", () => {
    expect(config.databaseOf("mongodb://a:1,b:2/jobs?replicaSet=rs0")).toBe("jobs");
    expect(config.databaseOf("mongodb+srv://u:p@cluster.example.net/my%20db")).toBe("my db");
    expect(config.databaseOf("mongodb://a:1")).toBe("");
  });
});

describe("the example service's dependency tree", () => {
  const lock = readJson(join(folder, "package-lock.json")) as {
    packages: Record<string, { version?: string }>;
  };
  const installed = (name: string) =>
    Object.entries(lock.packages)
      .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
      .map(([path, p]) => `${path}@${p.version}`);

  it("holds one mongodb driver and one bson, shared by Mongoose and the scheduler", () => {
    expect(installed("mongodb")).toHaveLength(1);
    expect(installed("bson")).toHaveLength(1);
  });

  it("pins mongo-job-scheduler to the version the harness itself installs", () => {
    const harnessLock = readJson(join(projectRoot, "package-lock.json"));
    const harnessVersion = harnessLock.packages["node_modules/mongo-job-scheduler"].version;
    expect(readJson(join(folder, "package.json")).dependencies["mongo-job-scheduler"]).toBe(harnessVersion);
    expect(installed("mongo-job-scheduler")).toEqual([`node_modules/mongo-job-scheduler@${harnessVersion}`]);
  });
});
