import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { composeWorker, workerEnv } from "../../harness/deploy/workerEnv.ts";
import { scenarios } from "../../scenarios/index.ts";
import { projectRoot } from "../support/harnessCli.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
}

// No Docker engine here: check what can be checked without one.
const compose = parse(readFileSync(join(projectRoot, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};

describe("docker-compose.yml", () => {
  it("parses and has MongoDB as a replica set, the trigger server, scalable workers and the harness", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "harness",
      "jobs-service",
      "mongo",
      "trigger",
      "worker",
    ]);
    expect(compose.services.mongo?.image).toBe("mongo:7");
    expect(compose.services.mongo?.command).toContain("--replSet");
    // A scaled service must not pin a host port or a container name.
    expect(compose.services.worker).not.toHaveProperty("ports");
    expect(compose.services.worker).not.toHaveProperty("container_name");
  });

  it("runs only files and commands that exist in the project", () => {
    expect(existsSync(join(projectRoot, "Dockerfile"))).toBe(true);
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image === "mongo:7" || name === "jobs-service") continue;
      const argv = [...(service.entrypoint ?? []), ...(service.command ?? [])];
      const files = argv.filter((a) => /\.(ts|js)$/.test(a));
      expect(files.length, `${name} runs a project file`).toBeGreaterThan(0);
      for (const f of files) expect(existsSync(join(projectRoot, f)), `${name}: ${f}`).toBe(true);
      expect(service.environment?.MONGO_URL, `${name} points at the compose MongoDB`).toMatch(
        /^mongodb:\/\/mongo:27017/,
      );
    }
    const harness = compose.services.harness as Service;
    expect(harness.command?.[0]).toBe("scenario");
    expect(Object.keys(scenarios)).toContain(harness.command?.[1]);
  });

  it("gives the services the variables their entry points read", () => {
    const worker = readFileSync(join(projectRoot, "harness/processes/workerMain.ts"), "utf8");
    for (const key of Object.keys(compose.services.worker?.environment ?? {})) {
      if (key !== "HARNESS_DB" && key !== "MONGO_URL") expect(worker, key).toContain(`envValue("${key}"`);
    }
    const trigger = readFileSync(join(projectRoot, "harness/processes/triggerMain.ts"), "utf8");
    for (const key of ["PORT", "HOST", "HARNESS_UI", "HARNESS_DB", "MONGO_URL"])
      expect(trigger, key).toContain(`envValue("${key}"`);
  });

  it("builds the example service from its own folder and gives it the variables its config reads", async () => {
    const service = compose.services["jobs-service"] as Service;
    const folder = join(projectRoot, service.build ?? "");
    const dockerfile = readFileSync(join(folder, "Dockerfile"), "utf8");
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const argv = JSON.parse(cmd ?? "[]") as string[];
    expect(argv[0]).toBe("node");
    expect(existsSync(join(folder, argv[1] ?? "")), `${argv[1]} in ${service.build}`).toBe(true);
    const env = service.environment ?? {};
    expect(Object.keys(env).sort()).toEqual([
      "LOCK_TIMEOUT_MS",
      "MONGO_URL",
      "POLL_INTERVAL_MS",
      "PORT",
      "WORKERS",
    ]);
    // Its own parser reads the compose values: the numbers as numbers, the database from the path.
    const configModule = join(folder, "src", "config.js");
    const { readConfig } = (await import(configModule)) as {
      readConfig: (e: Record<string, string>) => unknown;
    };
    expect(readConfig(env)).toMatchObject({
      database: "jobs_service",
      port: 3000,
      workers: 5,
      pollIntervalMs: 1000,
      lockTimeoutMs: 60_000,
    });
  });

  it("runs the worker service deploy k8s renders: the same environment, its ledger in the database", () => {
    expect(compose.services.worker?.environment).toEqual(workerEnv(composeWorker));
    expect(compose.services.worker?.environment).not.toHaveProperty("LEDGER_DIR");
  });
});
