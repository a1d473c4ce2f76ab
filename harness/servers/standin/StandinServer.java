import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The harness's MongoDB stand-in: an in-memory server that speaks the wire protocol.
 * Binds 127.0.0.1 on the port given (0 picks a free one), prints "LISTENING <port>",
 * and exits when its standard input closes, so it cannot outlive the harness that started it.
 * With "oplog" after the port it keeps an oplog, so change streams work: every write is then
 * kept in memory too, and each read of a change stream scans them all, so it is asked for only
 * where a change stream is wanted. mongo-java-server leaves findAndModify (the schedulers' claim)
 * out of its oplog, so its change streams would not show claims; this launcher's databases add it.
 * "oplog-as-shipped" keeps mongo-java-server's own oplog, without them (to test the check that
 * finds such a change stream out).
 */
public final class StandinServer {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        String oplog = args.length > 1 ? args[1] : "";
        MemoryBackend backend = oplog.equals("oplog")
            ? new MemoryBackend() {
                @Override
                public MemoryDatabase openOrCreateDatabase(String databaseName) {
                    return new ClaimLoggingDatabase(databaseName, getCursorRegistry());
                }
            }
            : new MemoryBackend();
        backend.version(ServerVersion.MONGO_5_0);
        if (oplog.startsWith("oplog")) {
            backend.enableOplog();
        }
        MongoServer server = new MongoServer(backend);
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

    /** A database whose findAndModify reaches the oplog as the other writes do. */
    static final class ClaimLoggingDatabase extends MemoryDatabase {
        ClaimLoggingDatabase(String name, de.bwaldvogel.mongo.backend.CursorRegistry cursors) {
            super(name, cursors);
        }

        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
            if (oplog == null || oplog instanceof NoopOplog || !command.equalsIgnoreCase("findAndModify")) {
                return super.handleCommand(channel, command, query, resolver, oplog);
            }
            String collectionName = String.valueOf(query.get(command));
            String namespace = getDatabaseName() + "." + collectionName;
            Document selector = query.get("query") instanceof Document ? (Document) query.get("query") : new Document();
            // Its answer has no lastErrorObject: whether an upsert inserted is seen from before.
            boolean upsert = Boolean.TRUE.equals(query.get("upsert"));
            MongoCollection<?> before = resolveCollection(collectionName, false);
            boolean existed = upsert && before != null && before.handleQueryAsStream(selector).findAny().isPresent();
            Document response = super.handleCommand(channel, command, query, resolver, oplog);
            Object value = response.get("value");
            if (Boolean.TRUE.equals(query.get("remove"))) {
                if (value instanceof Document) {
                    oplog.handleDelete(namespace, selector, List.of(((Document) value).get("_id")));
                }
            } else if (upsert && !existed) {
                MongoCollection<?> collection = resolveCollection(collectionName, false);
                Document inserted = collection == null ? null : collection.handleQueryAsStream(selector).findFirst().orElse(null);
                if (inserted != null) {
                    oplog.handleInsert(namespace, List.of(inserted));
                }
            } else if (value instanceof Document) {
                Object update = query.get("update");
                oplog.handleUpdate(
                    namespace,
                    selector,
                    update instanceof Document ? (Document) update : new Document(),
                    List.of(((Document) value).get("_id")));
            }
            return response;
        }
    }
}
