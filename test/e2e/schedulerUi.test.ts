import { join } from "node:path";
import { execa } from "execa";
import { MongoClient, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { launchBrowser, noBrowserReason } from "../support/browser.ts";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";
import { latestResult } from "../support/runResults.ts";

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(noBrowserReason !== null)("the Scheduler UI on a finished run (headless Chromium)", () => {
  it("shows the run's totals per status, and cancel and retry change the job in the database", async () => {
    // retry-backoff leaves completed jobs and failed ones (exhausted retries).
    const reports = tempReports();
    const run = await runHarness([
      "scenario",
      "retry-backoff",
      "--jobs",
      "20",
      "--seed",
      "3",
      "--reports-dir",
      reports,
    ]);
    expect(run.code).toBe(0);
    const result = latestResult(reports);
    expect(result.finalStatuses.failed).toBeGreaterThan(0);

    const ui = execa(
      process.execPath,
      [join(projectRoot, "bin", "harness.js"), "ui", join(reports, "latest"), "--port", "0"],
      {
        cwd: projectRoot,
        reject: false,
      },
    );
    let out = "";
    ui.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const browser = await launchBrowser();
    let client: MongoClient | undefined;
    try {
      const url = await waitFor(async () => /Scheduler UI: (\S+)/.exec(out)?.[1], 90_000);
      const [, uri, dbName] = /database: (\S+) (\S+)/.exec(out) ?? [];
      client = new MongoClient(uri as string);
      const jobs = client.db(dbName).collection("scheduler_jobs");

      const page = await browser.newPage();
      page.on("dialog", (d) => void d.accept());
      await page.goto(url);
      await page.getByText("Total", { exact: true }).waitFor();
      // Each stat card holds its label in a <span> and its value in the card's last <div>.
      const cards = async () =>
        Object.fromEntries(
          await page.$$eval("div.grid > div", (els) =>
            els.map((e) => [
              (e.querySelector("span")?.textContent ?? "").trim().toLowerCase(),
              Number((e.lastElementChild?.textContent ?? "").replace(/,/g, "").trim()),
            ]),
          ),
        );
      // The totals shown equal result.json's, which are the database's as the run ended.
      expect(await cards()).toEqual(result.finalStatuses);
      for (const status of ["completed", "failed"] as const) {
        expect(await jobs.countDocuments({ status })).toBe(result.finalStatuses[status]);
      }

      // Cancel: a pending job scheduled through the API, cancelled from the page.
      const created = await fetch(new URL("jobs", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "ui-cancel-me", runAt: new Date(Date.now() + 3_600_000).toISOString() }),
      }).then((r) => r.json() as Promise<{ id: string }>);
      await page.reload();
      await page.getByRole("button", { name: "Pending", exact: true }).click();
      const row = page
        .locator("div", { hasText: "ui-cancel-me" })
        .filter({ has: page.getByTitle("Cancel") })
        .last();
      await row.getByTitle("Cancel").click();
      await waitFor(async () =>
        (await jobs.findOne({ _id: new ObjectId(created.id) }))?.status === "cancelled" ? true : undefined,
      );

      // Retry: a failed job of the run, retried from the page, is pending again.
      await page.getByRole("button", { name: "Failed", exact: true }).click();
      const failedBefore = await jobs.countDocuments({ status: "failed" });
      await page.getByTitle("Retry").first().click();
      await waitFor(async () =>
        (await jobs.countDocuments({ status: "failed" })) === failedBefore - 1 ? true : undefined,
      );
      expect(await jobs.countDocuments({ status: "pending", name: "exhausted" })).toBe(1);
    } finally {
      await browser.close();
      await client?.close();
      ui.kill("SIGINT");
      const ended = await ui;
      expect(ended.exitCode).toBe(0);
    }
  });
});
