#!/usr/bin/env node
// The `harness` command: loads the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../harness/cli.ts");
await runCli(process.argv.slice(2));
