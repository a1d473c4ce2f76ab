import { type MongoServerHandle, ProviderUnavailable } from "./target.ts";

/** MongoDB 7 in a container via testcontainers, for machines with a Docker engine. */
export async function startDocker(): Promise<MongoServerHandle> {
  try {
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer("mongo:7")
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
      .start();
    return {
      provider: "docker",
      uri: `mongodb://${container.getHost()}:${container.getMappedPort(27017)}`,
      async stop() {
        await container.stop();
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderUnavailable("docker", `no container: ${message.split("\n")[0]}`);
  }
}
