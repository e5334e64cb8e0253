import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 16's hypotheses, measured on lambda-sync alone without changing it: (a) JIT settings
 * given through the environment on the small-file and large-file cases, (b) more files in
 * flight ({@code -j}) at a 20 ms round trip. The variants of a case alternate, the order
 * rotating every round, like the tools in a scenario.
 */
final class Hypotheses {
    private Hypotheses() {}

    /**
     * One setting tried. JIT flags go in {@code _JAVA_OPTIONS}: the JVM reads JAVA_TOOL_OPTIONS
     * before its command line, so the launcher's {@code -XX:TieredStopAtLevel=1} would win over
     * it; _JAVA_OPTIONS is read after the command line.
     */
    record Variant(String name, Tool tool, List<String> args, Map<String, String> env, String shown) {
        Variant(String name, List<String> args, Map<String, String> env, String shown) {
            this(name, Tool.LAMBDA_SYNC, args, env, shown);
        }
    }

    /** One case under one variant; samples are the timed runs. */
    record Row(String hypothesis, String scenario, String title, long bytes, Variant variant, List<Sample> samples) {}

    static final String JIT = "JIT", JOBS = "jobs";

    /** Issue 20: the JIT variants on the 1,000-file cases over https (`--only jit-https`, or with --hypotheses). */
    static final String JIT_HTTPS = "jit-https", PROFILE_HTTPS = "profile-https";

    static List<Variant> jitVariants() {
        return List.of(
                new Variant(
                        "as shipped: C1 only, thresholds ×0.2",
                        List.of(),
                        Map.of(),
                        "(the `//JAVA_OPTIONS` line alone)"),
                jit("full tiered (C1 then C2), thresholds ×0.2", "-XX:TieredStopAtLevel=4"),
                jit(
                        "full tiered, tier-4 thresholds ×10",
                        "-XX:TieredStopAtLevel=4 -XX:Tier4InvocationThreshold=50000 "
                                + "-XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=150000"),
                jit(
                        "full tiered, tier-4 thresholds ×100, back-edge ×10",
                        "-XX:TieredStopAtLevel=4 -XX:Tier4InvocationThreshold=500000 "
                                + "-XX:Tier4MinInvocationThreshold=60000 -XX:Tier4CompileThreshold=1500000 -XX:Tier4BackEdgeThreshold=400000"));
    }

    private static Variant jit(String name, String opts) {
        return new Variant(name, List.of(), Map.of("_JAVA_OPTIONS", opts), "`_JAVA_OPTIONS='" + opts + "'`");
    }

    static List<Variant> jobVariants() {
        List<Variant> v = new ArrayList<>();
        for (int j : new int[] {16, 32, 64}) {
            v.add(new Variant(
                    "-j " + j + (j == 16 ? " (default)" : ""),
                    j == 16 ? List.of() : List.of("-j", String.valueOf(j)),
                    Map.of(),
                    j == 16 ? "(default)" : "`-j " + j + "`"));
        }
        return v;
    }

    static List<Row> measure(Bench b) throws Exception {
        List<Row> rows = new ArrayList<>();
        List<Scenario> jitCases = new ArrayList<>();
        for (Scenario sc : Scenario.all(b)) {
            if (List.of("upload-small", "download-small", "upload-large", "download-large")
                    .contains(sc.id)) {
                jitCases.add(b.scenarios.getOrDefault(sc.id, sc)); // one already run is seeded
            }
        }
        for (Scenario sc : jitCases) rows.addAll(measure(b, JIT, sc, jitVariants()));
        for (Scenario sc : Scenario.latency(b, b.datasets.get("lat1k"), 20))
            rows.addAll(measure(b, JOBS, sc, jobVariants()));
        return rows;
    }

    /**
     * The first three JIT variants (as shipped, full tiered, raised tier-4 thresholds), and C1 with
     * the JVM's default thresholds, on the
     * https 1,000-file download, upload and no-op at 0 ms, with rclone alternating among them as
     * the reference; then one lambda-sync run of each case under JFR (Bench.profiles).
     */
    static List<Row> measureHttps(Bench b) throws Exception {
        List<Variant> variants = new ArrayList<>(jitVariants().subList(0, 3));
        // The profile shows C1 compiling ~1/3 of these runs' CPU: the same JIT with the JVM's own thresholds.
        variants.add(jit("C1 only, thresholds ×1 (the JVM's default)", "-XX:CompileThresholdScaling=1.0"));
        variants.add(
                new Variant("rclone copy (reference)", Tool.RCLONE, List.of(), Map.of(), "rclone as in the tables"));
        List<Row> rows = new ArrayList<>();
        for (Scenario http : Scenario.latency(b, b.datasets.get("lat1k"), 0)) {
            Scenario sc = http.overHttps();
            rows.addAll(measure(b, JIT_HTTPS, sc, variants));
            if (b.profile) profile(b, sc);
        }
        return rows;
    }

    /** Only the profiled runs of {@link #measureHttps} (`--only profile-https`). */
    static void profileHttps(Bench b) throws Exception {
        for (Scenario http : Scenario.latency(b, b.datasets.get("lat1k"), 0)) profile(b, http.overHttps());
    }

    private static void profile(Bench b, Scenario sc) throws Exception {
        java.nio.file.Path jfr = b.work.resolve("logs").resolve(sc.id + ".jfr");
        Sample s;
        try (ThreadCpu threads = new ThreadCpu()) {
            s = sc.once(
                    b, Tool.LAMBDA_SYNC, "jfr", List.of(), Map.of("JAVA_TOOL_OPTIONS", CpuProfile.option(jfr, b.work)));
            threads.close();
            b.threadCpu.put(sc.id, threads.seconds());
            b.log("  CPU by thread: %s", threads.seconds());
        }
        if (!s.problems().isEmpty() || !java.nio.file.Files.exists(jfr)) {
            b.log("  profiled run failed: %s", s.problems());
            return;
        }
        CpuProfile p = CpuProfile.read(jfr, 12);
        b.profiles.put(sc.id, new Bench.Profiled(s, p));
        b.log(
                "  profiled run (JFR): %.2f s, %d CPU samples, by activity: %s",
                s.seconds(), p.samples(), p.categories());
    }

    private static List<Row> measure(Bench b, String hypothesis, Scenario sc, List<Variant> variants) throws Exception {
        b.log("hypothesis %s on %s: %d variants × %d runs", hypothesis, sc.id, variants.size(), b.runs);
        Map<Variant, List<Sample>> samples = new LinkedHashMap<>();
        for (Variant v : variants) samples.put(v, new ArrayList<>());
        for (int r = 1; r <= b.runs; r++) {
            List<Variant> order = new ArrayList<>(variants);
            Collections.rotate(order, -(r - 1));
            for (Variant v : order) {
                Sample s = sc.once(
                        b,
                        v.tool(),
                        "hyp-" + hypothesis.toLowerCase(java.util.Locale.ROOT) + "-" + variants.indexOf(v) + "-" + r,
                        v.args(),
                        v.env());
                samples.get(v).add(s);
                b.log(
                        "  %-52s run %d: %6.2f s  CPU %5.2f s%s",
                        v.name(),
                        r,
                        s.seconds(),
                        s.userSeconds() + s.sysSeconds(),
                        s.problems().isEmpty() ? "" : "  PROBLEMS: " + s.problems());
            }
        }
        List<Row> rows = new ArrayList<>();
        samples.forEach((v, list) -> rows.add(new Row(hypothesis, sc.id, sc.title, sc.bytes, v, list)));
        return rows;
    }
}
