import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (package chromium), or CHROMIUM_PATH; null where none can be had. */
export function chromiumPath(): string | null {
  for (const candidate of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Why browser tests are skipped here, printed once, or null when they can run. */
export const noBrowserReason = chromiumPath()
  ? null
  : "no Chromium found (install Debian's chromium package or set CHROMIUM_PATH): browser tests skipped";
if (noBrowserReason) console.warn(noBrowserReason);

/** Starts headless Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath() as string,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
