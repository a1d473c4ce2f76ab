import { type Db, MongoClient } from "mongodb";

/**
 * A real `Db` of the driver the harness uses, on a client that never connects: building objects
 * on it (`db.collection(...)`, a store, a Scheduler) works as against a server, and every database
 * operation waits for ever instead of reaching a server. The harness builds a user's wiring on one
 * before any process starts, so a builder that throws or returns no scheduler is refused at once.
 * `operations` counts the operations that asked for a connection: a build still pending after one
 * is waiting for the database, and can only be judged once MongoDB is up.
 */
export function dryDatabase(name = "harness-wiring-check"): {
  db: Db;
  operations(): number;
  /** Resolves when the first operation asks for a connection. */
  firstOperation: Promise<void>;
} {
  // Never connected, so the address is never dialled; it only has to parse.
  const client = new MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1");
  let count = 0;
  let touched: () => void = () => {};
  const firstOperation = new Promise<void>((resolve) => {
    touched = resolve;
  });
  // The driver connects an unconnected client on its first operation (autoConnect calls
  // client.connect()): answering with a promise that never settles keeps every operation pending,
  // with no socket, timer or handle that would keep this process alive.
  client.connect = () => {
    count += 1;
    touched();
    return new Promise<MongoClient>(() => {});
  };
  return { db: client.db(name), operations: () => count, firstOperation };
}
