/**
 * The few Kubernetes API calls the Kubernetes agent makes, over HTTPS with the pod's service-account
 * token (in the cluster), or against any base URL and token (tests use a fake API server).
 */
import { existsSync, readFileSync } from "node:fs";
import { Agent, fetch } from "undici";
import { envValue } from "../util/environment.ts";
import { HarnessError } from "../util/exitCodes.ts";

/** The service account's files in every pod. */
const SA = "/var/run/secrets/kubernetes.io/serviceaccount";

/** A pod as the agent reads it. */
export interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string; creationTimestamp?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export interface K8sApi {
  /** The namespace the agent works in. */
  namespace: string;
  listPods(labelSelector: string): Promise<Pod[]>;
  /** The pod, or null once it is gone. */
  getPod(name: string): Promise<Pod | null>;
  /** Deletes a pod; `graceSeconds` 0 kills it at once. */
  deletePod(name: string, graceSeconds?: number): Promise<void>;
  /** Creates a Chaos Mesh resource (its kind's plural is derived from its kind). */
  createChaos(resource: { kind: string; metadata: { name: string } }): Promise<void>;
  /** Deletes a Chaos Mesh resource; one already gone is no error. */
  deleteChaos(kind: string, name: string): Promise<void>;
}

export interface K8sApiOptions {
  baseUrl: string;
  token: string;
  namespace: string;
  /** PEM of the cluster's CA, for HTTPS. */
  ca?: string;
}

/** The API of the cluster this pod runs in, from the service account's files; one line when not in a pod. */
export function inClusterOptions(env: NodeJS.ProcessEnv = process.env): K8sApiOptions {
  const api = envValue("HARNESS_K8S_API", env);
  if (api)
    return {
      baseUrl: api,
      token: envValue("HARNESS_K8S_TOKEN", env) ?? "",
      namespace: envValue("HARNESS_K8S_NAMESPACE", env) ?? "default",
    };
  const host = envValue("KUBERNETES_SERVICE_HOST", env);
  const port = envValue("KUBERNETES_SERVICE_PORT", env) ?? "443";
  if (!host || !existsSync(`${SA}/token`))
    throw new HarnessError(
      "--agent k8s runs inside a pod of the cluster (the harness Job that deploy k8s writes): no service account here",
    );
  return {
    baseUrl: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    token: readFileSync(`${SA}/token`, "utf8").trim(),
    namespace: readFileSync(`${SA}/namespace`, "utf8").trim(),
    ca: readFileSync(`${SA}/ca.crt`, "utf8"),
  };
}

const plural = (kind: string) => kind.toLowerCase();

export function k8sApi(o: K8sApiOptions): K8sApi {
  const dispatcher = o.ca ? new Agent({ connect: { ca: o.ca } }) : undefined;
  const ns = encodeURIComponent(o.namespace);
  const call = async (method: string, path: string, body?: unknown, okMissing = false) => {
    const response = await fetch(`${o.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${o.token}`,
        accept: "application/json",
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (okMissing && response.status === 404) return null;
    const text = await response.text();
    if (!response.ok) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      throw new Error(`${method} ${path}: ${response.status} ${message.slice(0, 200)}`);
    }
    return text ? (JSON.parse(text) as unknown) : null;
  };
  const chaos = (kind: string) => `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural(kind)}`;
  return {
    namespace: o.namespace,
    async listPods(labelSelector) {
      const list = (await call(
        "GET",
        `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(labelSelector)}`,
      )) as {
        items: Pod[];
      };
      return list.items;
    },
    async getPod(name) {
      return (await call(
        "GET",
        `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`,
        undefined,
        true,
      )) as Pod | null;
    },
    async deletePod(name, graceSeconds) {
      await call(
        "DELETE",
        `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`,
        graceSeconds === undefined
          ? undefined
          : { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: graceSeconds },
        true,
      );
    },
    async createChaos(resource) {
      await call("POST", chaos(resource.kind), resource);
    },
    async deleteChaos(kind, name) {
      await call("DELETE", `${chaos(kind)}/${encodeURIComponent(name)}`, undefined, true);
    },
  };
}

/** Whether a pod is up: running, ready, and not being deleted. */
export function podReady(p: Pod): boolean {
  return (
    p.status?.phase === "Running" &&
    !p.metadata.deletionTimestamp &&
    (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
