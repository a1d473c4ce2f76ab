/**
 * `deploy k8s`: one run's folder, from the scenario and its flags, whole or not at all.
 */
import type { PlannedFault } from "../../faults/faultType.ts";
import { HarnessError } from "../../util/exitCodes.ts";
import { writeFolder } from "../writeFolder.ts";
import { toYamlDocuments } from "../yaml.ts";
import { faultMappings, type K8sRun, renderManifests } from "./manifests.ts";
import { renderReadme } from "./readme.ts";

/** A namespace is a DNS label: lower-case letters, digits and hyphens, at most 63. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The problems of a run's description that make it unrenderable, each one line. */
export function k8sRunProblems(run: K8sRun): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(run.namespace) || run.namespace.length > 63)
    problems.push(
      `--namespace ${run.namespace}: a namespace is at most 63 lower-case letters, digits and hyphens`,
    );
  for (const [flag, uri] of [
    ["--mongo-uri", run.mongoUri],
    ["--ledger-uri", run.ledgerUri],
  ] as const)
    if (uri !== null && !/^mongodb(\+srv)?:\/\/[^/?]+/.test(uri))
      problems.push(`${flag} ${uri}: give a mongodb:// or mongodb+srv:// connection string`);
  if (!run.image.trim()) problems.push("--image: give the image of the harness to run");
  return problems;
}

/** Renders and writes the folder; refuses bad input (exit 3) before anything is written. */
export function renderK8sRun(
  run: K8sRun,
  out: string,
  command: string,
): { files: string[]; faults: PlannedFault[] } {
  const problems = k8sRunProblems(run);
  const mapped = faultMappings(run);
  if ("refused" in mapped) problems.push(`${mapped.refused}: no Kubernetes mapping`);
  if (problems.length || "refused" in mapped) throw new HarnessError(`cannot render: ${problems.join("; ")}`);
  const files = renderManifests(run, mapped.mappings);
  const texts = [
    ...files.map((f) => ({ name: f.name, text: toYamlDocuments(f.documents) })),
    { name: "README.md", text: renderReadme(run, files, mapped.mappings, command) },
  ];
  writeFolder(out, texts);
  return { files: texts.map((t) => t.name), faults: run.faults };
}
