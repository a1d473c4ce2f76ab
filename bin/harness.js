#!/usr/bin/env node
// The `harness` command: loads the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

register();
// A reader that stops early (`harness list | head`) closes the pipe: that is not an error of the run.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { runCli } = await import("../harness/cli/main.ts");
await runCli(process.argv.slice(2));
