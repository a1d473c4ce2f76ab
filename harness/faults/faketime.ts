/**
 * Clock faults through libfaketime (Debian's `libfaketime`): a worker that a clock fault may hit
 * starts with LD_PRELOAD of libfaketime.so.1 and its own offset file, which the harness rewrites to
 * move that process's wall clock while it runs. FAKETIME_DONT_FAKE_MONOTONIC=1 leaves the monotonic
 * clock real, so timers and the ledger's reference clock keep true time.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { envValue } from "../util/environment.ts";
import { HarnessError } from "../util/exitCodes.ts";
import type { ClockControl } from "./faultType.ts";

/** Where Debian and other distributions put the library; HARNESS_LIBFAKETIME overrides. */
const CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/faketime/libfaketime.so.1",
  "/usr/lib64/faketime/libfaketime.so.1",
  "/usr/local/lib/faketime/libfaketime.so.1",
];

/** The libfaketime library, or one line saying what to install (exit 3). */
export function findLibfaketime(env: NodeJS.ProcessEnv = process.env): string {
  const forced = envValue("HARNESS_LIBFAKETIME", env);
  if (forced) {
    if (existsSync(forced)) return forced;
    throw new HarnessError(`HARNESS_LIBFAKETIME=${forced}: no such file`);
  }
  const found = CANDIDATES.find((c) => existsSync(c));
  if (found) return found;
  if (process.platform !== "linux")
    throw new HarnessError("clock faults need libfaketime (LD_PRELOAD), which works on Linux only");
  throw new HarnessError(
    'clock faults need libfaketime: install it (Debian/Ubuntu: "apt-get install libfaketime") or set HARNESS_LIBFAKETIME to its libfaketime.so.1',
  );
}

/** The offset as libfaketime reads it: signed seconds. */
function faketimeText(offsetMs: number): string {
  return `${offsetMs < 0 ? "-" : "+"}${(Math.abs(offsetMs) / 1000).toFixed(3)}\n`;
}

/** The clocks of the workers started under libfaketime, each with its offset file in `dir`. */
export class FaketimeClocks implements ClockControl {
  private readonly files = new Map<string, string>();

  constructor(
    private readonly library: string,
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The environment a worker starts with so that its clock can be moved (at offset 0). */
  envFor(proc: string): Record<string, string> {
    const file = join(this.dir, `${proc}.faketime`);
    this.files.set(proc, file);
    this.write(file, 0);
    return {
      LD_PRELOAD: this.library,
      FAKETIME_TIMESTAMP_FILE: file,
      // Reread on every clock read, so a new offset takes effect at once (the cost is a file read).
      FAKETIME_NO_CACHE: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
  }

  controls(proc: string): boolean {
    return this.files.has(proc);
  }

  setOffset(proc: string, offsetMs: number): void {
    const file = this.files.get(proc);
    if (!file) throw new Error(`${proc} was not started under libfaketime`);
    this.write(file, offsetMs);
  }

  /** Every clock back to real time (teardown). */
  resetAll(): void {
    for (const file of this.files.values()) this.write(file, 0);
  }

  private write(file: string, offsetMs: number): void {
    // Written whole and renamed into place: libfaketime never reads half an offset.
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, faketimeText(offsetMs));
    renameSync(tmp, file);
  }
}
