/**
 * A system under test, as the bench runs it: which scheduler adapter's jobs it works on (seeded and
 * read back through that adapter's bench extension), how its worker processes start, and whether it
 * has a trigger server for the open loop. A scheduler whose adapter has a bench extension is one
 * entry here; the raw claim loops are baselines on mongo-job-scheduler's own jobs.
 */
export interface BenchSut {
  id: string;
  /** The adapter whose jobs, collection and bench extension it uses. */
  adapter: string;
  /** The worker entry the supervisor starts (raw: the claim loop, no scheduler), and extra settings. */
  worker: { raw: boolean; config: Record<string, unknown> };
  /** Serves POST /jobs through the trigger server (the open loop and the enqueue figure need it). */
  trigger: boolean;
  /** Runs the scheduler build under test (so --versus gives it a second build). */
  usesBuild: boolean;
}

/** The systems the bench knows, by id. */
export const benchSuts: Record<string, BenchSut> = {
  "mongo-job-scheduler": {
    id: "mongo-job-scheduler",
    adapter: "mongo-job-scheduler",
    worker: { raw: false, config: {} },
    trigger: true,
    usesBuild: true,
  },
  /** Agenda 6 with its MongoDB backend, the scheduler most would pick instead. */
  agenda: {
    id: "agenda",
    adapter: "agenda",
    worker: { raw: false, config: { jobNames: ["bench"] } },
    trigger: true,
    usesBuild: false,
  },
  /** The scheduler's own claim and completion straight through the driver. */
  "raw-claim": {
    id: "raw-claim",
    adapter: "mongo-job-scheduler",
    worker: { raw: true, config: { readBack: false } },
    trigger: false,
    usesBuild: false,
  },
  /** The same, reading each job back once as the scheduler's worker does. */
  "raw-claim+read": {
    id: "raw-claim+read",
    adapter: "mongo-job-scheduler",
    worker: { raw: true, config: { readBack: true } },
    trigger: false,
    usesBuild: false,
  },
};

/** Which build of the scheduler a variant runs. */
export type Build = "current" | "versus";

/** One column of the bench: a system, a build of it, and the ledger on or off. */
export interface BenchVariant {
  id: string;
  sut: string;
  build: Build;
  /** The scheduler build its processes load (carried in their SUT spec); null: the installed package. */
  schedulerPath: string | null;
  ledger: boolean;
  /**
   * compared: the columns ratios and gates are about (ledger off, one per system and build);
   * baseline: the raw claim loops; diagnostic: the scheduler with the ledger on (harness overhead).
   */
  role: "compared" | "baseline" | "diagnostic";
}

export interface VariantChoice {
  /** Systems to compare; the first is the reference the others are divided by. */
  suts: readonly string[];
  /** The --versus build's folder, if any. */
  versusPath: string | null;
  /** The current build's folder (--scheduler), if not the installed package. */
  currentPath: string | null;
}

/**
 * The variants of a bench. Plain: each system ledger off, plus the raw claim loops and the ledger-on
 * scheduler. With --versus: the scheduler's current and versus builds, ledger off, nothing else,
 * so the time goes to the gated figures. Unknown systems are reported by the caller before this.
 */
export function chooseVariants(choice: VariantChoice): BenchVariant[] {
  const compared = (sut: string, build: Build): BenchVariant => ({
    id: build === "versus" ? `${sut}@versus` : sut,
    sut,
    build,
    schedulerPath: build === "versus" ? choice.versusPath : choice.currentPath,
    ledger: false,
    role: "compared",
  });
  if (choice.versusPath) {
    const sut = choice.suts[0] ?? "mongo-job-scheduler";
    return [compared(sut, "current"), compared(sut, "versus")];
  }
  const out = choice.suts.map((s) => compared(s, "current"));
  if (choice.suts.includes("mongo-job-scheduler")) {
    out.push(
      {
        ...compared("mongo-job-scheduler", "current"),
        id: "mongo-job-scheduler+ledger",
        ledger: true,
        role: "diagnostic",
      },
      { ...compared("raw-claim", "current"), role: "baseline" },
      { ...compared("raw-claim+read", "current"), role: "baseline" },
    );
  }
  return out;
}

/** The systems named by --sut that the bench does not know, for one clear error line. */
export function unknownSuts(suts: readonly string[]): string[] {
  return suts.filter((s) => !benchSuts[s]?.trigger);
}

/** The systems --sut may name. */
export function knownSuts(): string[] {
  return Object.values(benchSuts)
    .filter((s) => s.trigger)
    .map((s) => s.id);
}
