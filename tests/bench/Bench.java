///usr/bin/env bash "$(dirname "$0")/../../jbang" "$0" "$@" ; exit $?
//JAVA 17+
//DEPS org.testcontainers:testcontainers:2.0.5
//SOURCES ../support/S3Server.java
//SOURCES ../support/TestTls.java
//SOURCES ../../lib/store/s3/S3Clients.java
//SOURCES ../../lib/store/s3/NativeHttp.java
//SOURCES ../../lib/store/s3/DirectGet.java
//SOURCES ../../lib/store/s3/S3Failures.java
//SOURCES ../../lib/store/StoreException.java
//SOURCES CountingProxy.java
//SOURCES DelayProxy.java
//SOURCES Hypotheses.java
//SOURCES ClientPaths.java
//SOURCES ThreadCpu.java
//SOURCES Dataset.java
//SOURCES Proc.java
//SOURCES Tool.java
//SOURCES Sample.java
//SOURCES Scenario.java
//SOURCES Report.java
//SOURCES RatioChart.java
//SOURCES StartupTimes.java
//SOURCES CpuMeter.java
//SOURCES CpuProfile.java
//SOURCES ../../lib/common/BandwidthLimit.java
//SOURCES ../../lib/store/s3/ServerSilence.java
//SOURCES ../../lib/store/s3/BandwidthInterceptor.java
//SOURCES ../../lib/store/s3/BytesMovedInterceptor.java
//SOURCES ../../lib/store/BytesMoved.java
//SOURCES ../../lib/common/Ending.java
//SOURCES ../../lib/common/StopException.java
//SOURCES ../../lib/common/Units.java
//JAVA_OPTIONS -Djava.awt.headless=true

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * lambda-sync against `aws s3 sync` and `rclone copy` on the same S3 server and data (issues 6,
 * 16 and 20), on loopback and at a distance (a delay proxy adding 2 or 20 ms a round trip), over
 * plain http and over https (S3Proxy's TLS endpoint; {@link #HTTPS_IDS}, latency rows up to
 * {@link #HTTPS_MAX_DELAY_MS}).
 * Not a test: it asserts correctness (keys, contents, no-op really no-op), never timing.
 *
 * <pre>./jbang tests/bench/Bench.java [--runs N] [--quick] [--only a,b|https|client-paths|jit-https|profile-https] [--latency 0,2,20] [--hypotheses]
 *                                [--noop100k-store dir|s3] [--no-profile] [--tool-rev REV] [--work DIR] [--keep] [--out DIR]</pre>
 *
 * Generates the datasets (fixed seed) under a work dir, starts S3Proxy, puts a counting proxy
 * in front of it (and, for the latency scenarios, a delay proxy with a second counting proxy in
 * front of that), runs every scenario with the tools
 * alternating, and writes BENCHMARKS.md and tests/bench/ratios.png (with --quick, into
 * /tmp/lambda-sync-bench-quick/ unless --out is given).
 */
public class Bench {
    static final long SEED = 20240601L;
    static final List<Tool> ALL = List.of(Tool.LAMBDA_SYNC, Tool.AWS, Tool.RCLONE);
    static final List<Double> LATENCIES = List.of(0.0, 2.0, 20.0);
    /** The scenarios also run over https (issue 20), and the round trips where their latency ones do. */
    static final List<String> HTTPS_IDS =
            List.of("upload-small", "noop-10k", "download-small", "upload-large", "download-large");

    static final double HTTPS_MAX_DELAY_MS = 2;

    // The run's settings.
    final Path repoRoot;
    final Path work;
    final int runs;
    final boolean quick;
    final Set<String> only;
    /** Seed the 100,000-file no-op into S3Proxy (default), else into lambda-sync's directory store (--noop100k-store dir). */
    boolean noop100kOnS3;
    /** Record one extra lambda-sync run per scenario with JFR (off with --no-profile). */
    boolean profile = true;
    /** Round trips the latency scenarios run at, ms (--latency). */
    List<Double> latencies = LATENCIES;
    /** Also measure the JIT and -j hypotheses of issue 16 (--hypotheses). */
    boolean hypotheses;

    // The server and what stands between it and the tools.
    S3Server server;
    S3Client s3;
    Path serverStorage;
    CountingProxy proxy;
    /**
     * The latency scenarios' chain, tool → latencyProxy → delay → S3Proxy: counted on the
     * client's side of the delay, so a request is in flight for its whole round trip.
     */
    DelayProxy delay;

    CountingProxy latencyProxy;
    /** The https latency chain, tool → delayTls → S3Proxy's TLS endpoint (TLS passes through it as bytes). */
    DelayProxy delayTls;

    CpuMeter cpu;
    /** The tools pointed at the counting proxy (counted runs), straight at S3Proxy (timed runs), or at the latency chain. */
    Tool.Target viaProxy, direct, delayed;
    /** The same over https: straight at S3Proxy's TLS endpoint, or through delayTls; null where the server has none. */
    Tool.Target directTls, delayedTls;

    // What the run found, for the report.
    record Profiled(Sample run, CpuProfile cpu) {}

    final long started = System.nanoTime();
    final Map<String, Dataset> datasets = new LinkedHashMap<>();
    final Map<String, Scenario> scenarios = new LinkedHashMap<>();
    final Map<String, Double> seedSeconds = new LinkedHashMap<>();
    final Map<String, Profiled> profiles = new LinkedHashMap<>();
    /** CPU seconds by thread of a profiled run, where measured (ThreadCpu). */
    final Map<String, Map<String, Double>> threadCpu = new LinkedHashMap<>();
    /** Per scenario, each tool's one run through the counting proxy. */
    final Map<String, Map<Tool, Sample>> counted = new LinkedHashMap<>();
    /** Each seeded bucket as it was right after seeding: key -> ETag and modification time. */
    final Map<String, Map<String, String>> seeded = new LinkedHashMap<>();

    final List<String> notes = new ArrayList<>();
    String cdsNote = "";
    /** `uptime`'s load averages when the run started and ended. */
    String loadAtStart = "", loadAtEnd = "";

    List<Hypotheses.Row> hypothesisRows = List.of();
    double hypothesisSeconds;
    /** Issue 20's client paths and JIT variants over https (--hypotheses, or --only client-paths / jit-https). */
    List<ClientPaths.Row> clientPathRows = List.of();

    List<Hypotheses.Row> jitHttpsRows = List.of();

    Bench(Path repoRoot, Path work, int runs, boolean quick, Set<String> only) {
        this.repoRoot = repoRoot;
        this.work = work;
        this.runs = runs;
        this.quick = quick;
        this.only = only;
    }

    public static void main(String... args) throws Exception {
        int runs = 3;
        boolean quick = false, keep = false, noProfile = false;
        Path workArg = null, out = null;
        String rev = null, store100k = null;
        List<Double> latencies = LATENCIES;
        boolean hypotheses = false;
        Set<String> only = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--quick" -> quick = true;
                case "--no-profile" -> noProfile = true;
                case "--keep" -> keep = true;
                case "--work" -> workArg = Path.of(args[++i]).toAbsolutePath();
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
                case "--tool-rev" -> rev = args[++i];
                case "--only" -> only.addAll(Arrays.asList(args[++i].split(",")));
                case "--noop100k-store" -> store100k = args[++i];
                case "--latency" ->
                    latencies = Arrays.stream(args[++i].split(","))
                            .map(Double::parseDouble)
                            .toList();
                case "--hypotheses" -> hypotheses = true;
                case "-h", "--help" -> {
                    System.out.println(
                            "usage: ./jbang tests/bench/Bench.java [--runs N] [--quick] [--only "
                                    + String.join(",", Scenario.IDS)
                                    + "," + ClientPaths.ID + "," + Hypotheses.JIT_HTTPS + "," + Hypotheses.PROFILE_HTTPS
                                    + "] [--latency 0,2,20] [--hypotheses] [--noop100k-store dir|s3] [--no-profile] [--tool-rev REV] [--work DIR] [--keep] [--out DIR]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
            }
        }
        if (quick && runs == 3) runs = 1;
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("lambda-sync.java"))) root = root.getParent();
        if (root == null) throw new IllegalStateException("run from inside the lambda-sync repo");
        Path work = workArg != null ? workArg : Files.createTempDirectory("lambda-sync-bench-");
        System.setProperty("lambda.sync.root", root.toString());
        if (out == null) out = quick ? Path.of("/tmp/lambda-sync-bench-quick") : root;
        Files.createDirectories(out);
        Bench b = new Bench(root, work, runs, quick, only);
        // --quick stays quick: the directory store unless asked otherwise.
        b.noop100kOnS3 = store100k == null ? !quick : store100k.equals("s3");
        b.profile = !noProfile;
        b.latencies = latencies;
        b.hypotheses = hypotheses;
        b.loadAtStart = load();
        try {
            b.snapshotTool(rev);
            Map<String, List<Sample>> results = b.runAll();
            b.loadAtEnd = load();
            Report report = new Report(b, results);
            Path md = out.resolve("BENCHMARKS.md");
            Path png = out.equals(root) ? root.resolve("tests/bench/ratios.png") : out.resolve("ratios.png");
            Files.createDirectories(png.getParent());
            report.write(md, md.getParent().relativize(png).toString());
            RatioChart.write(report, png);
            System.err.printf("[bench] wrote %s and %s in %.0f s%n", md, png, b.elapsed());
        } finally {
            S3Server.stopIfStarted();
            if (b.latencyProxy != null) b.latencyProxy.close();
            if (b.delay != null) b.delay.close();
            if (b.delayTls != null) b.delayTls.close();
            if (b.proxy != null) b.proxy.close();
            if (!keep
                    && b.serverStorage != null
                    && b.serverStorage.getFileName().toString().startsWith("s3proxy-")) {
                Proc.run(Path.of("/tmp"), List.of("rm", "-rf", b.serverStorage.toString()));
            }
            if (!keep && workArg == null) {
                Proc.run(Path.of("/tmp"), List.of("rm", "-rf", work.toString()));
            } else {
                System.err.println("[bench] work dir kept: " + work);
            }
        }
    }

    /** The load averages as `uptime` prints them (1, 5, 15 minutes). */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    double elapsed() {
        return (System.nanoTime() - started) / 1e9;
    }

    void log(String fmt, Object... args) {
        System.err.printf("[bench %5.0fs] %s%n", elapsed(), String.format(fmt, args));
    }

    /** The tool as it is now (or at --tool-rev), frozen: edits made while the bench runs do not leak into it. */
    void snapshotTool(String rev) throws IOException, InterruptedException {
        Path tool = work.resolve("tool");
        Files.createDirectories(tool);
        if (rev != null) {
            Proc.run(
                    repoRoot,
                    List.of("bash", "-c", "git archive " + rev + " jbang lambda-sync.java lib | tar x -C " + tool));
        } else {
            Proc.run(repoRoot, List.of("cp", "-R", "jbang", "lambda-sync.java", "lib", tool.toString()));
        }
        Tool.jbangDir = Tool.privateLaunchCache(work);
        String opts = Files.readAllLines(tool.resolve("lambda-sync.java")).stream()
                .filter(l -> l.startsWith("//JAVA_OPTIONS"))
                .map(l -> l.substring("//JAVA_OPTIONS".length()).trim())
                .findFirst()
                .orElse("none");
        notes.add("lambda-sync's JVM options (`//JAVA_OPTIONS`): `" + opts + "`");
        notes.add(
                0,
                "tool: "
                        + (rev != null
                                ? "git " + rev + " ("
                                        + Proc.capture(repoRoot, List.of("git", "rev-parse", "--short", rev)) + ")"
                                : "working tree at "
                                        + Proc.capture(repoRoot, List.of("git", "rev-parse", "--short", "HEAD"))
                                        + (Proc.capture(
                                                                repoRoot,
                                                                List.of(
                                                                        "git",
                                                                        "status",
                                                                        "--porcelain",
                                                                        "--",
                                                                        "lambda-sync.java",
                                                                        "lib",
                                                                        "jbang"))
                                                        .isEmpty()
                                                ? ""
                                                : " with uncommitted changes to the tool")));
    }

    Map<String, List<Sample>> runAll() throws Exception {
        Path data = work.resolve("data");
        S3Server.withHttps = true;
        CompletableFuture<S3Server> serverStart = CompletableFuture.supplyAsync(S3Server::get);
        log("generating datasets under %s", data);
        int bigMiB = quick ? 32 : 200;
        datasets.put("small", Dataset.small("small", data.resolve("small"), SEED, 2000, 1024, 64 * 1024, 30, true));
        datasets.put(
                "noop10k",
                Dataset.small("noop10k", data.resolve("noop10k"), SEED + 1, 10_000, 1024, 4 * 1024, 100, false));
        datasets.put("large", Dataset.large("large", data.resolve("large"), SEED + 2, 2, bigMiB * 1024L * 1024));
        if (anyLatencyWanted()
                || hypotheses
                || only.contains(Hypotheses.JIT_HTTPS)
                || only.contains(Hypotheses.PROFILE_HTTPS)) {
            datasets.put(
                    "lat1k", Dataset.small("lat1k", data.resolve("lat1k"), SEED + 4, 1000, 1024, 64 * 1024, 30, false));
        }
        if (wants("noop-100k")) {
            datasets.put(
                    "noop100k",
                    Dataset.small("noop100k", data.resolve("noop100k"), SEED + 3, 100_000, 1024, 4 * 1024, 100, false));
        }
        log("datasets ready; waiting for the S3 server");
        server = serverStart.join();
        s3 = server.client();
        URI up = URI.create(server.endpoint);
        proxy = new CountingProxy(up.getHost(), up.getPort());
        delay = new DelayProxy(up.getHost(), up.getPort());
        URI delayUri = URI.create(delay.endpoint());
        latencyProxy = new CountingProxy(delayUri.getHost(), delayUri.getPort());
        ProcessHandle serverProcess = CpuMeter.findServer();
        if (serverProcess == null) {
            notes.add("the S3 server's process was not found; its CPU counts as other load");
        } else {
            // S3Server keeps its storage in a temp dir named by --properties <dir>/s3proxy.properties; it goes when we
            // do.
            String[] args = CpuMeter.cmdline(serverProcess.pid()).split(" ");
            for (int i = 0; i + 1 < args.length; i++)
                if (args[i].equals("--properties"))
                    serverStorage = Path.of(args[i + 1]).getParent();
        }
        cpu = new CpuMeter(serverProcess == null ? -1 : serverProcess.pid());
        viaProxy = new Tool.Target(
                work.resolve("tool"),
                work.resolve("configs-proxy"),
                proxy.endpoint(),
                server.accessKey,
                server.secretKey);
        direct = new Tool.Target(
                work.resolve("tool"), work.resolve("configs"), server.endpoint, server.accessKey, server.secretKey);
        delayed = new Tool.Target(
                work.resolve("tool"),
                work.resolve("configs-delay"),
                latencyProxy.endpoint(),
                server.accessKey,
                server.secretKey);
        if (server.httpsEndpoint != null) {
            URI tls = URI.create(server.httpsEndpoint);
            delayTls = new DelayProxy(tls.getHost(), tls.getPort());
            Path ca = TestTls.caPem();
            directTls = new Tool.Target(
                    work.resolve("tool"),
                    work.resolve("configs-tls"),
                    server.httpsEndpoint,
                    server.accessKey,
                    server.secretKey,
                    ca);
            delayedTls = new Tool.Target(
                    work.resolve("tool"),
                    work.resolve("configs-tls-delay"),
                    delayTls.endpoint().replace("http://", "https://"),
                    server.accessKey,
                    server.secretKey,
                    ca);
        } else {
            notes.add("the S3 server has no https endpoint (" + server.kind + "): no https rows");
        }
        log(
                "%s at %s (https: %s), counting proxy at %s, latency chain at %s",
                server.kind, server.endpoint, server.httpsEndpoint, proxy.endpoint(), latencyProxy.endpoint());

        warmUp();
        Map<String, List<Sample>> results = new LinkedHashMap<>();
        // Each https scenario right after its http one: the two are measured in the same minutes.
        for (Scenario sc : Scenario.all(this)) {
            for (Scenario x : withHttps(sc, HTTPS_IDS.contains(sc.id))) {
                scenarios.put(x.id, x);
                if (!wants(x)) continue;
                log("scenario %s: %s", x.id, x.title);
                results.put(x.id, x.run(this));
            }
        }
        Dataset lat = datasets.get("lat1k"); // not generated when --only names no latency scenario
        for (double ms : lat == null ? List.<Double>of() : latencies) {
            for (Scenario sc : Scenario.latency(this, lat, ms)) {
                for (Scenario x : withHttps(sc, ms <= HTTPS_MAX_DELAY_MS)) {
                    scenarios.put(x.id, x);
                    if (!wantsLatency(x)) continue;
                    log("scenario %s: %s", x.id, x.title);
                    results.put(x.id, x.run(this));
                }
            }
        }
        if (wants("version")) {
            log("scenario version: --version and --help with a warm cache (hyperfine)");
            results.putAll(StartupTimes.measure(this));
        }
        if (hypotheses) {
            try {
                double t0 = elapsed();
                hypothesisRows = Hypotheses.measure(this);
                hypothesisSeconds = elapsed() - t0;
            } catch (Exception e) { // the scenarios' results are still worth writing
                log("hypotheses failed: %s", e);
                notes.add("the hypotheses' runs failed (" + e + "); their section is from an earlier run");
            }
        }
        try {
            if (hypotheses || only.contains(ClientPaths.ID)) clientPathRows = ClientPaths.measure(this);
            if (hypotheses || only.contains(Hypotheses.JIT_HTTPS)) jitHttpsRows = Hypotheses.measureHttps(this);
            else if (only.contains(Hypotheses.PROFILE_HTTPS)) Hypotheses.profileHttps(this);
            if (only.contains(Hypotheses.PROFILE_HTTPS)) ClientPaths.profile(this);
        } catch (Exception e) {
            log("client paths failed: %s", e);
            notes.add("the client-path runs failed (" + e + "); their section is from an earlier run");
        }
        return results;
    }

    /**
     * Untimed: compiles the tool through JBang if needed, and lets the launcher's first fast-path
     * run (which writes the class-data-sharing archive the later runs use) be a real sync.
     */
    void warmUp() throws Exception {
        Path cds = Tool.jbangDir.resolve("cache/lambda-sync-launch");
        long before = System.currentTimeMillis() - 1000;
        Dataset small = datasets.get("small");
        createBucket("warm-up");
        Sample s = Sample.take(
                Tool.LAMBDA_SYNC,
                0,
                Tool.LAMBDA_SYNC.upload(direct, "warm-up"),
                small.root,
                proxy,
                cpu,
                work.resolve("logs"),
                "warm-up");
        if (!s.problems().isEmpty())
            throw new IllegalStateException("lambda-sync failed on the warm-up upload: " + s.problems());
        boolean written = false;
        if (Files.isDirectory(cds)) {
            try (var files = Files.list(cds)) {
                written = files.anyMatch(
                        p -> p.toString().endsWith(".jsa") && p.toFile().lastModified() >= before);
            }
        }
        cdsNote = written
                ? "the launcher's CDS archive for this tool version was written by the warm-up upload"
                : "the launcher's CDS archive for this tool version already existed (written by whichever run came first)";
        log("warm-up upload (JBang build if needed): %.1f s; %s", s.seconds(), cdsNote);
        emptyBucket("warm-up");
        Proc.run(small.root, List.of("rm", "-rf", ".lambda-sync"));
    }

    /** The scenario, and after it the same over https where wanted and the server has an https endpoint. */
    private List<Scenario> withHttps(Scenario sc, boolean https) {
        return https && directTls != null ? List.of(sc, sc.overHttps()) : List.of(sc);
    }

    /** The counting proxy that sees a run aimed at this target (none for https: the proxy given counts nothing). */
    CountingProxy proxyFor(Tool.Target target) {
        return target == delayed ? latencyProxy : proxy;
    }

    boolean wants(String id) {
        return only.isEmpty() || only.contains(id);
    }

    /** By id, or an http scenario's id for both ways, or `https` for every https scenario. */
    boolean wants(Scenario sc) {
        return wants(sc.id) || (sc.tls && (only.contains("https") || only.contains(sc.id.substring(6))));
    }

    /** All latency scenarios (`--only latency`), or some by id ("lat20-upload") or operation ("upload-1k"). */
    boolean wantsLatency(Scenario sc) {
        return only.isEmpty() || only.contains("latency") || wants(sc) || only.contains(sc.op);
    }

    private boolean anyLatencyWanted() {
        return !latencies.isEmpty()
                && (only.isEmpty()
                        || only.stream()
                                .anyMatch(x -> x.equals("latency")
                                        || x.equals("https")
                                        || x.startsWith("lat")
                                        || x.startsWith("https-lat")
                                        || x.endsWith("-1k")));
    }

    // ---- the bucket, reached directly (not through the proxy, so it is not counted) ------------

    void createBucket(String bucket) {
        s3.createBucket(b -> b.bucket(bucket));
    }

    List<String> keys(String bucket) throws Exception {
        return objects(bucket).stream().map(S3Object::key).toList();
    }

    /** Key -> ETag and modification time: a write of any object changes it. */
    Map<String, String> snapshot(String bucket) throws Exception {
        Map<String, String> m = new java.util.HashMap<>();
        for (S3Object o : objects(bucket)) m.put(o.key(), o.eTag() + "@" + o.lastModified());
        return m;
    }

    /**
     * Every object of a bucket, walked folder by folder with a delimiter, the folders of a level
     * in parallel: S3Proxy's filesystem store re-reads a whole prefix for each page of a
     * recursive listing, so one recursive listing of 100,000 keys takes minutes, this seconds.
     */
    List<S3Object> objects(String bucket) throws Exception {
        List<S3Object> all = java.util.Collections.synchronizedList(new ArrayList<>());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<String> level = List.of("");
            while (!level.isEmpty()) {
                List<java.util.concurrent.Callable<List<String>>> tasks = new ArrayList<>();
                for (String prefix : level) {
                    tasks.add(() -> {
                        List<String> sub = new ArrayList<>();
                        for (var page : s3.listObjectsV2Paginator(
                                b -> b.bucket(bucket).prefix(prefix).delimiter("/"))) {
                            all.addAll(page.contents());
                            for (var cp : page.commonPrefixes()) sub.add(cp.prefix());
                        }
                        return sub;
                    });
                }
                List<String> next = new ArrayList<>();
                for (var f : pool.invokeAll(tasks)) next.addAll(f.get());
                level = next;
            }
        } finally {
            pool.shutdownNow();
        }
        return all;
    }

    void emptyBucket(String bucket) throws Exception {
        List<String> keys = keys(bucket);
        for (int i = 0; i < keys.size(); i += 1000) {
            List<ObjectIdentifier> ids = keys.subList(i, Math.min(keys.size(), i + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids)));
        }
    }
}
