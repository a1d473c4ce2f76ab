/**
 * A no-op HTTP endpoint: answers every request 201 with `{}` after reading its body. The bench
 * drives it to measure what the load generator alone can send, apart from the trigger server.
 * Says { ready, port } over IPC; exits when its parent goes.
 */
import { createServer } from "node:http";

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(201, { "content-type": "application/json" });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
});
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
