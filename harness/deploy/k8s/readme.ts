import type { FaultMapping } from "../../agents/k8sChaos.ts";
import type { PlannedFault } from "../../faults/faultType.ts";
import type { K8sRun, ManifestFile } from "./manifests.ts";

/** The README of a rendered folder: what is in it, how to apply it, and what has been checked of it. */
export function renderReadme(
  run: K8sRun,
  files: readonly ManifestFile[],
  mappings: readonly { fault: PlannedFault; mapping: FaultMapping }[],
  command: string,
): string {
  const faultRows = mappings.map(
    ({ fault, mapping }) =>
      `| \`${fault.id}\` | ${Math.round(fault.at * 100)} % of the jobs | ${fault.targets === "all" ? "every worker" : "one worker pod"} | ${
        mapping.via === "chaos-mesh"
          ? `Chaos Mesh ${mapping.kind} (\`faults/chaos.yaml\`)`
          : `API: ${mapping.call}`
      } |`,
  );
  return `# ${run.scenario} on Kubernetes

Made by \`${command}\`. One run of the scenario \`${run.scenario}\` in the namespace \`${run.namespace}\`.

## Apply

\`\`\`sh
docker build -t ${run.image} .          # in the harness's checkout; push it where the cluster pulls from
kubectl apply -k .                       # this folder
kubectl -n ${run.namespace} logs -f job/harness
kubectl delete -k .                      # the whole run, once its verdict is read
\`\`\`
${mappings.some((m) => m.mapping.via === "chaos-mesh") ? "\nThe faults need Chaos Mesh in the cluster (its CRDs and controller).\n" : ""}
## What is here

${files.map((f) => `- \`${f.name}\`: ${f.documents.map((d) => `${String(d.kind)} ${String((d.metadata as { name?: string } | undefined)?.name ?? "")}`.trim()).join(", ")}`).join("\n")}

The workers are ${run.workers} pods of the \`worker\` Deployment: each needs nothing but connection
strings, and writes its ledger in batches to \`${run.dbName}_ledger\` on the ledger's server, with
samples of its clock against that server's. The harness (the \`harness\` Job) sends the load through
the \`trigger\` Service, strikes the faults, reads the ledger on the server's clock and judges the run.

## Faults

${faultRows.length ? `| fault | when | target | how |\n| --- | --- | --- | --- |\n${faultRows.join("\n")}` : "None."}

The Chaos Mesh resources in \`faults/\` are not part of the kustomization: the harness creates each at
its point of the run, narrowed to the pod it strikes, and deletes it when the fault heals.

## What has been checked

Every manifest here was decoded strictly into the Kubernetes API's Go types (an unknown or misspelt
field is an error) and the Chaos Mesh resources checked against Chaos Mesh's CRD schemas, by the
harness's own checker (\`tools/k8scheck\`). None of it has been applied to a cluster by the harness's
tests: they run where there is no container runtime.
`;
}
