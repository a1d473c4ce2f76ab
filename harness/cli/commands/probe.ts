import { runProbe } from "../../probe/probe.ts";
import { probeLine, renderProbe } from "../../report/probeViews.ts";
import { describeServer, serverInfoOf } from "../../report/serverText.ts";
import { provisionMongo } from "../../servers/provision.ts";
import { ExitCode } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";
import { mongoOptions, mongoProblem } from "../mongoOptions.ts";
import { rejectProblems } from "../output.ts";

/**
 * `probe`: measures the primitives the schedulers rely on, on the server the run would use, and
 * prints a table. Exit 1 when a primitive mongo-job-scheduler or Agenda relies on is broken there,
 * naming the features that breaks; 0 otherwise.
 */
export async function probeCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  rejectProblems([mongoProblem(argv)]);
  const mongo = mongoOptions(argv, "probe", io.env);
  return io.withInterrupt("the probe", async (signal) => {
    const target = await provisionMongo({
      choice: mongo.choice,
      ...(mongo.uri ? { mongoUri: mongo.uri } : {}),
      progress: io.reporter.progress,
      signal,
    });
    try {
      io.print(`server: ${target.provider}: ${describeServer(serverInfoOf(target))}`);
      const probe = await runProbe(target.uri, argv.quick ? "quick" : "full");
      io.print(renderProbe(probe, { colour: io.colour }));
      io.print(probeLine(probe));
      if (probe.broken.length === 0) {
        io.print("no primitive that mongo-job-scheduler or Agenda relies on is broken here");
        return ExitCode.Pass;
      }
      io.print("broken here, and what it breaks:");
      for (const line of probe.broken) io.print(`  - ${line}`);
      return ExitCode.Fail;
    } finally {
      await target.stop().catch(() => {});
    }
  });
}
