import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One measured operation of issue 6 or 16. Each run starts from its proper state: a fresh bucket for
 * uploads, a fresh clone for downloads, the same seeded bucket for no-ops (seeded once, by
 * lambda-sync; every no-op is checked to have changed no object).
 *
 * <p>The timed runs go straight to S3Proxy, the tools alternating (the order rotates every
 * round), so the counting proxy's hop does not weigh on the times. Then each tool runs once
 * more through the proxy, for the requests per kind and the time profile; and lambda-sync once
 * more under Java Flight Recorder.
 *
 * <p>A latency scenario ({@link #delayMs} ≥ 0) runs every timed run through a counting proxy and
 * then the delay proxy, so each run carries its own requests and how many were in flight (for
 * the latency floor), and there is no separate counted run.
 */
final class Scenario {
    static final List<String> IDS = List.of(
            "upload-small",
            "noop-10k",
            "download-small",
            "upload-large",
            "download-large",
            "noop-100k",
            "version",
            "latency");
    /** The latency scenarios' tools: the bash tool's way instead of one `aws s3 sync` over the whole repo. */
    static final List<Tool> LATENCY_TOOLS = List.of(Tool.LAMBDA_SYNC, Tool.RCLONE, Tool.AWS_PER_DIR);

    /** What one tool's run needs: the command, where to run it, and what to check afterwards. */
    record Run(Tool.Invocation inv, Path cwd, Check check) {}

    interface Prepare {
        /** @param name unique per run ("ls-2", "rclone-counted"), for buckets and clones */
        Run prepare(Tool tool, String name, Tool.Target target) throws Exception;
    }

    interface Check {
        List<String> problems(Sample s) throws Exception;
    }

    interface Seed {
        void seed() throws Exception;
    }

    final String id, title;
    /** The operation without its latency ("upload-1k"); the same as id for the loopback scenarios. */
    final String op;
    /** The round trip the delay proxy adds, ms; -1 for the loopback scenarios (straight at S3Proxy). */
    final double delayMs;

    final List<Tool> tools;
    final int runs;
    /** Bytes moved per run, for a throughput; 0 where time is the measure. */
    final long bytes;
    /** Shown with each command in BENCHMARKS.md. */
    final String how;
    /** A no-op on lambda-sync's state: its counted run through the proxy (a new endpoint, so no state yet) needs a first run. */
    private final boolean needsPriming;
    /** False where there is no server to count requests at (the directory store). */
    private final boolean counted;

    /** Over https: S3Proxy's TLS endpoint (or the delay proxy in front of it), each tool trusting its certificate. */
    final boolean tls;

    private final Seed seed;
    private final Prepare prepare;
    private boolean seeded;

    Scenario(
            String id,
            String title,
            List<Tool> tools,
            int runs,
            long bytes,
            String how,
            boolean needsPriming,
            boolean counted,
            Seed seed,
            Prepare prepare) {
        this(id, id, -1, title, tools, runs, bytes, how, needsPriming, counted, seed, prepare);
    }

    private Scenario(
            String id,
            String op,
            double delayMs,
            String title,
            List<Tool> tools,
            int runs,
            long bytes,
            String how,
            boolean needsPriming,
            boolean counted,
            Seed seed,
            Prepare prepare) {
        this.id = id;
        this.op = op;
        this.delayMs = delayMs;
        this.title = title;
        this.tools = tools;
        this.runs = runs;
        this.bytes = bytes;
        this.how = how;
        this.needsPriming = needsPriming;
        this.counted = counted;
        this.seed = seed;
        this.prepare = prepare;
        this.tls = false;
    }

    /**
     * The same operation over https (id {@code https-<id>}): same data, seeding and checks, its own
     * buckets and clones; not counted, for the counting proxy cannot read TLS (the requests are the
     * same as over http).
     */
    Scenario overHttps() {
        return new Scenario(this);
    }

    private Scenario(Scenario http) {
        this.id = "https-" + http.id;
        this.op = http.op;
        this.delayMs = http.delayMs;
        this.title = http.title;
        this.tools = http.tools;
        this.runs = http.runs;
        this.bytes = http.bytes;
        this.how = http.how
                + "; over https (S3Proxy's TLS endpoint, a keytool-made certificate each tool is told to trust)";
        this.needsPriming = http.needsPriming;
        this.counted = false;
        this.seed = http.seed;
        this.prepare = (t, name, target) -> http.prepare.prepare(t, "tls-" + name, target);
        this.tls = true;
    }

    boolean isLatency() {
        return delayMs >= 0;
    }

    /** Seeds the scenario's bucket the first time it is asked. */
    void seedOnce() throws Exception {
        if (!seeded) seed.seed();
        seeded = true;
    }

    /**
     * Where the timed runs go: straight at S3Proxy, or through the delay proxy set to this
     * scenario's delay (and primed first, for lambda-sync's no-op: its state is per endpoint).
     */
    private Tool.Target timedTarget(Bench b) throws Exception {
        if (!isLatency() && !tls) return b.direct;
        DelayProxy delay = tls ? b.delayTls : b.delay;
        Tool.Target target = !isLatency() ? b.directTls : tls ? b.delayedTls : b.delayed;
        if (needsPriming && tools.contains(Tool.LAMBDA_SYNC)) {
            if (isLatency()) delay.delayMillis(0);
            Sample p = take(b, Tool.LAMBDA_SYNC, 0, "ls-priming", target);
            b.log(
                    "  %-12s first run through the delay proxy (records its state, untimed): %.2f s %s%s",
                    Tool.LAMBDA_SYNC.label,
                    p.seconds(),
                    p.counts(),
                    p.problems().isEmpty() ? "" : "  PROBLEMS: " + p.problems());
        }
        if (isLatency()) delay.delayMillis(delayMs);
        return target;
    }

    /** One more run of one tool, as the timed runs go, with extra arguments and environment (the hypotheses). */
    Sample once(Bench b, Tool t, String name, List<String> args, Map<String, String> env) throws Exception {
        seedOnce();
        Tool.Target target = timedTarget(b);
        Run x = prepare.prepare(t, name, target);
        Sample s = Sample.take(
                t,
                0,
                x.inv().with(args, env),
                x.cwd(),
                b.proxyFor(target),
                b.cpu,
                b.work.resolve("logs"),
                id + "-" + name);
        s.problems().addAll(x.check().problems(s));
        return s;
    }

    /** @return the timed runs; the counted and profiled ones go into the bench's maps */
    List<Sample> run(Bench b) throws Exception {
        seedOnce();
        Tool.Target target = timedTarget(b);
        List<Sample> timed = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            List<Tool> order = new ArrayList<>(tools);
            Collections.rotate(order, -(r - 1));
            for (Tool t : order) {
                Sample s = take(b, t, r, short_(t) + "-" + r, target);
                b.log(
                        "  %-12s run %d: %6.2f s  rss %4d MiB  other CPU %.1f s%s",
                        t.label,
                        r,
                        s.seconds(),
                        s.rssKiB() / 1024,
                        s.foreignCpu(),
                        s.problems().isEmpty() ? "" : "  PROBLEMS: " + s.problems());
                timed.add(s);
            }
        }
        if (counted) {
            for (Tool t : tools) {
                if (needsPriming && t == Tool.LAMBDA_SYNC) {
                    Sample p = take(b, t, 0, "ls-priming", b.viaProxy);
                    b.log(
                            "  %-12s first run through the proxy (records its state, untimed): %.2f s %s%s",
                            t.label,
                            p.seconds(),
                            p.counts(),
                            p.problems().isEmpty() ? "" : "  PROBLEMS: " + p.problems());
                }
                Sample s = take(b, t, 0, short_(t) + "-counted", b.viaProxy);
                b.counted
                        .computeIfAbsent(id, k -> new java.util.EnumMap<>(Tool.class))
                        .put(t, s);
                b.log(
                        "  %-12s counted run through the proxy: %6.2f s  %s%s",
                        t.label, s.seconds(), s.counts(), s.problems().isEmpty() ? "" : "  PROBLEMS: " + s.problems());
            }
        }
        if (b.profile && !isLatency() && tools.contains(Tool.LAMBDA_SYNC)) profile(b);
        return timed;
    }

    private Sample take(Bench b, Tool t, int run, String name, Tool.Target target) throws Exception {
        Run x = prepare.prepare(t, name, target);
        Sample s = Sample.take(
                t, run, x.inv(), x.cwd(), b.proxyFor(target), b.cpu, b.work.resolve("logs"), id + "-" + name);
        s.problems().addAll(x.check().problems(s));
        return s;
    }

    /** One more lambda-sync run, untimed, straight at S3Proxy, under Java Flight Recorder. */
    private void profile(Bench b) throws Exception {
        Run x = prepare.prepare(Tool.LAMBDA_SYNC, "ls-jfr", tls ? b.directTls : b.direct);
        Path jfr = b.work.resolve("logs").resolve(id + ".jfr");
        Map<String, String> env = new HashMap<>(x.inv().env());
        env.put("JAVA_TOOL_OPTIONS", CpuProfile.option(jfr, b.work));
        Sample s = Sample.take(
                Tool.LAMBDA_SYNC,
                0,
                new Tool.Invocation(x.inv().argv(), env, x.inv().shown()),
                x.cwd(),
                b.proxy,
                b.cpu,
                b.work.resolve("logs"),
                id + "-ls-jfr");
        List<String> problems = new ArrayList<>(s.problems());
        problems.addAll(x.check().problems(s));
        if (!problems.isEmpty() || !Files.exists(jfr)) {
            b.log("  profiled run failed: %s", problems);
            return;
        }
        CpuProfile p = CpuProfile.read(jfr, 12);
        b.profiles.put(id, new Bench.Profiled(s, p));
        b.log(
                "  profiled run (JFR): %.2f s, %d CPU samples, top: %s",
                s.seconds(),
                p.samples(),
                p.self().subList(0, Math.min(3, p.self().size())));
    }

    static String short_(Tool t) {
        return switch (t) {
            case LAMBDA_SYNC -> "ls";
            case AWS -> "aws";
            case RCLONE -> "rclone";
            case AWS_PER_DIR -> "awsdir";
        };
    }

    static List<Scenario> all(Bench b) {
        Dataset small = b.datasets.get("small"), n10k = b.datasets.get("noop10k"), large = b.datasets.get("large");
        List<Scenario> list = new ArrayList<>();
        list.add(new Scenario(
                "upload-small",
                "upload 2,000 small files (1–64 KiB) to an empty bucket",
                Bench.ALL,
                b.runs,
                0,
                "run in the repo; a new empty bucket for every run; lambda-sync without state (.lambda-sync/ removed)",
                false,
                true,
                () -> {},
                (t, name, target) -> uploadRun(b, small, t, "up-small-" + name, false, target)));
        list.add(new Scenario(
                "noop-10k",
                "no-op upload, 10,000 files (1–4 KiB) already in the bucket",
                Bench.ALL,
                b.runs,
                0,
                "run in the repo; the bucket seeded once by lambda-sync (which also left its state), nothing to transfer",
                true,
                true,
                () -> seed(b, n10k, "noop-10k"),
                (t, name, target) -> noopRun(b, n10k, t, "noop-10k", target)));
        list.add(new Scenario(
                "download-small",
                "download the 2,000 small files into an empty repo",
                Bench.ALL,
                b.runs,
                0,
                "run in a fresh clone (code files, no data dirs, no state); the bucket seeded once by lambda-sync",
                false,
                true,
                () -> seed(b, small, "down-small"),
                (t, name, target) -> downloadRun(b, small, t, "down-small", "down-small-" + name, target)));
        list.add(new Scenario(
                "upload-large",
                "upload 2 × " + mib(large) + " MiB",
                Bench.ALL,
                b.runs,
                large.dataBytes,
                "run in the repo; a new empty bucket for every run (emptied afterwards); lambda-sync without state",
                false,
                true,
                () -> {},
                (t, name, target) -> uploadRun(b, large, t, "up-large-" + name, true, target)));
        list.add(new Scenario(
                "download-large",
                "download 2 × " + mib(large) + " MiB",
                Bench.ALL,
                b.runs,
                large.dataBytes,
                "run in a fresh clone; the bucket seeded once by lambda-sync (16 MiB parts, md5chksum metadata)",
                false,
                true,
                () -> seed(b, large, "down-large"),
                (t, name, target) -> downloadRun(b, large, t, "down-large", "down-large-" + name, target)));
        Dataset n100k = b.datasets.get("noop100k");
        if (n100k != null) list.add(noop100k(b, n100k));
        return list;
    }

    /**
     * The latency scenarios at one round trip: 1,000 small files in 10 data dirs
     * uploaded to an empty bucket, a no-op upload, a download into an empty clone.
     */
    static List<Scenario> latency(Bench b, Dataset ds, double ms) {
        String at = fmtMs(ms) + " ms", p = "lat" + fmtMs(ms) + "-";
        String files = Report.fmtInt(ds.data.size());
        List<Scenario> list = new ArrayList<>();
        list.add(new Scenario(
                p + "upload",
                "upload-1k",
                ms,
                "upload " + files + " small files to an empty bucket, " + at,
                LATENCY_TOOLS,
                b.runs,
                0,
                "run in the repo; a new empty bucket for every run; lambda-sync without state; through the delay proxy at "
                        + at,
                false,
                false,
                () -> {},
                (t, name, target) -> uploadRun(b, ds, t, "up-1k-" + fmtMs(ms) + "-" + name, false, target)));
        list.add(new Scenario(
                p + "noop",
                "noop-1k",
                ms,
                "no-op upload, " + files + " files, " + at,
                LATENCY_TOOLS,
                b.runs,
                0,
                "run in the repo; the bucket seeded once by lambda-sync; lambda-sync run once, untimed, through the delay proxy at 0 ms first (its state is per endpoint); at "
                        + at,
                true,
                false,
                () -> seed(b, ds, "lat-1k"),
                (t, name, target) -> noopRun(b, ds, t, "lat-1k", target)));
        list.add(new Scenario(
                p + "download",
                "download-1k",
                ms,
                "download " + files + " small files into an empty clone, " + at,
                LATENCY_TOOLS,
                b.runs,
                0,
                "run in a fresh clone; the bucket seeded once by lambda-sync; at " + at,
                false,
                false,
                () -> seed(b, ds, "lat-1k"),
                (t, name, target) -> downloadRun(b, ds, t, "lat-1k", "down-1k-" + fmtMs(ms) + "-" + name, target)));
        return list;
    }

    static String fmtMs(double ms) {
        return ms == Math.rint(ms) ? String.valueOf((long) ms) : String.valueOf(ms);
    }

    static long mib(Dataset d) {
        return d.dataBytes / 2 / (1024 * 1024);
    }

    private static Run uploadRun(Bench b, Dataset ds, Tool t, String bucket, boolean emptyAfter, Tool.Target target)
            throws Exception {
        b.createBucket(bucket);
        if (t == Tool.LAMBDA_SYNC) Proc.run(ds.root, List.of("rm", "-rf", ".lambda-sync"));
        return new Run(t.upload(target, bucket), ds.root, s -> {
            List<String> problems = ds.checkUploaded(b.keys(bucket));
            if (emptyAfter) b.emptyBucket(bucket);
            return problems;
        });
    }

    /** A no-op must leave every object as seeded (key, ETag, modification time) and, where counted, send no transfer. */
    private static Run noopRun(Bench b, Dataset ds, Tool t, String bucket, Tool.Target target) throws Exception {
        return new Run(t.upload(target, bucket), ds.root, s -> {
            List<String> problems = new ArrayList<>();
            if (s.transfers() > 0) problems.add("not a no-op: " + s.counts());
            Map<String, String> now = b.snapshot(bucket), seeded = b.seeded.get(bucket);
            if (!now.equals(seeded)) {
                long changed = now.entrySet().stream()
                        .filter(e -> !e.getValue().equals(seeded.get(e.getKey())))
                        .count();
                problems.add(
                        "not a no-op: " + changed + " object(s) written, " + (now.size() - seeded.size()) + " added");
            }
            return problems;
        });
    }

    private static Run downloadRun(Bench b, Dataset ds, Tool t, String bucket, String name, Tool.Target target)
            throws Exception {
        Path dest = b.work.resolve("runs").resolve(name);
        Files.createDirectories(dest.getParent());
        ds.cloneWithoutData(dest);
        return new Run(t.download(target, bucket), dest, s -> {
            List<String> problems = ds.checkDownloaded(dest);
            Proc.run(b.work, List.of("rm", "-rf", dest.toString()));
            return problems;
        });
    }

    /** Fills a bucket with lambda-sync straight at S3Proxy (untimed), which also leaves the state a no-op run needs. */
    static void seed(Bench b, Dataset ds, String bucket) throws Exception {
        if (b.seeded.containsKey(bucket)) return; // the latency scenarios share one
        b.createBucket(bucket);
        Sample s = Sample.take(
                Tool.LAMBDA_SYNC,
                0,
                Tool.LAMBDA_SYNC.upload(b.direct, bucket),
                ds.root,
                b.proxy,
                b.cpu,
                b.work.resolve("logs"),
                "seed-" + bucket);
        List<String> problems = new ArrayList<>(s.problems());
        problems.addAll(ds.checkUploaded(b.keys(bucket)));
        b.log("  seeded %s with %d files in %.1f s", bucket, ds.data.size(), s.seconds());
        if (!problems.isEmpty()) throw new IllegalStateException("seeding " + bucket + " failed: " + problems);
        b.seedSeconds.put(bucket, s.seconds());
        b.seeded.put(bucket, b.snapshot(bucket));
    }

    /**
     * The 100,000-file no-op, lambda-sync only (issue 6 asks for its memory). Seeding 100,000
     * objects into S3Proxy takes about a minute here; --noop100k-store dir uses the tool's
     * directory store (SYNC_TARGET) instead, where a slower machine needs it.
     */
    private static Scenario noop100k(Bench b, Dataset ds) {
        boolean viaS3 = b.noop100kOnS3;
        Path dir = b.work.resolve("dirstore-100k");
        String how = viaS3
                ? "run in the repo; the bucket seeded once by lambda-sync"
                : "run in the repo against lambda-sync's directory store (SYNC_TARGET=<dir>), seeded once by lambda-sync";
        return new Scenario(
                "noop-100k",
                "no-op upload, 100,000 files (1–4 KiB), lambda-sync only",
                List.of(Tool.LAMBDA_SYNC),
                b.runs,
                0,
                how,
                true,
                viaS3,
                () -> {
                    if (viaS3) {
                        seed(b, ds, "noop-100k");
                        return;
                    }
                    Path cfg = b.direct.dirConfig("dir-100k", dir);
                    Sample s = Sample.take(
                            Tool.LAMBDA_SYNC,
                            0,
                            Tool.lambdaSyncDir(b.direct, cfg, "upload"),
                            ds.root,
                            b.proxy,
                            b.cpu,
                            b.work.resolve("logs"),
                            "seed-dir-100k");
                    b.log("  seeded the directory store with %d files in %.1f s", ds.data.size(), s.seconds());
                    if (!s.problems().isEmpty())
                        throw new IllegalStateException("seeding the directory store failed: " + s.problems());
                    b.seedSeconds.put("noop-100k (directory store)", s.seconds());
                },
                (t, name, target) -> {
                    if (viaS3) return noopRun(b, ds, t, "noop-100k", target);
                    // A no-op must leave every file of the store untouched (ctime).
                    Path marker = b.work.resolve("marker-100k");
                    Files.writeString(marker, "");
                    return new Run(
                            Tool.lambdaSyncDir(target, target.dirConfig("dir-100k", dir), "upload"), ds.root, s -> {
                                String touched = Proc.capture(
                                        b.work,
                                        List.of(
                                                "find",
                                                dir.toString(),
                                                "-cnewer",
                                                marker.toString(),
                                                "-type",
                                                "f",
                                                "-print",
                                                "-quit"));
                                return touched.isEmpty()
                                        ? List.of()
                                        : List.of("not a no-op: the store's " + touched + " was written");
                            });
                });
    }
}
