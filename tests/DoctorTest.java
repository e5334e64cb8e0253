import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lib.common.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `doctor` against the real test server: one line per check, exit 0 only when all pass, no secret shown. */
class DoctorTest {
    static final List<String> BUCKET_CHECKS = List.of(
            "config",
            "keys",
            "endpoint",
            "credentials",
            "bucket",
            "probe",
            "profile",
            "uploads",
            "trash",
            "clock",
            "java",
            "jbang",
            "repo",
            "data dirs");
    static final String WRONG_SECRET = "wrong-secret-0123456789abcdefWXYZ";

    @TempDir
    Path tmp;

    Repo repo(Path config) {
        Repo r = Repo.init(tmp.resolve("repo"), config);
        r.write("exp/data/a.txt", "a");
        return r;
    }

    /** The status word of each check line, by check name, in the order printed. */
    static List<String[]> lines(Repo.Run run) {
        List<String[]> out = new ArrayList<>();
        Matcher m =
                Pattern.compile("(?m)^(ok|warn|FAIL|skip) +([a-z ]+): (.*)$").matcher(run.out());
        while (m.find()) out.add(new String[] {m.group(1), m.group(2), m.group(3)});
        return out;
    }

    static String status(Repo.Run run, String check) {
        return lines(run).stream()
                .filter(l -> l[1].equals(check))
                .map(l -> l[0])
                .findFirst()
                .orElse("missing");
    }

    static String line(Repo.Run run, String check) {
        return lines(run).stream()
                .filter(l -> l[1].equals(check))
                .map(l -> l[0] + " " + l[2])
                .findFirst()
                .orElse("missing");
    }

    static void assertNoSecret(Repo.Run run) {
        String secret = S3Server.get().secretKey;
        assertFalse(run.both().contains(secret), run.toString());
        assertFalse(run.both().contains(WRONG_SECRET), run.toString());
    }

    @Test
    void healthyBucketPassesEveryCheckInOrderAndLeavesNoProbe() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp));
        Repo.Run run = r.run("doctor");
        assertEquals(0, run.code(), run.toString());
        assertEquals(BUCKET_CHECKS, lines(run).stream().map(l -> l[1]).toList(), run.toString());
        assertTrue(lines(run).stream().allMatch(l -> l[0].equals("ok")), run.toString());
        assertTrue(line(run, "probe").contains(".lambda-sync/doctor-probe-"), run.toString());
        assertTrue(line(run, "data dirs").contains("exp/data"), run.toString());
        assertTrue(run.out().strip().endsWith("all checks passed"), run.toString());
        assertEquals(0, b.contents().size(), "probe left behind: " + b.contents());
        assertNoSecret(run);
    }

    @Test
    void probeWritesReadsAndDeletesUnderThePrefix() throws IOException {
        Bucket b = new Bucket();
        try (RecordingProxy proxy = new RecordingProxy(S3Server.get().endpoint)) {
            Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=" + proxy.url(), "SYNC_PREFIX=team/repo"));
            Repo.Run run = r.run("doctor");
            assertEquals(0, run.code(), run.toString());
            String key = "/" + b.name + "/team/repo/.lambda-sync/doctor-probe-";
            for (String method : List.of("PUT", "GET", "DELETE")) {
                assertTrue(
                        proxy.requests().stream().anyMatch(q -> q.startsWith(method + " " + key)),
                        method + " missing: " + proxy.requests());
            }
        }
        assertEquals(0, b.contents().size(), b.contents().toString());
    }

    @Test
    void readOnlySendsNoWriteAndLeavesTheBucketAsItWas() throws IOException {
        Bucket b = new Bucket();
        try (RecordingProxy proxy = new RecordingProxy(S3Server.get().endpoint)) {
            Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=" + proxy.url()));
            Repo.Run run = r.run("doctor", "--read-only");
            assertEquals(0, run.code(), run.toString());
            assertEquals("skip", status(run, "probe"), run.toString());
            assertEquals("ok", status(run, "bucket"), run.toString());
            assertTrue(
                    proxy.requests().stream().anyMatch(q -> q.startsWith("GET /" + b.name)),
                    proxy.requests().toString());
            assertTrue(
                    proxy.requests().stream()
                            .noneMatch(q -> q.startsWith("PUT") || q.startsWith("DELETE") || q.startsWith("POST")),
                    proxy.requests().toString());
        }
        assertEquals(0, b.contents().size());
    }

    @Test
    void wrongSecretFailsTheCredentialsLine() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "LAMBDA_SECRET_ACCESS_KEY=" + WRONG_SECRET));
        Repo.Run run = r.run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertEquals("ok", status(run, "endpoint"), run.toString());
        assertTrue(
                line(run, "credentials")
                        .matches("FAIL LAMBDA_SECRET_ACCESS_KEY does not match .*SignatureDoesNotMatch.*"),
                run.toString());
        assertEquals("skip", status(run, "bucket"), run.toString());
        assertEquals("skip", status(run, "probe"), run.toString());
        assertTrue(line(run, "keys").contains(Secrets.mask(WRONG_SECRET)), run.toString());
        assertNoSecret(run);
    }

    @Test
    void unknownKeyIdFailsTheCredentialsLine() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "LAMBDA_ACCESS_KEY_ID=AKIANOSUCHKEY"));
        Repo.Run run = r.run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertTrue(line(run, "credentials").startsWith("FAIL"), run.toString());
        assertTrue(line(run, "credentials").contains("AKIANOSUCHKEY"), run.toString());
        assertNoSecret(run);
    }

    @Test
    void unknownBucketFailsTheBucketLine() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "BUCKET_NAME=no-such-bucket-4711"));
        Repo.Run run = r.run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertEquals("ok", status(run, "credentials"), run.toString());
        assertTrue(
                line(run, "bucket").matches("FAIL .*no-such-bucket-4711.*NoSuchBucket.*; check BUCKET_NAME.*"),
                run.toString());
        assertEquals("skip", status(run, "probe"), run.toString());
        assertNoSecret(run);
    }

    @Test
    void closedPortFailsTheEndpointLineWithinSeconds() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=http://127.0.0.1:" + port));
        long start = System.nanoTime();
        Repo.Run run = r.run("doctor");
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        assertEquals(1, run.code(), run.toString());
        assertTrue(line(run, "endpoint").matches("FAIL .*127\\.0\\.0\\.1:" + port + ".*refused.*"), run.toString());
        for (String c : List.of("credentials", "bucket", "probe", "clock"))
            assertEquals("skip", status(run, c), run.toString());
        assertEquals("ok", status(run, "repo"), "later independent checks still run:\n" + run);
        assertTrue(seconds < 10, "took " + seconds + " s");
    }

    @Test
    void malformedEndpointFailsTheEndpointLine() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL='not a url'"));
        Repo.Run run = r.run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertTrue(
                line(run, "endpoint").matches("FAIL .*LAMBDA_ENDPOINT_URL must look like https://host\\[:port\\].*"),
                run.toString());
        assertEquals("skip", status(run, "credentials"), run.toString());
        assertEquals("", run.err(), run.toString());
    }

    @Test
    void unquotedSpaceInEndpointIsAOneLineConfigError() {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=not a url"));
        Repo.Run run = r.run("doctor");
        assertEquals(2, run.code(), run.toString());
        assertEquals(1, run.err().lines().count(), run.toString());
        assertTrue(run.err().startsWith("lambda-sync: ") && run.err().contains("test.sync.env"), run.toString());
        assertEquals("", run.out());
    }

    @Test
    void missingKeysFailAndSkipEverythingThatNeedsThem() throws IOException {
        Path config = tmp.resolve("bare.sync.env");
        Files.writeString(config, "LAMBDA_ACCESS_KEY_ID=AKIAEXAMPLE\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Repo.Run run = repo(config).run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertTrue(
                line(run, "keys").matches("FAIL BUCKET_NAME, LAMBDA_SECRET_ACCESS_KEY are missing.*"), run.toString());
        for (String c : List.of("endpoint", "credentials", "bucket", "probe", "clock"))
            assertEquals("skip", status(run, c), run.toString());
    }

    @Test
    void configReadableByOthersFailsTheConfigLine() throws IOException {
        Bucket b = new Bucket();
        Path config = b.config(tmp);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Repo.Run run = repo(config).run("doctor", "--read-only");
        assertEquals(1, run.code(), run.toString());
        assertTrue(line(run, "config").matches("FAIL .*rw-r--r--.*; chmod 600 .*test.sync.env"), run.toString());
        assertEquals("ok", status(run, "bucket"), run.toString());
    }

    @Test
    void aSkewedClockTheServerAcceptsIsAWarningNotAFailure() throws IOException {
        // A server 20 minutes off that accepts this machine's signed requests (its tolerance, or the
        // SDK's correction): syncs work, so the clock line warns; it does not fail the run.
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(20));
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult"
                + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix>"
                + "<KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
        String response = "HTTP/1.1 200 OK\r\nDate: " + date + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket c = server.accept()) {
                        c.setSoTimeout(2000);
                        InputStream in = c.getInputStream();
                        StringBuilder head = new StringBuilder();
                        while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
                        c.getOutputStream().write(response.getBytes(StandardCharsets.UTF_8));
                    } catch (IOException closed) {
                        if (server.isClosed()) return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Bucket b = new Bucket();
            Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=http://127.0.0.1:" + server.getLocalPort()));
            Repo.Run run = r.run("doctor", "--read-only");
            assertEquals("ok", status(run, "credentials"), run.toString());
            assertTrue(
                    line(run, "clock").matches("warn .*(19|20) min behind.*accepted a signed request.*syncs work.*"),
                    run.toString());
        }
    }

    @Test
    void skewedServerClockFailsTheClockLine() throws IOException {
        // S3Proxy keeps this machine's time, so a stand-in answers every request the way an S3
        // server whose clock is 20 minutes ahead does (raw HTTP: the JDK's server sets its own Date).
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(20));
        String body = "<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>";
        String response =
                "HTTP/1.1 403 Forbidden\r\nDate: " + date + "\r\nContent-Type: application/xml\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket c = server.accept()) {
                        c.setSoTimeout(2000);
                        InputStream in = c.getInputStream();
                        StringBuilder head = new StringBuilder();
                        while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
                        c.getOutputStream().write(response.getBytes(StandardCharsets.UTF_8));
                    } catch (IOException closed) {
                        if (server.isClosed()) return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Bucket b = new Bucket();
            Repo r = repo(b.config(tmp, "LAMBDA_ENDPOINT_URL=http://127.0.0.1:" + server.getLocalPort()));
            Repo.Run run = r.run("doctor");
            assertEquals(1, run.code(), run.toString());
            assertTrue(line(run, "credentials").contains("RequestTimeTooSkewed"), run.toString());
            assertTrue(line(run, "clock").matches("FAIL .*(19|20) min behind.*; fix the clock.*"), run.toString());
        }
    }

    @Test
    void healthySyncTargetPassesAndLeavesNothing() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("nfs/me"));
        Path config = syncTargetConfig(target);
        Repo.Run run = repo(config).run("doctor");
        assertEquals(0, run.code(), run.toString());
        assertEquals("ok", status(run, "target"), run.toString());
        assertEquals("ok", status(run, "probe"), run.toString());
        assertEquals("missing", status(run, "credentials"), run.toString());
        try (Stream<Path> s = Files.list(target)) {
            assertEquals(0, s.count());
        }
    }

    /** One permission policy (SYNC.md "The config file"): doctor fails exactly the file a sync warns about. */
    @Test
    void doctorAndSyncsAgreeOnWhichConfigModeExposesASecret() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("nfs/me"));
        Path config = syncTargetConfig(target);
        Files.writeString(config, "SYNC_TARGET=" + target + "\nWANDB_API_KEY=0123456789abcdef\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Repo repo = repo(config);
        Repo.Run run = repo.run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertTrue(
                line(run, "config").matches("FAIL .*others can read it \\(rw-r--r--\\).*; chmod 600 .*"),
                run.toString());
        assertTrue(
                run.err().contains("holds secrets but others can read it"),
                "the sync's own warning, from the same rule:\n" + run);
        // group write alone lets nobody read the secret: neither warns nor fails
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw--w----"));
        run = repo.run("doctor");
        assertEquals(0, run.code(), run.toString());
        assertTrue(line(run, "config").startsWith("ok "), run.toString());
        assertFalse(run.err().contains("others can read it"), run.toString());
    }

    @Test
    void syncTargetWithoutItsParentFails() throws IOException {
        Repo.Run run = repo(syncTargetConfig(tmp.resolve("not-mounted/me"))).run("doctor");
        assertEquals(1, run.code(), run.toString());
        assertTrue(line(run, "target").matches("FAIL .*not-mounted/me does not exist.*mounted.*"), run.toString());
        assertEquals("skip", status(run, "probe"), run.toString());
    }

    @Test
    void syncTargetNotCreatedYetIsAWarningOnly() throws IOException {
        Files.createDirectories(tmp.resolve("nfs"));
        Repo.Run run = repo(syncTargetConfig(tmp.resolve("nfs/me"))).run("doctor");
        assertEquals(0, run.code(), run.toString());
        assertTrue(
                line(run, "target").matches("warn .*does not exist yet; the first upload creates it.*"),
                run.toString());
        assertEquals("ok", status(run, "probe"), run.toString());
        assertFalse(Files.exists(tmp.resolve("nfs/me")));
    }

    @Test
    void outsideAGitRepoFailsTheRepoLine() throws IOException {
        Bucket b = new Bucket();
        Repo r = repo(b.config(tmp));
        Path elsewhere = Files.createDirectories(tmp.resolve("not-a-repo"));
        Repo.Run run = r.runIn(elsewhere, null, "doctor", "--read-only");
        assertEquals(1, run.code(), run.toString());
        assertTrue(line(run, "repo").startsWith("FAIL not inside a git repository"), run.toString());
        assertEquals("skip", status(run, "data dirs"), run.toString());
    }

    Path syncTargetConfig(Path target) throws IOException {
        Path config = tmp.resolve("dir.sync.env");
        Files.writeString(config, "SYNC_TARGET=" + target + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        return config;
    }

    /**
     * A TCP forwarder to the real server that notes every HTTP request line it passes on, so a
     * test can see which requests the tool sent (S3 signatures cover the Host header as sent,
     * which the forwarder leaves alone).
     */
    static final class RecordingProxy implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final StringBuffer seen = new StringBuffer();
        private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        RecordingProxy(String upstream) throws IOException {
            java.net.URI u = java.net.URI.create(upstream);
            Thread accept = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        Socket server = new Socket(u.getHost(), u.getPort());
                        open.add(client);
                        open.add(server);
                        pipe(client.getInputStream(), server.getOutputStream(), true);
                        pipe(server.getInputStream(), client.getOutputStream(), false);
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        /** "METHOD /path?query" of every request so far. */
        List<String> requests() {
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^(GET|PUT|POST|DELETE|HEAD) (\\S+) HTTP/1\\.1\r\n")
                    .matcher(seen.toString());
            while (m.find()) out.add(m.group(1) + " " + m.group(2));
            return out;
        }

        private void pipe(InputStream in, OutputStream out, boolean record) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (in;
                        out) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (record) seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // the other side closed
                }
            });
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : open) s.close();
        }
    }
}
