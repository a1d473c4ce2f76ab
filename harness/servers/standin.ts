import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeExit, runOwned, spawnOwned } from "../util/ownedChild.ts";
import { type MongoServerHandle, type ProviderContext, ProviderUnavailable } from "./target.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** The stand-in's version; the jars are cached under a folder named after it. */
export const STANDIN_VERSION = "1.47.0";

/**
 * Where the compiled launcher of the current StandinServer.java is kept: its folder is named after
 * the source's hash, so a changed launcher is compiled again instead of an old one being reused.
 */
export function standinLauncherDir(cacheDir: string): string {
  const source = readFileSync(join(here, "standin", "StandinServer.java"));
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  return join(cacheDir, `standin-${STANDIN_VERSION}`, `classes-${hash}`);
}

/** Fetches the stand-in's jars with Maven and compiles its launcher, once; later runs reuse them. */
export async function ensureStandinInstalled(ctx: ProviderContext): Promise<string> {
  const home = join(ctx.cacheDir, `standin-${STANDIN_VERSION}`);
  const classes = standinLauncherDir(ctx.cacheDir);
  if (existsSync(join(classes, "StandinServer.class"))) return home;
  const jars = join(home, "jars");
  const staging = `${home}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // The jars are fetched once; a new launcher is compiled against the cached ones.
  const fetching = !existsSync(jars);
  try {
    if (fetching) {
      ctx.progress(`fetching the MongoDB stand-in (mongo-java-server ${STANDIN_VERSION}) with Maven, once…`);
      await runOwned(
        "mvn",
        [
          "-q",
          "-B",
          "-f",
          join(here, "standin", "pom.xml"),
          "dependency:copy-dependencies",
          `-DoutputDirectory=${join(staging, "jars")}`,
        ],
        { name: "mvn (the stand-in's jars)", timeoutMs: 300_000, signal: ctx.signal },
      );
    }
    await runOwned(
      "javac",
      [
        "-cp",
        `${fetching ? join(staging, "jars") : jars}/*`,
        "-d",
        join(staging, "classes"),
        join(here, "standin", "StandinServer.java"),
      ],
      { name: "javac (the stand-in's launcher)", timeoutMs: 120_000, signal: ctx.signal },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as { code?: string; message?: string };
    if (e.code === "ENOENT")
      throw new ProviderUnavailable("standin", "needs Java 17+ (java, javac) and Maven (mvn) on the PATH");
    throw new ProviderUnavailable("standin", `could not fetch or build it: ${e.message ?? String(error)}`);
  }
  // Another run may have installed either part at the same time; theirs is as good as ours.
  mkdirSync(home, { recursive: true });
  for (const [from, to] of [
    [join(staging, "jars"), jars],
    [join(staging, "classes"), classes],
  ] as const) {
    if (!existsSync(from) || existsSync(to)) continue;
    try {
      renameSync(from, to);
    } catch {
      // Installed by another run meanwhile.
    }
  }
  rmSync(staging, { recursive: true, force: true });
  return home;
}

/**
 * Starts the Java stand-in server on a free loopback port, in a process group of its own. Its stdin
 * is its lifeline: when this process dies for any reason the pipe closes and the JVM exits, so it
 * cannot be orphaned. With `changeStreams` it keeps an oplog, so change streams work (each write is
 * then kept in memory as well, and each change-stream read scans them all).
 */
export async function startStandin(
  ctx: ProviderContext,
  /** as-shipped: mongo-java-server's own oplog, whose change streams miss findAndModify (tests). */
  oplog: "with-claims" | "as-shipped" = "with-claims",
): Promise<MongoServerHandle> {
  const home = await ensureStandinInstalled(ctx);
  const classpath = [
    standinLauncherDir(ctx.cacheDir),
    ...readdirSync(join(home, "jars")).map((j) => join(home, "jars", j)),
  ].join(":");
  const server = spawnOwned(
    "java",
    [
      "-Xmx1g",
      "-XX:+UseSerialGC",
      "-cp",
      classpath,
      "StandinServer",
      "0",
      ...(ctx.changeStreams ? [oplog === "as-shipped" ? "oplog-as-shipped" : "oplog"] : []),
    ],
    {
      name: "mongo server (standin)",
      lifeline: "stdin",
    },
  );
  const child = server.process;
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
    void server.exited.then((exit) => {
      clearTimeout(timer);
      reject(new ProviderUnavailable("standin", `java ${describeExit(exit)} before listening`));
    });
    ctx.signal?.addEventListener("abort", () => reject(new ProviderUnavailable("standin", "interrupted")), {
      once: true,
    });
  }).catch((error) => {
    server.kill();
    throw error;
  });
  // Its output is not read after the port: keep the pipes from filling.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    provider: "standin",
    uri: `mongodb://127.0.0.1:${port}`,
    processes: [server],
    async stop() {
      await server.stop({ graceMs: 3000 });
    },
  };
}
