/**
 * Whose promise broke when a checker fails: the server's (a primitive the scheduler relies on does
 * not hold there) or the scheduler's. The verdict stays what the checkers said (the deployment is
 * broken either way); this says where the evidence points, per job where it allows, and says so
 * where it cannot tell. The evidence: the probe's verdicts on this server, and the ledger, whose
 * start records keep the lock version each claim returned. mongo-job-scheduler's claim increments
 * the version, so two executions of one job started from claims that returned the same version
 * were not claimed atomically: on a server whose findOneAndUpdate the probe found atomic, the
 * scheduler's claim is to blame (a find then an update, say); on one where it found it broken, the
 * server is.
 */
import type { AnyCheckerResult, CheckerName, CheckerResults, Violation } from "../checkers/types.ts";
import type { History } from "../ledger/history.ts";
import type { PrimitiveName, PrimitiveVerdict, ProbeResult } from "./probeTypes.ts";

/** Whose promise: the server's, the scheduler's, the service's around it (app mode), or not known. */
export type Blame = "server" | "scheduler" | "service" | "unknown";

/** One broken promise, and whose it is. */
export interface BlamedViolation {
  checker: CheckerName;
  kind: string;
  jobId?: string;
  blame: Blame;
  why: string;
}

export interface Attribution {
  /** Every counted violation of a failed checker, by whose promise broke. */
  counts: Record<Blame, number>;
  /** server / scheduler / service / both (more than one of them) / unknown: where the evidence of the run as a whole points. */
  verdict: "server" | "scheduler" | "service" | "both" | "unknown";
  /** One line for people. */
  summary: string;
  /** The first violations with their blame (the counts cover them all). */
  examples: BlamedViolation[];
}

/** At most this many blamed violations are kept as examples. */
const MAX_EXAMPLES = 50;

/** The double executions whose claims returned one lock version, by job: proof of a non-atomic claim. */
function sameVersionClaims(history: History): Map<string, number> {
  const versions = new Map<string, Map<number, number>>();
  for (const r of history.records) {
    if (r.type !== "start" || r.lockVersion <= 0) continue;
    const byVersion = versions.get(r.jobId) ?? new Map<number, number>();
    byVersion.set(r.lockVersion, (byVersion.get(r.lockVersion) ?? 0) + 1);
    versions.set(r.jobId, byVersion);
  }
  const out = new Map<string, number>();
  for (const [jobId, byVersion] of versions)
    for (const [version, n] of byVersion) if (n > 1) out.set(jobId, version);
  return out;
}

/** The verdict the probe gave a primitive on this server, if it ran. */
function verdictOf(probe: ProbeResult | undefined, name: PrimitiveName): PrimitiveVerdict | undefined {
  return probe?.primitives.find((p) => p.name === name)?.verdict;
}

/** The primitives whose breaking would explain a violation of this kind, by checker. */
function suspects(checker: CheckerName): PrimitiveName[] {
  switch (checker) {
    case "re-executions":
    case "recovery-time":
    case "lost-jobs":
      return ["claim", "scheduler-claim"];
    case "dedupe":
      return ["unique-index", "upsert"];
    case "effects":
      return ["claim", "scheduler-claim"];
    case "observed-concurrency":
      return ["claim", "read-your-writes"];
    case "concurrency-limit":
      return ["claim", "read-your-writes"];
    case "final-state":
    case "ownership":
      return ["compare-and-set", "claim"];
    default:
      return [];
  }
}

/** Whose promise one violation broke, and why. */
function blameOf(checker: CheckerName, v: Violation, evidence: Evidence): { blame: Blame; why: string } {
  // A refusal that stored the job anyway is the enqueue's answer, whatever its claims did later.
  if (v.kind === "refused-but-stored")
    return {
      blame: "scheduler",
      why: "schedule() failed (the trigger server answered with a refusal) though the job was stored: a write whose reply was lost, with no idempotency key to tell",
    };
  if (v.kind === "priority-not-stored")
    return {
      blame: "service",
      why: "the document holds another priority than the request asked: the service's own code between its API and schedule()",
    };
  if (checker === "instance-stop")
    return {
      blame: "service",
      why: "how an instance stops is the service's own code (its SIGTERM handler) and how it is run",
    };
  const found = blameOfRun(checker, v, evidence);
  // Seen from outside, what the probe cannot explain may be the service's code or wiring as well
  // as the scheduler it runs.
  if (evidence.app && found.blame === "scheduler")
    return {
      blame: "unknown",
      why: `${found.why}; seen from outside, the service's own code and wiring cannot be told from the scheduler's`,
    };
  return found;
}

interface Evidence {
  sameVersion: Map<string, number>;
  probe: ProbeResult | undefined;
  versioned: boolean;
  /** App mode: the scheduler runs inside the user's service, seen as a black box. */
  app: boolean;
}

/** Whose promise one violation broke, between the server and the scheduler. */
function blameOfRun(checker: CheckerName, v: Violation, evidence: Evidence): { blame: Blame; why: string } {
  const claimHere = (["claim", "scheduler-claim"] as const).map((p) => verdictOf(evidence.probe, p));
  const version = v.jobId ? evidence.sameVersion.get(v.jobId) : undefined;
  if (version !== undefined) {
    const same = `two claims of this job returned lock version ${version}`;
    if (claimHere.includes("broken"))
      return {
        blame: "server",
        why: `${same}, and the probe found this server's findOneAndUpdate not atomic`,
      };
    if (claimHere.every((c) => c === "holds"))
      return {
        blame: "scheduler",
        why: `${same} though the probe found this server's findOneAndUpdate atomic: the scheduler's claim is not one atomic operation`,
      };
    return {
      blame: "unknown",
      why: `${same}: the claim was not atomic, and without the probe the ledger cannot say whose`,
    };
  }
  const primitives = suspects(checker);
  if (primitives.length === 0)
    return { blame: "scheduler", why: "no server primitive the probe measures bears on this promise" };
  const broken = primitives.filter((p) => verdictOf(evidence.probe, p) === "broken");
  if (broken.length) {
    if (evidence.versioned && checker === "re-executions")
      return {
        blame: "scheduler",
        why: `the probe found ${broken.join(" and ")} broken on this server, but this job's claims returned different lock versions: an earlier lock was taken over, as a lease without fencing allows`,
      };
    return {
      blame: "unknown",
      why: `the probe found ${broken.join(" and ")} broken on this server, and the ledger cannot tell whether this job was hit by it`,
    };
  }
  const held = primitives.filter((p) => verdictOf(evidence.probe, p) === "holds");
  if (held.length === primitives.length)
    return { blame: "scheduler", why: `the probe found ${held.join(" and ")} holding on this server` };
  return { blame: "unknown", why: "the probe did not measure the primitives this promise rests on" };
}

/**
 * Attributes every counted violation of every failed checker. `versioned`: the scheduler's claim
 * increments a lock version the ledger keeps (mongo-job-scheduler), so same-version claims are
 * evidence; for one whose claim carries none (Agenda), only the probe speaks.
 */
export function attribute(
  checkers: CheckerResults,
  history: History,
  probe: ProbeResult | undefined,
  versioned: boolean,
  app = false,
): Attribution {
  const evidence: Evidence = {
    sameVersion: versioned ? sameVersionClaims(history) : new Map(),
    probe,
    versioned,
    app,
  };
  const counts: Record<Blame, number> = { server: 0, scheduler: 0, service: 0, unknown: 0 };
  const examples: BlamedViolation[] = [];
  for (const r of Object.values(checkers) as AnyCheckerResult[]) {
    if (r.verdict !== "fail" || r.informational) continue;
    for (const v of r.violations) {
      const { blame, why } = blameOf(r.name, v, evidence);
      counts[blame]++;
      if (examples.length < MAX_EXAMPLES)
        examples.push({ checker: r.name, kind: v.kind, ...(v.jobId ? { jobId: v.jobId } : {}), blame, why });
    }
  }
  const parties = (["server", "scheduler", "service"] as const).filter((b) => counts[b] > 0);
  const verdict = parties.length > 1 ? "both" : (parties[0] ?? "unknown");
  return { counts, verdict, summary: summaryOf(counts, verdict, probe), examples };
}

function summaryOf(
  counts: Record<Blame, number>,
  verdict: Attribution["verdict"],
  probe: ProbeResult | undefined,
): string {
  const total = counts.server + counts.scheduler + counts.service + counts.unknown;
  if (total === 0) return "no promise broke";
  const brokenHere = probe?.primitives.filter((p) => p.verdict === "broken").map((p) => p.name) ?? [];
  const server = brokenHere.length ? ` (the probe found ${brokenHere.join(", ")} broken on this server)` : "";
  const parts = [
    counts.server ? `${counts.server} the server's${server}` : "",
    counts.scheduler ? `${counts.scheduler} the scheduler's` : "",
    counts.service ? `${counts.service} the service's` : "",
    counts.unknown ? `${counts.unknown} cannot be told apart` : "",
  ].filter(Boolean);
  const lead =
    verdict === "server"
      ? "the server's promise broke"
      : verdict === "scheduler"
        ? "the scheduler's promise broke"
        : verdict === "service"
          ? "the service's own promise broke"
          : verdict === "both"
            ? "more than one party's promises broke (see the counts)"
            : "whose promise broke cannot be told";
  return `${lead}: of ${total} broken promise(s), ${parts.join(", ")}`;
}
