import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { type MongoServerHandle, type ProviderContext, ProviderUnavailable } from "./target.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** The stand-in's version; the jars are cached under a folder named after it. */
export const STANDIN_VERSION = "1.47.0";

/** Fetches the stand-in's jars with Maven and compiles its launcher, once; later runs reuse them. */
export async function ensureStandinInstalled(ctx: ProviderContext): Promise<string> {
  const home = join(ctx.cacheDir, `standin-${STANDIN_VERSION}`);
  if (existsSync(join(home, "classes", "StandinServer.class"))) return home;
  const staging = `${home}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    ctx.progress(`fetching the MongoDB stand-in (mongo-java-server ${STANDIN_VERSION}) with Maven, once…`);
    await execa(
      "mvn",
      [
        "-q",
        "-B",
        "-f",
        join(here, "standin", "pom.xml"),
        "dependency:copy-dependencies",
        `-DoutputDirectory=${join(staging, "jars")}`,
      ],
      { timeout: 300_000 },
    );
    await execa(
      "javac",
      [
        "-cp",
        `${join(staging, "jars")}/*`,
        "-d",
        join(staging, "classes"),
        join(here, "standin", "StandinServer.java"),
      ],
      {
        timeout: 120_000,
      },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as { code?: string; shortMessage?: string };
    if (e.code === "ENOENT")
      throw new ProviderUnavailable("standin", "needs Java 17+ (java, javac) and Maven (mvn) on the PATH");
    throw new ProviderUnavailable(
      "standin",
      `could not fetch or build it: ${firstLine(e.shortMessage ?? String(error))}`,
    );
  }
  if (!existsSync(join(home, "classes", "StandinServer.class"))) {
    try {
      renameSync(staging, home);
    } catch {
      // Another run installed it at the same time; theirs is as good as ours.
    }
  }
  rmSync(staging, { recursive: true, force: true });
  return home;
}

/**
 * Starts the Java stand-in server on a free loopback port. Its stdin stays a pipe from us: when
 * this process dies for any reason the pipe closes and the JVM exits, so it cannot be orphaned.
 */
export async function startStandin(ctx: ProviderContext): Promise<MongoServerHandle> {
  const home = await ensureStandinInstalled(ctx);
  const classpath = [
    join(home, "classes"),
    ...readdirSync(join(home, "jars")).map((j) => join(home, "jars", j)),
  ].join(":");
  const child = execa("java", ["-Xmx1g", "-XX:+UseSerialGC", "-cp", classpath, "StandinServer", "0"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    reject: false,
    forceKillAfterDelay: 3000,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new ProviderUnavailable("standin", "did not start within 60 s")),
      60_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new ProviderUnavailable("standin", `java exited with code ${code} before listening`));
    });
  }).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    provider: "standin",
    uri: `mongodb://127.0.0.1:${port}`,
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await child;
      clearTimeout(timer);
    },
  };
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim() !== "") ?? text;
}
