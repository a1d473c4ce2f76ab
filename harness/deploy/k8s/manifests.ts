/**
 * The manifests of one run on Kubernetes, as plain objects: a namespace; the jobs' MongoDB and the
 * ledger's (single-node StatefulSets for a quick try) unless the user gives their own; the worker
 * Deployment (one pod per worker process, each a worker service: nothing but connection strings);
 * the trigger server's Deployment and Service; the harness as a Job, with the ServiceAccount and
 * the Role it needs to strike the workers; the scenario's faults as the Chaos Mesh resources the
 * harness creates at each fault's point (not applied with the rest); a kustomization.
 */

import { type ChaosTargets, type FaultMapping, mapFault } from "../../agents/k8sChaos.ts";
import type { PlannedFault } from "../../faults/faultType.ts";
import { type WorkerService, workerEnv } from "../workerEnv.ts";
import type { Plain } from "../yaml.ts";

/** Everything one run's manifests are made from. */
export interface K8sRun {
  namespace: string;
  image: string;
  scenario: string;
  /** The scenario's flags, passed on to the harness in the Job. */
  harnessArgs: string[];
  /** The jobs' MongoDB: the user's, or null for an in-cluster one. */
  mongoUri: string | null;
  /** The ledger's MongoDB: the user's, or null for an in-cluster one. */
  ledgerUri: string | null;
  /** The run's database (the harness works in it and drops it). */
  dbName: string;
  workers: number;
  worker: Omit<WorkerService, "mongoUrl" | "dbName" | "ledgerUrl">;
  faults: PlannedFault[];
}

/** One file of the output folder: its name and its documents. */
export interface ManifestFile {
  name: string;
  documents: Record<string, Plain>[];
}

export const PART_OF = "mongo-job-scheduler-harness";
const labels = (component: string) => ({
  "app.kubernetes.io/part-of": PART_OF,
  "app.kubernetes.io/component": component,
});

/** A single-node MongoDB for a quick try: a StatefulSet and its headless Service. */
function mongoServer(name: string, ns: string): Record<string, Plain>[] {
  const l = labels(name);
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns, labels: l },
      spec: { clusterIP: "None", selector: l, ports: [{ name: "mongodb", port: 27017, targetPort: 27017 }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name, namespace: ns, labels: l },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: l },
        template: {
          metadata: { labels: l },
          spec: {
            containers: [
              {
                name: "mongod",
                image: "mongo:7",
                args: ["--bind_ip_all"],
                ports: [{ name: "mongodb", containerPort: 27017 }],
                readinessProbe: {
                  exec: { command: ["mongosh", "--quiet", "--eval", "db.adminCommand({ ping: 1 }).ok"] },
                  periodSeconds: 5,
                },
                volumeMounts: [{ name: "data", mountPath: "/data/db" }],
              },
            ],
            volumes: [{ name: "data", emptyDir: {} }],
          },
        },
      },
    },
  ];
}

const inCluster = (name: string, ns: string) =>
  `mongodb://${name}-0.${name}.${ns}.svc:27017/?directConnection=true`;

/** The address of the jobs' MongoDB and of the ledger's. */
export function serverUris(run: K8sRun): { mongo: string; ledger: string } {
  return {
    mongo: run.mongoUri ?? inCluster("mongo", run.namespace),
    ledger: run.ledgerUri ?? inCluster("ledger", run.namespace),
  };
}

function envList(env: Record<string, string | undefined>): Plain[] {
  return Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([name, value]) => ({ name, value }));
}

function deployment(
  name: string,
  ns: string,
  image: string,
  replicas: number,
  container: Record<string, Plain>,
): Record<string, Plain> {
  const l = labels(name);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels: l },
    spec: {
      replicas,
      selector: { matchLabels: l },
      template: {
        metadata: { labels: l },
        spec: { containers: [{ name, image, ...container }] },
      },
    },
  };
}

/** The harness's Job and what it may do: read and delete pods, exec into them, create and delete Chaos Mesh resources. */
function harnessJob(run: K8sRun, uris: { mongo: string; ledger: string }): Record<string, Plain>[] {
  const ns = run.namespace;
  const l = labels("harness");
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "harness", namespace: ns, labels: l } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "harness", namespace: ns, labels: l },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
        { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
        {
          apiGroups: ["chaos-mesh.org"],
          resources: ["podchaos", "networkchaos", "timechaos"],
          verbs: ["get", "list", "create", "delete"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "harness", namespace: ns, labels: l },
      subjects: [{ kind: "ServiceAccount", name: "harness", namespace: ns }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "harness" },
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "harness", namespace: ns, labels: l },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: l },
          spec: {
            serviceAccountName: "harness",
            restartPolicy: "Never",
            containers: [
              {
                name: "harness",
                image: run.image,
                command: ["node", "bin/harness.js"],
                args: ["scenario", run.scenario, ...run.harnessArgs, "--ledger", "db", "--agent", "k8s"],
                env: envList({
                  MONGO_URL: uris.mongo,
                  LEDGER_URL: uris.ledger,
                  HARNESS_DB: run.dbName,
                  HARNESS_K8S_WORKERS: selectorOf(labels("worker")),
                  HARNESS_K8S_TRIGGER: "http://trigger:3000",
                  HARNESS_K8S_MONGO: run.mongoUri
                    ? `host:${hostOf(run.mongoUri)}`
                    : selectorOf(labels("mongo")),
                }),
                volumeMounts: [{ name: "reports", mountPath: "/app/reports" }],
              },
            ],
            volumes: [{ name: "reports", emptyDir: {} }],
          },
        },
      },
    },
  ];
}

/** The faults' mappings, or the first fault without one (and why). */
export function faultMappings(
  run: K8sRun,
): { mappings: { fault: PlannedFault; mapping: FaultMapping }[] } | { refused: string } {
  const targets: ChaosTargets = {
    namespace: run.namespace,
    workers: labels("worker"),
    mongo: run.mongoUri ? { host: hostOf(run.mongoUri) } : { pods: labels("mongo") },
  };
  const mappings: { fault: PlannedFault; mapping: FaultMapping }[] = [];
  for (const fault of run.faults) {
    const m = mapFault(fault, targets);
    if ("none" in m) return { refused: `fault ${fault.id} (${fault.spec.type}): ${m.none}` };
    mappings.push({ fault, mapping: m });
  }
  return { mappings };
}

/** A label selector (`k=v,k=v`) of labels. */
export function selectorOf(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function hostOf(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?,:]+)/.exec(uri)?.[1] ?? uri;
}

/** Every file of a run's folder, the README apart. */
export function renderManifests(
  run: K8sRun,
  mappings: { fault: PlannedFault; mapping: FaultMapping }[],
): ManifestFile[] {
  const ns = run.namespace;
  const uris = serverUris(run);
  const files: ManifestFile[] = [
    {
      name: "00-namespace.yaml",
      documents: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: labels("run") } }],
    },
  ];
  const servers = [
    ...(run.mongoUri ? [] : mongoServer("mongo", ns)),
    ...(run.ledgerUri ? [] : mongoServer("ledger", ns)),
  ];
  if (servers.length) files.push({ name: "10-mongodb.yaml", documents: servers });
  const env = workerEnv({ ...run.worker, mongoUrl: uris.mongo, dbName: run.dbName, ledgerUrl: uris.ledger });
  files.push({
    name: "20-workers.yaml",
    documents: [
      deployment("worker", ns, run.image, run.workers, {
        command: ["node", "--import", "tsx", "harness/processes/workerMain.ts"],
        env: envList(env),
        // A killed pod's replacement is a new instance: the ledger tells them apart by instance id.
        resources: { requests: { cpu: "250m", memory: "256Mi" } },
      }),
    ],
  });
  const trigger = labels("trigger");
  files.push({
    name: "30-trigger.yaml",
    documents: [
      deployment("trigger", ns, run.image, 1, {
        command: ["node", "--import", "tsx", "harness/processes/triggerMain.ts"],
        env: envList({ MONGO_URL: uris.mongo, HARNESS_DB: run.dbName, PORT: "3000", HOST: "0.0.0.0" }),
        ports: [{ name: "http", containerPort: 3000 }],
        readinessProbe: { tcpSocket: { port: 3000 }, periodSeconds: 2 },
      }),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "trigger", namespace: ns, labels: trigger },
        spec: { selector: trigger, ports: [{ name: "http", port: 3000, targetPort: 3000 }] },
      },
    ],
  });
  files.push({ name: "40-harness.yaml", documents: harnessJob(run, uris) });
  const chaos = mappings.flatMap(({ mapping }) => (mapping.via === "chaos-mesh" ? [mapping.resource] : []));
  if (chaos.length) files.push({ name: "faults/chaos.yaml", documents: chaos });
  files.push({
    name: "kustomization.yaml",
    documents: [
      {
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: ns,
        // The faults are not among them: the harness creates each at its point of the run.
        resources: files.filter((f) => !f.name.startsWith("faults/")).map((f) => f.name),
      },
    ],
  });
  return files;
}
