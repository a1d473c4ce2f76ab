import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../support/harnessCli.ts";

describe("the trigger server as a service (docker compose)", () => {
  it("says in one line that MongoDB is unreachable, retries until its deadline, then exits 1", async () => {
    const run = await execa(
      process.execPath,
      ["--import", "tsx", join(projectRoot, "harness", "processes", "triggerMain.ts")],
      {
        cwd: projectRoot,
        env: { MONGO_URL: "mongodb://127.0.0.1:1", HARNESS_CONNECT_DEADLINE_MS: "1000", PORT: "0" },
        reject: false,
        timeout: 60_000,
      },
    );
    expect(run.exitCode).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^trigger server: MongoDB at mongodb:\/\/127\.0\.0\.1:1 stayed unreachable for 1 s \(.*ECONNREFUSED.*\): check MONGO_URL/,
    );
  });
});
