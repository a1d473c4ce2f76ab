import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/**
 * The harness's MongoDB stand-in: an in-memory server that speaks the wire protocol.
 * Binds 127.0.0.1 on the port given (0 picks a free one), prints "LISTENING <port>",
 * and exits when its standard input closes, so it cannot outlive the harness that started it.
 */
public final class StandinServer {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        MongoServer server = new MongoServer(new MemoryBackend().version(ServerVersion.MONGO_5_0));
        server.bind("127.0.0.1", port);
        InetSocketAddress address = server.getLocalAddress();
        System.out.println("LISTENING " + address.getPort());
        System.out.flush();
        while (System.in.read() != -1) {
            // Any input is ignored; end of input means the parent is gone.
        }
        server.shutdownNow();
        System.exit(0);
    }
}
