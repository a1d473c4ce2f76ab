import { join } from "node:path";
import { MongoClient } from "mongodb";
import { ensureFaultTools, startFaultRig } from "../../faults/faultRig.ts";
import { workerNames } from "../../faults/planFaults.ts";
import { FileLedger } from "../../ledger/fileLedger.ts";
import { defaultCacheDir, provisionMongo } from "../../mongo/provision.ts";
import type { ProviderChoice } from "../../mongo/target.ts";
import { prepareDatabase } from "../jobsCollection.ts";
import type { RunContext } from "./runContext.ts";

/**
 * Provision: the fault tools first (a fault the machine or target cannot support stops the run
 * here, before anything starts), then the MongoDB target, the run's database, the harness's ledger,
 * and the fault rig (proxies, clock files) the workers will be started with.
 */
export async function provisionPhase(
  ctx: RunContext,
  mongo: { choice: ProviderChoice; uri?: string },
): Promise<void> {
  const tools = await ensureFaultTools(ctx.plan, {
    cacheDir: defaultCacheDir(),
    mongoUri: mongo.uri,
    progress: ctx.reporter.progress,
  });
  const target = await provisionMongo({
    choice: mongo.choice,
    mongoUri: mongo.uri,
    progress: ctx.reporter.progress,
  });
  ctx.target = target;
  ctx.reporter.progress(
    `MongoDB target: ${target.provider} ${target.version}${target.isMongoDB ? "" : " (the Java stand-in: its figures are not MongoDB figures)"}; database ${ctx.dbName}`,
  );
  ctx.harnessLedger = new FileLedger(join(ctx.ledgerDir, "harness.jsonl"));
  ctx.client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  await ctx.client.connect();
  await prepareDatabase(ctx.client.db(ctx.dbName));
  ctx.rig = await startFaultRig(ctx.plan, tools, {
    mongoUri: target.uri,
    workers: workerNames(ctx.settings.sut.processes),
    runDir: ctx.runDir,
  });
  if (ctx.rig.proxies)
    ctx.reporter.progress("network faults: each worker reaches MongoDB through its own proxy");
}
