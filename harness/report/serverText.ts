import { describeIdentity, type ServerProduct } from "../servers/identify.ts";
import type { MongoTarget } from "../servers/provision.ts";

/** A result's server as result.json keeps it (the identity fields are absent in older results). */
export interface ServerInfo {
  provider: string;
  /** `buildInfo.version`: the MongoDB version the server answers as. */
  version: string;
  isMongoDB: boolean;
  product?: ServerProduct;
  /** Its own version (FerretDB's, the stand-in library's), when it says. */
  ownVersion?: string | null;
  backend?: string | null;
  topology?: string;
  identifiedBy?: string;
}

/** What result.json keeps of a run's server. */
export function serverInfoOf(target: MongoTarget): ServerInfo {
  const id = target.identity;
  return {
    provider: target.provider,
    version: target.version,
    isMongoDB: target.isMongoDB,
    product: id.product,
    ownVersion: id.version,
    backend: id.backend,
    topology: id.topology,
    identifiedBy: id.identifiedBy,
  };
}

/**
 * The one line every view gives a run's server: what it is by its own answers (never the MongoDB
 * version it answers as, for a server that is not MongoDB), and, for any server but mongod, that
 * its figures are its own.
 */
export function describeServer(server: ServerInfo): string {
  if (!server.product)
    return `${server.provider} ${server.version}${server.isMongoDB ? "" : " (the Java stand-in: its figures are not MongoDB figures)"}`;
  const what = describeIdentity({
    product: server.product,
    version: server.ownVersion ?? null,
    reportsAs: server.version,
    backend: server.backend ?? null,
    topology: server.topology ?? "standalone",
  });
  return `${what}${server.isMongoDB ? "" : ": its figures are not MongoDB figures"}`;
}
