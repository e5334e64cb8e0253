import java.io.BufferedReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import lib.store.s3.NativeHttp;
import lib.store.s3.S3Clients;

/**
 * A short run that loads the classes a real sync loads, so that the ./jbang wrapper can dump
 * them into a class-data-sharing archive once per build (LAMBDA_SYNC_CDS_TRAINING=1): the
 * JVM then starts a sync in about half the time. It syncs a scratch repo through a tiny
 * in-process S3 stand-in on loopback, which answers every request with an empty 200, and
 * through a directory store. Nothing outside a temp directory is touched.
 */
final class StartupTraining {
    private StartupTraining() {}

    static void run() throws Exception {
        Path tmp = Files.createTempDirectory("lambda-sync-cds-");
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(server));
            t.setDaemon(true);
            t.start();
            Path repo = Files.createDirectories(tmp.resolve("repo"));
            Files.createDirectories(repo.resolve(".git"));
            Files.createDirectories(repo.resolve("exp/data"));
            Files.writeString(repo.resolve("exp/data/a.txt"), "training\n");
            Path s3 = repo.resolve("s3.sync.env"), dir = repo.resolve("dir.sync.env");
            Files.writeString(
                    s3,
                    "BUCKET_NAME=training\nLAMBDA_ACCESS_KEY_ID=k\nLAMBDA_SECRET_ACCESS_KEY=training-secret\n"
                            + "LAMBDA_ENDPOINT_URL=http://127.0.0.1:" + server.getLocalPort() + "\n");
            Files.writeString(dir, "SYNC_TARGET=target\n");
            // Real endpoints are https, which the stand-in is not: build (never use) such a
            // client too, so the TLS classes are in the archive as well.
            S3Clients.close(S3Clients.create("https://127.0.0.1:1", "us-east-1", "k", "training-secret", 1));
            for (String[] args : new String[][] {
                {"--help"},
                {s3.toString(), "upload", "--yes"},
                {s3.toString(), "download", "--yes", "--json"},
                {dir.toString(), "upload", "--yes"},
                {dir.toString(), "status"}
            }) {
                // The download goes through the native client (https's, see NativeHttp) so its
                // request path is in the archive too; the upload through the Java one (http's).
                if (args.length > 1 && args[1].equals("download")) System.setProperty(NativeHttp.PROPERTY, "native");
                else System.clearProperty(NativeHttp.PROPERTY);
                LambdaSync cmd = new LambdaSync();
                cmd.workDir = repo;
                cmd.env = Map.of("HOME", tmp.toString());
                cmd.interactive = false;
                cmd.in = new BufferedReader(new StringReader(""));
                StringWriter sink = new StringWriter();
                LambdaSync.execute(cmd, new PrintWriter(sink), new PrintWriter(sink), args);
            }
        } finally {
            System.clearProperty(NativeHttp.PROPERTY);
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Answers each request on each connection with an empty 200 (keep-alive). */
    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread c = new Thread(() -> answer(s));
                c.setDaemon(true);
                c.start();
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void answer(Socket s) {
        try (s;
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[65536];
            while (true) {
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0) {
                    int b = in.read();
                    if (b < 0) return;
                    head.append((char) b);
                }
                long len = 0;
                for (String line : head.toString().split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:"))
                        len = Long.parseLong(line.substring(15).trim());
                }
                for (long left = len; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) return;
                    left -= n;
                }
                String body = head.toString().startsWith("GET /training?")
                                || head.toString().startsWith("GET /training/?")
                        ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>training</Name><KeyCount>0</KeyCount>"
                                + "<IsTruncated>false</IsTruncated></ListBucketResult>"
                        : "";
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length
                                + "\r\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\n"
                                + "Content-Type: application/xml\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
            }
        } catch (Exception e) {
            // training only: whatever happens, the classes are loaded
        }
    }
}
