import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import lib.store.s3.S3Clients;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The suite's real S3 server, started once and stopped at the end (see {@link TestSuite}):
 * an endpoint from LAMBDA_SYNC_TEST_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY) if given; else MinIO
 * through Testcontainers when a Docker engine answers; else S3Proxy as its own JVM process,
 * fetched by JBang (its jar drags an old AWS SDK, so it must not share our class path).
 */
final class S3Server {
    static final String REGION = "us-east-1";
    private static S3Server instance;

    final String endpoint;
    /** S3Proxy's TLS endpoint (certificate: {@link TestTls}) when {@link #withHttps} was set before the start; else null. */
    final String httpsEndpoint;

    final String accessKey;
    final String secretKey;
    final String kind;
    private final Runnable stopper;
    private S3Client client;

    /** Set before the first {@link #get}: S3Proxy serves https too (the bench's https rows). */
    static volatile boolean withHttps;

    private S3Server(String kind, String endpoint, String accessKey, String secretKey, Runnable stopper) {
        this(kind, endpoint, null, accessKey, secretKey, stopper);
    }

    private S3Server(
            String kind, String endpoint, String httpsEndpoint, String accessKey, String secretKey, Runnable stopper) {
        this.kind = kind;
        this.endpoint = endpoint;
        this.httpsEndpoint = httpsEndpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.stopper = stopper;
    }

    static synchronized S3Server get() {
        if (Boolean.getBoolean("lambda.sync.unitOnly"))
            throw new IllegalStateException(
                    "a test tagged unit asked for the S3 server: tag it otherwise, or give it a MemoryStore");
        if (instance == null) instance = start();
        return instance;
    }

    static synchronized void stopIfStarted() {
        if (instance != null) {
            if (instance.client != null) instance.client.close();
            instance.stopper.run();
            instance = null;
        }
    }

    /** A client built the way the tool builds its own. */
    synchronized S3Client client() {
        if (client == null) client = S3Clients.create(endpoint, REGION, accessKey, secretKey, 32);
        return client;
    }

    /** A fresh, empty bucket for one test. */
    String newBucket() {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 13);
        client().createBucket(b -> b.bucket(name));
        return name;
    }

    /** A config file for the tool pointing at this server and bucket, mode 600. */
    Path writeConfig(Path dir, String bucket, String... extraLines) throws IOException {
        StringBuilder sb = new StringBuilder()
                .append("BUCKET_NAME=")
                .append(bucket)
                .append('\n')
                .append("LAMBDA_ACCESS_KEY_ID=")
                .append(accessKey)
                .append('\n')
                .append("LAMBDA_SECRET_ACCESS_KEY=")
                .append(secretKey)
                .append('\n')
                .append("LAMBDA_REGION=")
                .append(REGION)
                .append('\n')
                .append("LAMBDA_ENDPOINT_URL=")
                .append(endpoint)
                .append('\n');
        for (String l : extraLines) sb.append(l).append('\n');
        Path file = dir.resolve("test.sync.env");
        Files.writeString(file, sb.toString());
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static S3Server start() {
        Map<String, String> env = System.getenv();
        if (env.get("LAMBDA_SYNC_TEST_ENDPOINT") != null) {
            return new S3Server(
                    "external",
                    env.get("LAMBDA_SYNC_TEST_ENDPOINT"),
                    env.get("LAMBDA_SYNC_TEST_ACCESS_KEY"),
                    env.get("LAMBDA_SYNC_TEST_SECRET_KEY"),
                    () -> {});
        }
        if (env.get("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))) {
            try {
                return MinioContainer.start();
            } catch (RuntimeException | LinkageError e) {
                System.err.println("[s3] Docker did not give us MinIO (" + e + "); using S3Proxy");
            }
        }
        return startS3Proxy();
    }

    private static S3Server startS3Proxy() {
        try {
            String access = "test-access-key", secret = "test-secret-" + UUID.randomUUID();
            int port, securePort;
            try (ServerSocket s = new ServerSocket(0);
                    ServerSocket t = new ServerSocket(0)) {
                port = s.getLocalPort();
                securePort = t.getLocalPort();
            }
            String https = withHttps ? "https://127.0.0.1:" + securePort : null;
            Path dir = Files.createTempDirectory("s3proxy-");
            Files.createDirectories(dir.resolve("data"));
            Path props = dir.resolve("s3proxy.properties");
            Files.writeString(
                    props,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=http://127.0.0.1:" + port,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + access,
                            "s3proxy.credential=" + secret,
                            // Without this every SDK v2 multipart upload fails with 501 (x-amz-mp-object-size).
                            "s3proxy.ignore-unknown-headers=true",
                            "jclouds.provider=filesystem",
                            "jclouds.filesystem.basedir=" + dir.resolve("data"),
                            https == null ? "" : "s3proxy.secure-endpoint=" + https,
                            https == null ? "" : "s3proxy.keystore-path=" + TestTls.keystore(),
                            https == null ? "" : "s3proxy.keystore-password=" + TestTls.keystorePassword(),
                            ""));
            Path jbang = Path.of(System.getProperty("lambda.sync.root", "."))
                    .resolve("jbang")
                    .toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder(
                            "bash",
                            jbang.toString(),
                            "org.gaul:s3proxy:4.1.0:jar-with-dependencies",
                            "--properties",
                            props.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile());
            pb.environment().put("LOG_LEVEL", "warn");
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            for (int open = 0; open < (https == null ? 1 : 2); ) {
                try (Socket ignored = new Socket("127.0.0.1", open == 0 ? port : securePort)) {
                    open++;
                } catch (IOException notYet) {
                    if (!p.isAlive())
                        throw new IllegalStateException("S3Proxy exited; see " + dir.resolve("s3proxy.log"));
                    if (System.nanoTime() > deadline) {
                        p.destroyForcibly();
                        throw new IllegalStateException(
                                "S3Proxy did not start in 180 s; see " + dir.resolve("s3proxy.log"));
                    }
                    Thread.sleep(100);
                }
            }
            Runnable stop = () -> {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (InterruptedException ignored) {
                    p.destroyForcibly();
                }
                // Its storage holds every test's bucket (GBs): left behind, a few suite runs fill /tmp.
                deleteTree(dir);
            };
            Runtime.getRuntime().addShutdownHook(new Thread(stop));
            return new S3Server("s3proxy", "http://127.0.0.1:" + port, https, access, secret, stop);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot start S3Proxy: " + e, e);
        }
    }

    /** Deletes a folder and everything in it, as far as it can. */
    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // what is left stays in /tmp
        }
    }

    /** MinIO via Testcontainers; only loaded when a Docker engine may be there. */
    static final class MinioContainer {
        static S3Server start() {
            var c = new org.testcontainers.containers.GenericContainer<>("minio/minio:RELEASE.2025-09-07T16-13-09Z")
                    .withCommand("server", "/data")
                    .withEnv("MINIO_ROOT_USER", "test-access-key")
                    .withEnv("MINIO_ROOT_PASSWORD", "test-secret-key-minio")
                    .withExposedPorts(9000)
                    .waitingFor(org.testcontainers.containers.wait.strategy.Wait.forHttp("/minio/health/live")
                            .forPort(9000));
            c.start();
            String ep = "http://" + c.getHost() + ":" + c.getMappedPort(9000);
            return new S3Server("minio", ep, "test-access-key", "test-secret-key-minio", c::stop);
        }
    }
}
