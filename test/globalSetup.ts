import { ensureStandinInstalled } from "../harness/servers/standin.ts";
import { defaultCacheDir } from "../harness/util/cacheDir.ts";
import { ensureExampleServiceInstalled } from "./support/exampleService.ts";

/**
 * Fetches the stand-in server's jars once before any test runs (a first fetch on a fresh machine
 * downloads Maven plugins too), and installs the example service's own dependencies, so no single
 * test's timeout pays for either.
 */
export default async function setup(): Promise<void> {
  await ensureStandinInstalled({
    cacheDir: defaultCacheDir(),
    progress: (m) => process.stderr.write(`${m}\n`),
  });
  await ensureExampleServiceInstalled((m) => process.stderr.write(`${m}\n`));
}
