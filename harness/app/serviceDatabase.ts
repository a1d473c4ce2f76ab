/**
 * The run's database as the service is given it, and where the jobs went when they did not arrive
 * there (a service that ignores the database in its URL, or a description with the wrong
 * collection).
 */
import { type Db, type Document, MongoClient } from "mongodb";
import { HarnessError } from "../util/exitCodes.ts";

/** The connection string with its path naming `dbName` (the options after `?` kept). */
export function withDatabase(uri: string, dbName: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new HarnessError(`cannot add a database to the connection string ${uri}`);
  return `${m[1]}/${dbName}${m[3] ?? ""}`;
}

/** The job ids as the collection stores them: ObjectIds when they look like one, else strings. */
async function idsAsStored(ids: readonly string[]): Promise<unknown[]> {
  const { ObjectId } = await import("mongodb");
  return ids.flatMap((id) => (ObjectId.isValid(id) && id.length === 24 ? [new ObjectId(id), id] : [id]));
}

/**
 * Where accepted job ids are, when they are not in the run's collection: another collection of the
 * run's database, or (on a server the harness started, never a user's) another database. A phrase
 * for the error line, or null when they are nowhere to be found.
 */
export async function whereJobsWent(
  uri: string,
  db: Db,
  ids: readonly string[],
  collection: string,
  attached: boolean,
): Promise<string | null> {
  const filter: Document = { _id: { $in: await idsAsStored(ids) } };
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray())
    if (c.name !== collection && (await db.collection(c.name).countDocuments(filter)) > 0)
      return `they are in collection ${c.name} of the run's database: set "collection": "${c.name}" in the API description`;
  if (attached) return null;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (name === db.databaseName || ["admin", "local", "config"].includes(name)) continue;
      for (const c of await client.db(name).listCollections({}, { nameOnly: true }).toArray())
        if ((await client.db(name).collection(c.name).countDocuments(filter)) > 0)
          return `they are in database ${name} (collection ${c.name}): the service does not use the database named in the URL it was given`;
    }
  } catch {
    // Nothing more to say.
  } finally {
    await client.close().catch(() => {});
  }
  return null;
}
