import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.TrustManagerFactory;
import lib.store.s3.NativeHttp;
import lib.store.s3.S3Clients;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 20's client paths over https, side by side in one run: 1,000 GETs and 1,000 PUTs of
 * 8 KiB objects (16 threads) and one 200 MiB GET, each in a fresh JVM (wall and CPU of the whole
 * process, start included, as a tool run pays them), for (a) S3Client on Apache 5, (b) S3Client on
 * the CRT client (the tool's path), (c) the SDK's SigV4 signer and Apache 5 called directly, without
 * the S3Client pipeline, (d) the same on the CRT client; each under the JIT variants of
 * {@link Hypotheses}. The same class is the child process ({@link #main}).
 */
final class ClientPaths {
    private ClientPaths() {}

    static final String ID = "client-paths";
    static final String BUCKET = "client-paths";
    static final int SMALL = 1000, SMALL_BYTES = 8 * 1024, THREADS = 16;

    enum Candidate {
        A("(a) S3Client, Apache 5"),
        B("(b) S3Client, CRT (as shipped)"),
        C("(c) signer + Apache 5, no pipeline"),
        D("(d) signer + CRT, no pipeline");
        final String label;

        Candidate(String label) {
            this.label = label;
        }
    }

    enum Op {
        GET("1,000 GETs of 8 KiB"),
        PUT("1,000 PUTs of 8 KiB"),
        BIG("one 200 MiB GET");
        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    /** One child run: wall and CPU of the process, and the wall of its requests alone (after start-up and client set-up). */
    record Run(double wall, double cpu, double requests) {}

    record Row(Candidate candidate, Hypotheses.Variant jvm, Op op, List<Run> runs) {}

    // ---- the parent: seeds the bucket, runs the children alternating ------------------------

    static List<Row> measure(Bench b) throws Exception {
        seed(b);
        List<Hypotheses.Variant> jvms = Hypotheses.jitVariants().subList(0, 3);
        Map<String, Row> rows = new LinkedHashMap<>();
        List<Object[]> combos = new ArrayList<>();
        for (Candidate c : Candidate.values())
            for (Hypotheses.Variant v : jvms) {
                combos.add(new Object[] {c, v});
                for (Op op : Op.values()) rows.put(c + "/" + v.name() + "/" + op, new Row(c, v, op, new ArrayList<>()));
            }
        b.log("%s: %d candidates × %d JVM option sets × %d operations × %d rounds", ID, 4, jvms.size(), 3, b.runs);
        for (int r = 1; r <= b.runs; r++) {
            List<Object[]> order = new ArrayList<>(combos);
            Collections.rotate(order, -(r - 1) * 5); // each round starts elsewhere
            for (Object[] cv : order) {
                Candidate c = (Candidate) cv[0];
                Hypotheses.Variant v = (Hypotheses.Variant) cv[1];
                for (Op op : Op.values()) {
                    Run x = child(b, c, v, op, r, Map.of());
                    rows.get(c + "/" + v.name() + "/" + op).runs().add(x);
                    b.log(
                            "  %-38s %-45s %-20s run %d: %6.2f s  CPU %5.2f s  requests %5.2f s",
                            c.label, v.name(), op.label, r, x.wall(), x.cpu(), x.requests());
                }
            }
        }
        return new ArrayList<>(rows.values());
    }

    /**
     * (b) and (d)'s 1,000 GETs once more each under JFR and {@link ThreadCpu} (`--only profile-https`):
     * where the pipeline's CPU goes. Logged, for the hand-written part of BENCHMARKS.md.
     */
    static void profile(Bench b) throws Exception {
        seed(b);
        for (Candidate c : List.of(Candidate.B, Candidate.D)) {
            Path jfr = b.work.resolve("logs").resolve(ID + "-" + c + ".jfr");
            Hypotheses.Variant v = Hypotheses.jitVariants().get(0);
            Run x;
            try (ThreadCpu threads = new ThreadCpu()) {
                x = child(b, c, v, Op.GET, 0, Map.of("JAVA_TOOL_OPTIONS", CpuProfile.option(jfr, b.work)));
                threads.close();
                b.log(
                        "%s %s under JFR: %.2f s, CPU %.2f s; CPU by thread: %s",
                        ID, c.label, x.wall(), x.cpu(), threads.seconds());
            }
            CpuProfile p = CpuProfile.read(jfr, 15);
            b.log("  by activity (%d samples): %s", p.samples(), p.categories());
            b.log("  self: %s", p.self());
        }
    }

    private static void seed(Bench b) throws Exception {
        try {
            b.s3.headBucket(h -> h.bucket(BUCKET));
            return; // seeded earlier in this run
        } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException first) {
            b.createBucket(BUCKET);
        }
        byte[] small = new byte[SMALL_BYTES];
        new Random(Bench.SEED).nextBytes(small);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < SMALL; i++) {
                String key = key("get", i);
                done.add(pool.submit(
                        () -> b.s3.putObject(p -> p.bucket(BUCKET).key(key), RequestBody.fromBytes(small))));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        Path big = b.datasets.get("large").data.keySet().stream()
                .map(k -> b.datasets.get("large").root.resolve(k))
                .findFirst()
                .orElseThrow();
        b.s3.putObject(p -> p.bucket(BUCKET).key("big"), RequestBody.fromFile(big));
        b.log("%s: seeded %d objects of 8 KiB and one of %d MiB", ID, SMALL, Files.size(big) >> 20);
    }

    private static Run child(Bench b, Candidate c, Hypotheses.Variant v, Op op, int round, Map<String, String> env)
            throws Exception {
        Path logs = b.work.resolve("logs");
        Files.createDirectories(logs);
        String name = ID + "-" + c + "-" + Hypotheses.jitVariants().indexOf(v) + "-" + op + "-" + round;
        Path time = logs.resolve(name + ".time"), out = logs.resolve(name + ".out");
        List<String> argv = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S", "-o", time.toString()));
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.addAll(toolOptions(b));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), "ClientPaths"));
        argv.addAll(List.of(
                c.name(),
                op.name(),
                b.server.httpsEndpoint,
                b.server.accessKey,
                b.server.secretKey,
                TestTls.caPem().toString()));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(v.env());
        pb.environment().putAll(env);
        Process p = pb.start();
        String said = "";
        if (p.waitFor() != 0 || !(said = Files.readString(out)).contains("requests="))
            throw new IllegalStateException(name + " failed: " + Files.readString(out));
        String[] t = Files.readString(time).trim().split("\\s+");
        double requests = Double.parseDouble(said.replaceAll("(?s).*requests=([0-9.]+).*", "$1"));
        return new Run(
                Double.parseDouble(t[t.length - 3]),
                Double.parseDouble(t[t.length - 2]) + Double.parseDouble(t[t.length - 1]),
                requests);
    }

    /** The tool's own JVM options (its `//JAVA_OPTIONS` line), as its launcher gives them. */
    private static List<String> toolOptions(Bench b) throws Exception {
        return Files.readAllLines(b.work.resolve("tool/lambda-sync.java")).stream()
                .filter(l -> l.startsWith("//JAVA_OPTIONS"))
                .flatMap(l ->
                        List.of(l.substring("//JAVA_OPTIONS".length()).trim().split("\\s+")).stream())
                .toList();
    }

    static String key(String kind, int i) {
        return kind + "/" + String.format("%04d", i);
    }

    // ---- the child: one operation on one candidate -------------------------------------------

    /** {@code ClientPaths <candidate> <op> <https endpoint> <access key> <secret key> <CA PEM>}; prints requests=<seconds>. */
    public static void main(String... a) throws Exception {
        Candidate c = Candidate.valueOf(a[0]);
        Op op = Op.valueOf(a[1]);
        Path ca = Path.of(a[5]);
        Client client = switch (c) {
            case A, B -> s3Client(c, a[2], a[3], a[4], ca);
            case C, D -> new Direct(c == Candidate.D ? crt(ca) : apache(ca), a[2], a[3], a[4]);
        };
        byte[] body = new byte[SMALL_BYTES];
        new Random(1).nextBytes(body);
        String md5 = Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("MD5").digest(body));
        long t0 = System.nanoTime();
        if (op == Op.BIG) {
            long n = client.get("big");
            if (n < 1 << 20) throw new IllegalStateException("short read: " + n);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Long>> done = new ArrayList<>();
            for (int i = 0; i < SMALL; i++) {
                int k = i;
                done.add(pool.submit(
                        () -> op == Op.GET ? client.get(key("get", k)) : client.put(key("put", k), body, md5)));
            }
            for (Future<Long> f : done)
                if (f.get() != SMALL_BYTES) throw new IllegalStateException("wrong size: " + f.get());
            pool.shutdown();
        }
        System.out.printf("requests=%.3f%n", (System.nanoTime() - t0) / 1e9);
        client.close();
    }

    interface Client extends AutoCloseable {
        /** The object's bytes read and dropped; their count. */
        long get(String key) throws Exception;

        /** Bytes sent. */
        long put(String key, byte[] body, String md5) throws Exception;
    }

    private static Client s3Client(Candidate c, String endpoint, String ak, String sk, Path ca) {
        if (c == Candidate.A) System.setProperty(NativeHttp.PROPERTY, "java");
        S3Client s3 = S3Clients.create(endpoint, Tool.REGION, ak, sk, THREADS, ca, S3Clients.SOCKET_TIMEOUT, null);
        return new Client() {
            @Override
            public long get(String key) throws Exception {
                try (InputStream in = s3.getObject(g -> g.bucket(BUCKET).key(key))) {
                    return drain(in);
                }
            }

            @Override
            public long put(String key, byte[] body, String md5) {
                s3.putObject(p -> p.bucket(BUCKET).key(key).contentMD5(md5), RequestBody.fromBytes(body));
                return body.length;
            }

            @Override
            public void close() {
                S3Clients.close(s3);
            }
        };
    }

    /**
     * GET and PUT signed by the SDK's own SigV4 signer (unsigned payload over https, as the tool's
     * S3Client signs) and sent by an SdkHttpClient, with no S3Client around them.
     */
    private record Direct(SdkHttpClient http, String endpoint, String ak, String sk, AwsV4HttpSigner signer)
            implements Client {
        Direct(SdkHttpClient http, String endpoint, String ak, String sk) {
            this(http, endpoint, ak, sk, AwsV4HttpSigner.create());
        }

        @Override
        public long get(String key) throws Exception {
            HttpExecuteResponse r = send(SdkHttpMethod.GET, key, null, null);
            try (InputStream in = r.responseBody().orElseThrow()) {
                long n = drain(in);
                if (!r.httpResponse().isSuccessful())
                    throw new IllegalStateException("GET " + r.httpResponse().statusCode());
                return n;
            }
        }

        @Override
        public long put(String key, byte[] body, String md5) throws Exception {
            HttpExecuteResponse r = send(SdkHttpMethod.PUT, key, body, md5);
            r.responseBody().ifPresent(in -> {
                try (in) {
                    drain(in);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            if (!r.httpResponse().isSuccessful())
                throw new IllegalStateException("PUT " + r.httpResponse().statusCode());
            return body.length;
        }

        private HttpExecuteResponse send(SdkHttpMethod method, String key, byte[] body, String md5) throws Exception {
            SdkHttpRequest.Builder req =
                    SdkHttpRequest.builder().method(method).uri(URI.create(endpoint + "/" + BUCKET + "/" + key));
            ContentStreamProvider payload = null;
            if (body != null) {
                req.putHeader("Content-Length", String.valueOf(body.length)).putHeader("Content-MD5", md5);
                payload = ContentStreamProvider.fromByteArrayUnsafe(body);
            }
            SignedRequest signed = signer.sign(SignRequest.builder(AwsCredentialsIdentity.create(ak, sk))
                    .request(req.build())
                    .payload(payload)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, Tool.REGION)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                    .build());
            return http.prepareRequest(HttpExecuteRequest.builder()
                            .request(signed.request())
                            .contentStreamProvider(signed.payload().orElse(null))
                            .build())
                    .call();
        }

        @Override
        public void close() {
            http.close();
        }
    }

    private static SdkHttpClient apache(Path ca) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust(ca));
        return Apache5HttpClient.builder()
                .maxConnections(THREADS)
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(S3Clients.SOCKET_TIMEOUT)
                .tlsTrustManagersProvider(tmf::getTrustManagers)
                .build();
    }

    /** The CRT client trusting the CA, the way NativeHttp gives it LAMBDA_CA_BUNDLE (Java's trust-store properties). */
    private static SdkHttpClient crt(Path ca) throws Exception {
        Path store = Files.createTempFile("client-paths-", ".p12");
        // Unencrypted, as NativeHttp writes it: the PBE key derivation was a third of this path's
        // Java samples in the first measurement (BENCHMARKS.md, "Client paths over https").
        System.setProperty("keystore.pkcs12.certProtectionAlgorithm", "NONE");
        System.setProperty("keystore.pkcs12.macAlgorithm", "NONE");
        try (OutputStream out = Files.newOutputStream(store)) {
            trust(ca).store(out, "bench".toCharArray());
        }
        System.setProperty("javax.net.ssl.trustStore", store.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", "bench");
        try {
            return AwsCrtHttpClient.builder()
                    .maxConcurrency(THREADS)
                    .connectionTimeout(Duration.ofSeconds(10))
                    .readBufferSizeInBytes(1024L * 1024)
                    .useTrustStoreSystemProperties(true)
                    .build();
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static KeyStore trust(Path ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            int n = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in))
                ks.setCertificateEntry("ca-" + n++, cert);
        }
        return ks;
    }

    static long drain(InputStream in) throws java.io.IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        for (int k; (k = in.read(buf)) > 0; ) n += k;
        return n;
    }
}
