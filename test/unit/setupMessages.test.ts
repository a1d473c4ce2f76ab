import { describe, expect, it } from "vitest";
import { npmReason } from "../../harness/adapters/selectScheduler.ts";
import { noServerMessage } from "../../harness/servers/provision.ts";
import { ProviderUnavailable } from "../../harness/servers/target.ts";

describe("no MongoDB server: the one line says what failed and what to try", () => {
  const offline = new ProviderUnavailable(
    "memory",
    "no cached mongod 8.2.6 and the download host is unreachable",
  );
  const noJava = new ProviderUnavailable(
    "standin",
    "needs Java 17+ (java, javac) and Maven (mvn) on the PATH",
  );

  it("for --mongo memory offline, suggests the stand-in, not installing Java", () => {
    const line = noServerMessage("memory", [offline]);
    expect(line).toMatch(/^no MongoDB server could be had with --mongo memory: memory: no cached mongod/);
    expect(line).toContain("--mongo standin");
    expect(line).toContain("--mongo-uri");
    expect(line).not.toMatch(/install Java|Maven/);
    expect(line.split("\n")).toHaveLength(1);
  });

  it("for auto, names both failures and suggests only what was not tried", () => {
    const line = noServerMessage("auto", [offline, noJava]);
    expect(line).toMatch(/^no MongoDB server could be had: memory: .*; standin: needs Java 17\+/);
    expect(line).not.toContain("--mongo standin");
    expect(line).not.toContain("--mongo memory");
    expect(line).toContain("--mongo-uri");
  });
});

describe("npm's reason for refusing a --scheduler version", () => {
  it("is the line that says why, without npm's prefixes, code or log pointer", () => {
    const stderr = [
      "npm error code ETARGET",
      "npm error notarget No matching version found for mongo-job-scheduler@9.9.9.",
      "npm error notarget In most cases you or one of your dependencies are requesting",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log",
    ].join("\n");
    expect(npmReason(stderr)).toBe("No matching version found for mongo-job-scheduler@9.9.9");
  });

  it("reads older npm's ERR! lines, and is null when npm said nothing", () => {
    expect(npmReason("npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry/x")).toBe(
      "Not Found - GET https://registry/x",
    );
    expect(npmReason("")).toBeNull();
  });
});
