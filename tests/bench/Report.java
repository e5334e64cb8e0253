import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns the samples into BENCHMARKS.md: the results table (median, min–max), the tables at a
 * distance (0, 2, 20 ms round trips) with their latency floors, CPU seconds per 1,000 files,
 * the ratios against issue 16's targets, the hypotheses measured, requests per kind, where
 * each tool's wall time went, the machine, and the exact commands (secrets as placeholders).
 * Sections of the previous file whose heading says "by hand" are kept as they were.
 */
final class Report {
    static final double MIB = 1024.0 * 1024;

    /** One target of issue 16 with what this run measured; {@code measure} says what a ratio compares ("time", "MiB/s", "CPU"). */
    record Target(
            String what,
            String scenario,
            Tool peer,
            double limit,
            boolean atMost,
            double value,
            String shown,
            String measure) {
        boolean met() {
            return !Double.isNaN(value) && (atMost ? value <= limit : value >= limit);
        }

        boolean isRatio() {
            return peer != null;
        }
    }

    final Bench b;
    final Map<String, List<Sample>> results;

    Report(Bench b, Map<String, List<Sample>> results) {
        this.b = b;
        this.results = results;
    }

    // ---- statistics -------------------------------------------------------------------------------

    static double median(List<Double> v) {
        if (v.isEmpty()) return Double.NaN;
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    List<Sample> of(String id, Tool t) {
        return results.getOrDefault(id, List.of()).stream()
                .filter(s -> s.tool() == t)
                .toList();
    }

    double seconds(String id, Tool t) {
        return median(of(id, t).stream().map(Sample::seconds).toList());
    }

    double rssMiB(String id, Tool t) {
        return median(of(id, t).stream().map(s -> s.rssKiB() / 1024.0).toList());
    }

    /** MiB/s of the median time. */
    double throughput(String id, Tool t) {
        return b.scenarios.get(id).bytes / MIB / seconds(id, t);
    }

    /** The tool's run through the counting proxy (requests, time profile), or null. */
    Sample counted(String id, Tool t) {
        return b.counted.getOrDefault(id, Map.of()).get(t);
    }

    List<Target> targets() {
        List<Target> t = new ArrayList<>();
        String small = fmtInt(b.datasets.get("small").data.size());
        t.add(timeRatio("upload " + small + " small files", "upload-small", Tool.RCLONE, 0.8));
        t.add(timeRatio("no-op upload, 10,000 files", "noop-10k", Tool.RCLONE, 0.5));
        Sample noop = counted("noop-10k", Tool.LAMBDA_SYNC);
        if (noop != null) {
            int other = noop.exchanges().size() - noop.counts().getOrDefault(CountingProxy.Kind.LIST, 0);
            t.add(new Target(
                    "no-op upload, 10,000 files: only listing requests",
                    "noop-10k",
                    null,
                    0,
                    true,
                    other,
                    noop.counts().getOrDefault(CountingProxy.Kind.LIST, 0) + " LIST, " + other + " other; up to "
                            + noop.maxInFlight(CountingProxy.Kind.LIST) + " listings at once",
                    "requests"));
        }
        t.add(timeRatio("download " + small + " small files", "download-small", Tool.RCLONE, 1.0));
        t.add(throughputRatio(
                "upload 2 × " + Scenario.mib(b.datasets.get("large")) + " MiB, throughput",
                "upload-large",
                Tool.RCLONE,
                1.0));
        t.add(throughputRatio(
                "download 2 × " + Scenario.mib(b.datasets.get("large")) + " MiB, throughput",
                "download-large",
                Tool.RCLONE,
                0.8));
        t.add(cpuRatio("CPU per 1,000 small files, upload", "upload-small", Tool.RCLONE, 1.0));
        t.add(cpuRatio("CPU per 1,000 small files, download", "download-small", Tool.RCLONE, 1.0));
        for (String[] x :
                new String[][] {{"upload", "0.15", "0.1"}, {"noop", "0.15", "0.1"}, {"download", "0.2", "0.1"}}) {
            String id = "lat20-" + x[0];
            Scenario sc = b.scenarios.get(id);
            if (sc == null) continue;
            t.add(timeRatio(sc.title, id, Tool.RCLONE, Double.parseDouble(x[1])));
            t.add(timeRatio(sc.title, id, Tool.AWS_PER_DIR, Double.parseDouble(x[2])));
        }
        t.add(absolute("peak RSS, 10,000-file no-op", "noop-10k", rssMiB("noop-10k", Tool.LAMBDA_SYNC), 160, "MiB"));
        t.add(absolute("peak RSS, 100,000-file no-op", "noop-100k", rssMiB("noop-100k", Tool.LAMBDA_SYNC), 300, "MiB"));
        t.add(absolute("`--version`, warm cache", "version", seconds("version", Tool.LAMBDA_SYNC), 0.3, "s"));
        t.add(absolute("`--help`, warm cache (issue 6)", "help", seconds("help", Tool.LAMBDA_SYNC), 0.5, "s"));
        return t.stream().filter(x -> results.containsKey(x.scenario())).toList();
    }

    private Target timeRatio(String what, String id, Tool peer, double limit) {
        double r = seconds(id, Tool.LAMBDA_SYNC) / seconds(id, peer);
        return new Target(
                what + " ≤ " + fmtNum(limit) + "× " + peer.label,
                id,
                peer,
                limit,
                true,
                r,
                String.format(
                        Locale.ROOT, "%.2f× (%.2f s / %.2f s)", r, seconds(id, Tool.LAMBDA_SYNC), seconds(id, peer)),
                "time");
    }

    private Target throughputRatio(String what, String id, Tool peer, double limit) {
        double r = throughput(id, Tool.LAMBDA_SYNC) / throughput(id, peer);
        return new Target(
                what + " ≥ " + fmtNum(limit) + "× " + peer.label,
                id,
                peer,
                limit,
                false,
                r,
                String.format(
                        Locale.ROOT,
                        "%.2f× (%.0f MiB/s / %.0f MiB/s)",
                        r,
                        throughput(id, Tool.LAMBDA_SYNC),
                        throughput(id, peer)),
                "MiB/s");
    }

    private Target cpuRatio(String what, String id, Tool peer, double limit) {
        double r = cpuPer1000(id, Tool.LAMBDA_SYNC) / cpuPer1000(id, peer);
        return new Target(
                what + " ≤ " + fmtNum(limit) + "× " + peer.label + "'s",
                id,
                peer,
                limit,
                true,
                r,
                String.format(
                        Locale.ROOT,
                        "%.2f× (%.2f s / %.2f s)",
                        r,
                        cpuPer1000(id, Tool.LAMBDA_SYNC),
                        cpuPer1000(id, peer)),
                "CPU");
    }

    private Target absolute(String what, String id, double value, double limit, String unit) {
        return new Target(
                what + " ≤ " + fmtNum(limit) + " " + unit,
                id,
                null,
                limit,
                true,
                value,
                unit.equals("s")
                        ? String.format(Locale.ROOT, "%.2f s", value)
                        : String.format(Locale.ROOT, "%.0f MiB", value),
                unit);
    }

    // ---- over https (issue 20) ----------------------------------------------------------------------

    /** The https scenarios that ran, in the order they ran. */
    private List<String> httpsIds() {
        return b.scenarios.values().stream()
                .filter(sc -> sc.tls && results.containsKey(sc.id))
                .map(sc -> sc.id)
                .toList();
    }

    /** Issue 20's targets, all over https: ratios to rclone in this run. */
    List<Target> httpsTargets() {
        List<Target> t = new ArrayList<>();
        String large = "2 × " + Scenario.mib(b.datasets.get("large")) + " MiB";
        t.add(throughputRatio("download " + large + ", throughput", "https-download-large", Tool.RCLONE, 0.8));
        t.add(throughputRatio("upload " + large + ", throughput", "https-upload-large", Tool.RCLONE, 1.0));
        t.add(timeRatio("download 1,000 small files, 0 ms", "https-lat0-download", Tool.RCLONE, 1.0));
        t.add(timeRatio("upload 1,000 small files, 0 ms", "https-lat0-upload", Tool.RCLONE, 0.8));
        t.add(timeRatio("no-op upload, 1,000 files, 0 ms", "https-lat0-noop", Tool.RCLONE, 0.8));
        t.add(cpuRatio("CPU per 1,000 small files, download", "https-lat0-download", Tool.RCLONE, 1.5));
        t.add(cpuRatio("CPU per 1,000 small files, upload", "https-lat0-upload", Tool.RCLONE, 1.5));
        return t.stream().filter(x -> results.containsKey(x.scenario())).toList();
    }

    /** Median user+sys CPU seconds of a tool's timed runs. */
    double cpuSeconds(String id, Tool t) {
        return median(
                of(id, t).stream().map(s -> s.userSeconds() + s.sysSeconds()).toList());
    }

    /** CPU per 1,000 files for small files; MiB moved per CPU second (MiB/s per core) for large ones. */
    private String efficiencyCell(String id, Tool t) {
        if (of(id, t).isEmpty()) return "–";
        Scenario sc = b.scenarios.get(id);
        if (sc.bytes > 0) return String.format(Locale.ROOT, "%.0f MiB/s per core", sc.bytes / MIB / cpuSeconds(id, t));
        return String.format(Locale.ROOT, "%.2f s", cpuPer1000(id, t));
    }

    private void httpsSection(StringBuilder o) {
        List<String> ids = httpsIds();
        if (ids.isEmpty()) return;
        o.append("## Over https: what users get\n\n")
                .append(
                        "Lambda's adapter is reached only over https, so this table leads. The same scenarios as in the tables below, against ")
                .append(
                        "S3Proxy's TLS endpoint with a keytool-made certificate for 127.0.0.1, each tool told to trust it the way its users would: ")
                .append(
                        "lambda-sync through `LAMBDA_CA_BUNDLE` in its config, aws-cli through `AWS_CA_BUNDLE`, rclone through `SSL_CERT_FILE` ")
                .append(
                        "(its S3 backend refuses to start with `AWS_CA_BUNDLE` set). Each https scenario ran right after its http one. ")
                .append(String.format(
                        Locale.ROOT,
                        "Median and (min–max) of %d timed run(s) per tool; the 1,000-file rows through the delay proxy at the round trip named. ",
                        b.runs))
                .append(
                        "`CPU` is user+sys of the tool's process tree per 1,000 files (small files) or MiB moved per CPU second (large files: ")
                .append(
                        "MiB/s per core), medians. Not counted by the request-counting proxy (it cannot read TLS): the requests are those of the http rows.\n\n");
        o.append(
                        "| operation | lambda-sync | aws s3 sync (per data dir at a distance) | rclone copy | lambda-sync ÷ aws | lambda-sync ÷ rclone | CPU: lambda-sync / aws / rclone | lambda-sync over http |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (String id : ids) {
            Scenario sc = b.scenarios.get(id);
            boolean big = sc.bytes > 0;
            Tool aws = sc.isLatency() ? Tool.AWS_PER_DIR : Tool.AWS;
            o.append("| ").append(sc.title).append(big ? ", throughput" : "");
            for (Tool t : List.of(Tool.LAMBDA_SYNC, aws, Tool.RCLONE))
                o.append(" | ").append(big ? throughputCell(id, t) : timeCell(id, t));
            for (Tool p : List.of(aws, Tool.RCLONE)) {
                double r = big
                        ? throughput(id, Tool.LAMBDA_SYNC) / throughput(id, p)
                        : seconds(id, Tool.LAMBDA_SYNC) / seconds(id, p);
                o.append(" | ").append(ratio(r));
            }
            o.append(" | ")
                    .append(efficiencyCell(id, Tool.LAMBDA_SYNC))
                    .append(" / ")
                    .append(efficiencyCell(id, aws))
                    .append(" / ")
                    .append(efficiencyCell(id, Tool.RCLONE));
            String http = id.substring("https-".length());
            o.append(" | ")
                    .append(
                            !results.containsKey(http)
                                    ? "–"
                                    : big ? throughputCell(http, Tool.LAMBDA_SYNC) : timeCell(http, Tool.LAMBDA_SYNC))
                    .append(" |\n");
        }
        o.append("\n### Targets over https (issue 20)\n\n| target | measured | met |\n|---|---|---|\n");
        for (Target t : httpsTargets())
            o.append("| ")
                    .append(t.what())
                    .append(" | ")
                    .append(t.shown())
                    .append(" | ")
                    .append(t.met() ? "yes" : "**no**")
                    .append(" |\n");
        o.append('\n');
    }

    // ---- at a distance, CPU ---------------------------------------------------------------------

    /** Data files a scenario moves or checks, for CPU per 1,000 files; 0 where that means nothing (large files). */
    int files(String id) {
        Scenario sc = b.scenarios.get(id);
        if (sc == null) return 0;
        if (sc.isLatency()) return b.datasets.get("lat1k").data.size();
        return switch (sc.tls ? id.substring("https-".length()) : id) {
            case "upload-small", "download-small" ->
                b.datasets.get("small").data.size();
            case "noop-10k" -> b.datasets.get("noop10k").data.size();
            case "noop-100k" ->
                b.datasets.containsKey("noop100k")
                        ? b.datasets.get("noop100k").data.size()
                        : 0;
            default -> 0;
        };
    }

    /** Median user+sys CPU seconds of the tool's process and the children it waited for, per 1,000 files. */
    double cpuPer1000(String id, Tool t) {
        int n = files(id);
        if (n == 0) return Double.NaN;
        return median(of(id, t).stream()
                .map(s -> (s.userSeconds() + s.sysSeconds()) * 1000 / n)
                .toList());
    }

    /** The latency floor of one run: its requests × the round trip ÷ the most requests it had in flight at once. */
    static double floor(Sample s, double rttMs) {
        int max = s.profile().maxInFlight();
        return max == 0 ? Double.NaN : s.exchanges().size() * rttMs / 1000 / max;
    }

    double floorMedian(String id, Tool t) {
        Scenario sc = b.scenarios.get(id);
        return median(of(id, t).stream().map(s -> floor(s, sc.delayMs)).toList());
    }

    private boolean loopback(String id) {
        Scenario sc = b.scenarios.get(id);
        return sc == null || (!sc.isLatency() && !sc.tls);
    }

    private List<String> latencyIds(double ms) {
        return b.scenarios.values().stream()
                .filter(sc -> sc.isLatency() && !sc.tls && sc.delayMs == ms && results.containsKey(sc.id))
                .map(sc -> sc.id)
                .toList();
    }

    private void latencySection(StringBuilder o) {
        List<Double> lats = b.scenarios.values().stream()
                .filter(sc -> sc.isLatency() && !sc.tls && results.containsKey(sc.id))
                .map(sc -> sc.delayMs)
                .distinct()
                .sorted()
                .toList();
        if (lats.isEmpty()) return;
        Dataset lat = b.datasets.get("lat1k");
        o.append("## At a distance: ")
                .append(lats.stream().map(Scenario::fmtMs).collect(Collectors.joining(", ")))
                .append(" ms round trips\n\n");
        o.append(String.format(
                Locale.ROOT,
                "Our users sync from an instance one round trip of several to tens of ms away from the bucket. Each tool here "
                        + "talks to S3Proxy through a counting proxy, so every run's requests and how many were in flight at once are seen from the client's side, "
                        + "and then the bench's delay proxy (`tests/bench/DelayProxy.java`), which holds back every chunk the client sends by "
                        + "the delay and so makes one round trip about that long (a new connection's first bytes wait one delay more, as for a TCP "
                        + "handshake). At 0 ms the two loopback hops are all that is added. Data: a repo of %s files of 1–64 KiB (%.0f MiB) in 10 data dirs (5 experiments, `data/` and `reports/`). "
                        + "Median and (min–max) of %d timed run(s) per tool, the tools alternating; the bash tool's way is one `aws s3 sync` per data dir "
                        + "(see Commands). `floor` is the latency floor of the run: requests × round trip ÷ the most requests it had in flight at once "
                        + "(median over the runs); the time above it is start-up, CPU and waiting on the server.%n%n",
                fmtInt(lat.data.size()),
                lat.dataBytes / MIB,
                b.runs));
        List<Tool> tools = Scenario.LATENCY_TOOLS;
        for (double ms : lats) {
            o.append("### ").append(Scenario.fmtMs(ms)).append(" ms round trip\n\n");
            o.append(
                    "| operation | lambda-sync | rclone copy | aws s3 sync per data dir | lambda-sync ÷ rclone | lambda-sync ÷ per-dir aws |\n|---|---|---|---|---|---|\n");
            for (String id : latencyIds(ms)) {
                String title = b.scenarios.get(id).title;
                o.append("| ").append(title.substring(0, title.lastIndexOf(','))); // the heading says the latency
                for (Tool t : tools) {
                    o.append(" | ").append(timeCell(id, t));
                    if (ms > 0) o.append(String.format(Locale.ROOT, "; floor %.2f s", floorMedian(id, t)));
                }
                for (Tool p : List.of(Tool.RCLONE, Tool.AWS_PER_DIR))
                    o.append(" | ").append(ratio(seconds(id, Tool.LAMBDA_SYNC) / seconds(id, p)));
                o.append(" |\n");
            }
            o.append('\n');
        }
        o.append(
                "Requests per run (the first run at the largest round trip, as counted) and the most in flight at once (median over the runs) at each round trip:\n\n");
        o.append("| operation | tool | requests | most in flight at ")
                .append(lats.stream().map(ms -> Scenario.fmtMs(ms) + " ms").collect(Collectors.joining(" / ")))
                .append(" | CPU user+sys at ")
                .append(lats.stream().map(ms -> Scenario.fmtMs(ms) + " ms").collect(Collectors.joining(" / ")))
                .append(" |\n|---|---|---|---|---|\n");
        double top = lats.get(lats.size() - 1);
        for (String id : latencyIds(top)) {
            String op = b.scenarios.get(id).op;
            for (Tool t : tools) {
                List<Sample> runs = of(id, t);
                if (runs.isEmpty()) continue;
                String title = b.scenarios.get(id).title;
                o.append("| ")
                        .append(title.substring(0, title.lastIndexOf(',')))
                        .append(" | ")
                        .append(t.label)
                        .append(" | ")
                        .append(requestSummary(runs.get(0)))
                        .append(" | ");
                List<String> inFlight = new ArrayList<>(), cpu = new ArrayList<>();
                for (double ms : lats) {
                    String same = b.scenarios.values().stream()
                            .filter(sc -> sc.isLatency() && !sc.tls && sc.delayMs == ms && sc.op.equals(op))
                            .map(sc -> sc.id)
                            .findFirst()
                            .orElse(null);
                    List<Sample> at = same == null ? List.of() : of(same, t);
                    inFlight.add(
                            at.isEmpty()
                                    ? "–"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.0f",
                                            median(at.stream()
                                                    .map(x ->
                                                            (double) x.profile().maxInFlight())
                                                    .toList())));
                    cpu.add(
                            at.isEmpty()
                                    ? "–"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f s",
                                            median(at.stream()
                                                    .map(x -> x.userSeconds() + x.sysSeconds())
                                                    .toList())));
                }
                o.append(String.join(" / ", inFlight))
                        .append(" | ")
                        .append(String.join(" / ", cpu))
                        .append(" |\n");
            }
        }
        o.append('\n');
    }

    private void cpuSection(StringBuilder o) {
        List<String> ids = new ArrayList<>();
        for (String id : List.of("upload-small", "noop-10k", "download-small", "noop-100k"))
            if (results.containsKey(id) && files(id) > 0) ids.add(id);
        for (Scenario sc : b.scenarios.values())
            if (sc.isLatency() && !sc.tls && results.containsKey(sc.id)) ids.add(sc.id);
        if (ids.isEmpty()) return;
        o.append("## CPU seconds per 1,000 files\n\n")
                .append(
                        "User+sys CPU time of the tool's process and every child it waited for, as `/usr/bin/time -v` reports it (GNU time reads the ")
                .append(
                        "`rusage` that `wait4` returns, which includes reaped descendants: for lambda-sync the JVM, which its launcher `exec`s; for ")
                .append(
                        "the bash tool's way bash and each `aws` it ran), divided by the files of the scenario, median over the timed runs. ")
                .append(
                        "On a shared 2-core machine this, not wall time, is the efficiency figure that carries to other machines. ")
                .append("Not counted: S3Proxy and the bench's proxies.\n\n");
        o.append(
                "| operation | files | lambda-sync | rclone copy | aws s3 sync | aws s3 sync per data dir | lambda-sync ÷ rclone |\n|---|---|---|---|---|---|---|\n");
        for (String id : ids) {
            o.append("| ").append(b.scenarios.get(id).title).append(" | ").append(fmtInt(files(id)));
            for (Tool t : List.of(Tool.LAMBDA_SYNC, Tool.RCLONE, Tool.AWS, Tool.AWS_PER_DIR)) {
                double v = cpuPer1000(id, t);
                o.append(" | ").append(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f s", v));
            }
            o.append(" | ")
                    .append(ratio(cpuPer1000(id, Tool.LAMBDA_SYNC) / cpuPer1000(id, Tool.RCLONE)))
                    .append(" |\n");
        }
        o.append('\n');
    }

    private void hypothesesSection(StringBuilder o, String previous) {
        if (b.hypothesisRows.isEmpty()) {
            if (previous != null) o.append(previous);
            return;
        }
        o.append("## Hypotheses measured\n\n")
                .append(String.format(
                        Locale.ROOT,
                        "Issue 16's hypotheses, measured in this run (%s) on lambda-sync alone, without changing it: ",
                        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd"))))
                .append("the variants of a case alternate, the order rotating each round, ")
                .append(b.runs)
                .append(" run(s) each; ")
                .append(
                        "wall and CPU (user+sys) as in the tables above, medians, and their ratio to the first variant. ")
                .append(String.format(
                        Locale.ROOT,
                        "Re-measure with `./jbang tests/bench/Bench.java --hypotheses` (it added %.0f minutes to this run).%n%n",
                        b.hypothesisSeconds / 60));
        o.append(
                        "**(a) JIT settings.** The launcher runs `java` with the `//JAVA_OPTIONS` line of `lambda-sync.java` on its command line; ")
                .append(
                        "the JVM reads `JAVA_TOOL_OPTIONS` *before* its command line, so `-XX:TieredStopAtLevel=4` given there loses to the line's ")
                .append(
                        "`-XX:TieredStopAtLevel=1` (checked with `-XX:+PrintFlagsFinal`). The variants therefore go in `_JAVA_OPTIONS`, read after the ")
                .append(
                        "command line. `-XX:CompileThresholdScaling=0.2` from the line scales every threshold, also those given here ")
                .append("(Tier4InvocationThreshold=50000 acts as 10,000).\n\n");
        hypothesisTable(o, Hypotheses.JIT);
        o.append("**(b) More files in flight at a 20 ms round trip** (`-j N` on the command line; default 16):\n\n");
        hypothesisTable(o, Hypotheses.JOBS);
        o.append("Variants:\n\n");
        b.hypothesisRows.stream()
                .map(Hypotheses.Row::variant)
                .distinct()
                .forEach(v -> o.append("- ")
                        .append(v.name())
                        .append(": ")
                        .append(v.shown())
                        .append('\n'));
        o.append('\n');
    }

    static final String CLIENT_PATHS = "Client paths over https";

    /** Issue 20's client paths and the JIT variants over https, when measured in this run; else the previous file's. */
    private void clientPathsSection(StringBuilder o, String previous) {
        if (b.clientPathRows.isEmpty() && b.jitHttpsRows.isEmpty()) {
            if (previous != null) o.append(previous);
            return;
        }
        o.append("## ").append(CLIENT_PATHS).append("\n\n");
        if (!b.clientPathRows.isEmpty()) {
            o.append(
                            "Each cell one fresh JVM doing one thing against S3Proxy's TLS endpoint (`--only client-paths`, tests/bench/ClientPaths.java): ")
                    .append("wall and CPU (user+sys) of the whole process including its start, median (min–max) of ")
                    .append(b.runs)
                    .append(
                            " rounds, the 12 candidate × JVM pairs alternating, the order moving each round. The JVM gets the tool's `//JAVA_OPTIONS` line, ")
                    .append(
                            "the variant in `_JAVA_OPTIONS` as in the hypotheses, and the bench's class path (no CDS archive, unlike the tool's launcher). ")
                    .append(
                            "(a)/(b): `S3Clients.create` as the tool builds it; (c)/(d): `AwsV4HttpSigner` and an `SdkHttpClient` called directly ")
                    .append("(unsigned payload, Content-MD5 on PUT, 16 connections).\n\n");
            o.append(
                            "| candidate | JVM | 1,000 GETs: wall | CPU | 1,000 PUTs: wall | CPU | 200 MiB GET: wall | CPU |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (int i = 0; i < b.clientPathRows.size(); i += ClientPaths.Op.values().length) {
                ClientPaths.Row first = b.clientPathRows.get(i);
                o.append("| ")
                        .append(first.candidate().label)
                        .append(" | ")
                        .append(first.jvm().name());
                for (ClientPaths.Row r : b.clientPathRows.subList(i, i + ClientPaths.Op.values().length)) {
                    o.append(" | ")
                            .append(medianRange(
                                    r.runs().stream().map(ClientPaths.Run::wall).toList()));
                    o.append(" | ")
                            .append(medianRange(
                                    r.runs().stream().map(ClientPaths.Run::cpu).toList()));
                }
                o.append(" |\n");
            }
            o.append('\n');
        }
        if (!b.jitHttpsRows.isEmpty()) {
            o.append(
                            "The tool itself over https (`--only jit-https`), the 1,000-file cases at 0 ms, the JVM variants and rclone alternating, ")
                    .append(b.runs)
                    .append(" run(s) each; ratios to the first variant (the `//JAVA_OPTIONS` line alone):\n\n");
            hypothesisTable(o, b.jitHttpsRows);
        }
    }

    private static String medianRange(List<Double> v) {
        return String.format(
                Locale.ROOT,
                "%.2f s (%.2f–%.2f)",
                median(v),
                v.stream().min(Double::compare).orElse(Double.NaN),
                v.stream().max(Double::compare).orElse(Double.NaN));
    }

    private void hypothesisTable(StringBuilder o, String hypothesis) {
        hypothesisTable(
                o,
                b.hypothesisRows.stream()
                        .filter(r -> r.hypothesis().equals(hypothesis))
                        .toList());
    }

    private void hypothesisTable(StringBuilder o, List<Hypotheses.Row> rows) {
        boolean jobs = !rows.isEmpty() && rows.get(0).hypothesis().equals(Hypotheses.JOBS);
        o.append("| case | variant | wall | CPU user+sys | wall ÷ first | CPU ÷ first |")
                .append(jobs ? " floor | most in flight |" : "")
                .append("\n|---|---|---|---|---|---|")
                .append(jobs ? "---|---|" : "")
                .append('\n');
        Map<String, double[]> first = new java.util.HashMap<>();
        for (Hypotheses.Row r : rows) {
            List<Double> wall = r.samples().stream().map(Sample::seconds).toList();
            double w = median(wall),
                    c =
                            median(r.samples().stream()
                                    .map(s -> s.userSeconds() + s.sysSeconds())
                                    .toList());
            double[] base = first.computeIfAbsent(r.scenario(), k -> new double[] {w, c});
            boolean bad = r.samples().stream().anyMatch(s -> !s.problems().isEmpty());
            String wallText = String.format(
                            Locale.ROOT,
                            "%.2f s (%.2f–%.2f)",
                            w,
                            wall.stream().min(Double::compare).get(),
                            wall.stream().max(Double::compare).get())
                    + (r.bytes() > 0 ? String.format(Locale.ROOT, "; %.0f MiB/s", r.bytes() / MIB / w) : "")
                    + (bad ? " ⚠" : "");
            o.append("| ")
                    .append(r.title())
                    .append(" | ")
                    .append(r.variant().name())
                    .append(" | ")
                    .append(wallText)
                    .append(String.format(
                            Locale.ROOT, " | %.2f s | %s | %s |", c, ratio(w / base[0]), ratio(c / base[1])));
            if (jobs) {
                o.append(String.format(
                        Locale.ROOT,
                        " %.2f s | %.0f |",
                        median(r.samples().stream().map(s -> floor(s, 20)).toList()),
                        median(r.samples().stream()
                                .map(s -> (double) s.profile().maxInFlight())
                                .toList())));
            }
            o.append('\n');
        }
        o.append('\n');
    }

    /** The previous file's sections (from a "## " heading to the next), by heading. */
    static Map<String, String> sections(Path md) throws java.io.IOException {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (!Files.exists(md)) return m;
        String heading = null;
        StringBuilder cur = new StringBuilder();
        boolean fenced = false;
        for (String line : Files.readAllLines(md)) {
            if (line.startsWith("```")) fenced = !fenced;
            if (!fenced && line.startsWith("## ")) {
                if (heading != null) m.put(heading, cur.toString());
                heading = line.substring(3).trim();
                cur = new StringBuilder();
            }
            if (heading != null) cur.append(line).append('\n');
        }
        if (heading != null) m.put(heading, cur.toString());
        return m;
    }

    // ---- BENCHMARKS.md ----------------------------------------------------------------------------

    void write(Path md, String chartLink) throws Exception {
        Map<String, String> old = sections(md);
        StringBuilder o = new StringBuilder();
        Dataset small = b.datasets.get("small"), large = b.datasets.get("large");
        o.append("# Benchmarks: lambda-sync, `aws s3 sync`, `rclone copy`\n\n");
        o.append(String.format(
                Locale.ROOT,
                "Rerun from the repo root (this run took %.0f minutes on 2 cores; needs `aws`, `rclone`, `/usr/bin/time`, "
                        + "optionally `hyperfine`):%n%n",
                b.elapsed() / 60));
        o.append("```bash\n./jbang tests/bench/Bench.java\n```\n\n");
        o.append(
                        "Options: `--runs N` (default 3); `--quick` (1 run, 32 MiB large files, output to /tmp/lambda-sync-bench-quick/); ")
                .append(
                        "`--only upload-small,noop-10k,…` (scenario ids as in the tables, plus `version`; an http id runs its https row too, `https-<id>` only that, `https` every https row); `--no-profile` (skip the JFR runs); ")
                .append(
                        "`--tool-rev REV` (measure the tool as committed at REV instead of the working tree); `--noop100k-store dir` ")
                .append("(the 100,000-file no-op against lambda-sync's directory store instead of S3Proxy); ")
                .append(
                        "`--latency 0,2,20` (the round trips of the latency scenarios, ms; `--only latency` runs just those, `--only upload-1k` one operation at every round trip); ")
                .append(
                        "`--hypotheses` (also measure issue 16's JIT and `-j` hypotheses, and issue 20's client paths and JIT settings over https; ")
                .append(
                        "these alone: `--only client-paths`, `--only jit-https`, `--only profile-https` for their JFR runs and CPU by thread); ")
                .append("`--keep` (keep the work dir with logs, request heads and JFR recordings).\n\n");
        o.append(
                        "It generates the datasets with a fixed seed under a temporary work dir, starts S3Proxy (filesystem storage, loopback), ")
                .append(
                        "and runs each scenario: timed runs straight at S3Proxy with the tools alternating (the order rotates each round), ")
                .append(
                        "each from its proper starting state; then one more run per tool through a request-counting proxy ")
                .append(
                        "(`tests/bench/CountingProxy.java`) for the requests per kind and the time profile; then one lambda-sync run under ")
                .append(
                        "Java Flight Recorder. Every run is checked (exit code, the bucket's key set with no code file in it, downloaded bytes ")
                .append(
                        "and untouched code files, no-ops that changed no object) and the file and `tests/bench/ratios.png` are rewritten. ")
                .append(
                        "Timings are never asserted. The latency scenarios run the same way through a delay proxy (see At a distance).\n\n");
        o.append(String.format(
                Locale.ROOT,
                "Load (`uptime`, 1/5/15-minute averages) when this run started: %s; when it ended: %s, on %d cores%s.%n%n",
                b.loadAtStart,
                b.loadAtEnd,
                Runtime.getRuntime().availableProcessors(),
                busy()
                        ? " — **the machine was busy (other sessions' test suites): "
                                + "absolute times are inflated and noisy; read the ratios of medians and the CPU seconds, measured side by side in the same minutes**"
                        : ""));
        if (b.quick)
            o.append("**Quick run** (`--quick`): one run each and smaller large files; not for comparison.\n\n");
        o.append(String.format(
                Locale.ROOT,
                "Data: an ML-style repo, 5 experiments each with `data/` and `reports/` plus code files "
                        + "(`train.py`, `config.yaml`, `data.py`, notebooks, `src/`): %s small files of 1–64 KiB (%.0f MiB; five with a space, accents, "
                        + "`+`, `%%` or CJK in the name); a separate repo with 10,000 files of 1–4 KiB; %s files of %d MiB%s%s. "
                        + "Every data file has a whole-second mtime, so each tool's own no-op check (size and mtime) can hold.\n\n",
                fmtInt(small.data.size()),
                small.dataBytes / MIB,
                fmtInt(large.data.size()),
                Scenario.mib(large),
                b.datasets.containsKey("noop100k") ? "; a repo with 100,000 files of 1–4 KiB" : "",
                b.datasets.containsKey("lat1k")
                        ? "; for the latency scenarios a repo with "
                                + fmtInt(b.datasets.get("lat1k").data.size()) + " files of 1–64 KiB"
                        : ""));

        httpsSection(o);
        o.append("## Results\n\n");
        o.append(String.format(
                "Median and (min–max) of %d timed run(s) per tool, straight at S3Proxy over plain http; wall time from process start to exit, "
                        + "lambda-sync through its JBang launcher with a warm cache. Ratios are lambda-sync over the peer, medians of this run. "
                        + "Requests: the counted run through the proxy.%n%n",
                b.runs));
        o.append(
                "| operation | lambda-sync | aws s3 sync | rclone copy | lambda-sync ÷ aws | lambda-sync ÷ rclone |\n|---|---|---|---|---|---|\n");
        for (String id : List.of("upload-small", "noop-10k", "download-small")) {
            if (!results.containsKey(id)) continue;
            o.append("| ").append(b.scenarios.get(id).title);
            for (Tool t : Bench.ALL) o.append(" | ").append(timeCell(id, t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE))
                o.append(" | ").append(ratio(seconds(id, Tool.LAMBDA_SYNC) / seconds(id, p)));
            o.append(" |\n");
        }
        for (String id : List.of("upload-large", "download-large")) {
            if (!results.containsKey(id)) continue;
            o.append("| ").append(b.scenarios.get(id).title).append(", throughput");
            for (Tool t : Bench.ALL) o.append(" | ").append(throughputCell(id, t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE))
                o.append(" | ").append(ratio(throughput(id, Tool.LAMBDA_SYNC) / throughput(id, p)));
            o.append(" |\n");
        }
        if (results.containsKey("noop-10k")) {
            o.append("| peak RSS of the 10,000-file no-op");
            for (Tool t : Bench.ALL) o.append(" | ").append(rssCell("noop-10k", t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE))
                o.append(" | ").append(ratio(rssMiB("noop-10k", Tool.LAMBDA_SYNC) / rssMiB("noop-10k", p)));
            o.append(" |\n| requests of the 10,000-file no-op");
            for (Tool t : Bench.ALL) o.append(" | ").append(requestSummary(counted("noop-10k", t)));
            o.append(" | | |\n");
        }
        if (results.containsKey("noop-100k")) {
            o.append("| no-op upload, 100,000 files")
                    .append(b.noop100kOnS3 ? "" : " (directory store)")
                    .append(": time; peak RSS | ")
                    .append(timeCell("noop-100k", Tool.LAMBDA_SYNC))
                    .append("; ")
                    .append(rssCell("noop-100k", Tool.LAMBDA_SYNC))
                    .append(" | – | – | | |\n");
        }
        if (results.containsKey("version")) {
            o.append("| `--version`, warm cache");
            for (Tool t : Bench.ALL) o.append(" | ").append(timeCell("version", t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE))
                o.append(" | ").append(ratio(seconds("version", Tool.LAMBDA_SYNC) / seconds("version", p)));
            o.append(" |\n| `--help`, warm cache | ")
                    .append(timeCell("help", Tool.LAMBDA_SYNC))
                    .append(" | – | – | | |\n");
        }
        o.append("\n![lambda-sync ÷ peer, with the targets of issue 16](")
                .append(chartLink)
                .append(")\n\n");

        latencySection(o);
        cpuSection(o);

        o.append("## Targets (issue 16)\n\n| target | measured | met |\n|---|---|---|\n");
        for (Target t : targets())
            o.append("| ")
                    .append(t.what())
                    .append(" | ")
                    .append(t.shown())
                    .append(" | ")
                    .append(t.met() ? "yes" : "**no**")
                    .append(" |\n");
        o.append('\n');
        hypothesesSection(o, old.get("Hypotheses measured"));
        clientPathsSection(o, old.get(CLIENT_PATHS));
        // Written by hand for a run: kept as they were; whoever reruns updates them.
        old.forEach((heading, text) -> {
            if (heading.contains("by hand")) o.append(text.endsWith("\n\n") ? text : text + "\n");
        });

        o.append(
                        "## Requests per kind\n\nCounted by the proxy, in each tool's one run through it (after the timed runs). ")
                .append(
                        "`other` is bucket-level requests (BUCKET: a tool checks or creates the bucket), listings of multipart uploads (MP_LIST), copies and aborts; non-2xx answers are listed by status.\n\n");
        o.append(
                "| operation | tool | LIST | HEAD | GET | PUT | MP init | MP part | MP complete | DELETE | other | non-2xx | sent | received |\n");
        o.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null || s.exchanges().isEmpty()) continue;
                Map<CountingProxy.Kind, Integer> c = s.counts();
                o.append("| ").append(id).append(" | ").append(t.label);
                for (CountingProxy.Kind k : List.of(
                        CountingProxy.Kind.LIST,
                        CountingProxy.Kind.HEAD,
                        CountingProxy.Kind.GET,
                        CountingProxy.Kind.PUT,
                        CountingProxy.Kind.MP_INIT,
                        CountingProxy.Kind.MP_PART,
                        CountingProxy.Kind.MP_COMPLETE,
                        CountingProxy.Kind.DELETE)) {
                    o.append(" | ").append(fmtInt(c.getOrDefault(k, 0)));
                }
                String other = c.entrySet().stream()
                        .filter(e -> switch (e.getKey()) {
                            case COPY, BUCKET, MP_ABORT, MP_LIST, OTHER -> true;
                            default -> false;
                        })
                        .map(e -> e.getValue() + " " + e.getKey())
                        .collect(Collectors.joining(", "));
                o.append(" | ")
                        .append(other.isEmpty() ? "0" : other)
                        .append(" | ")
                        .append(s.errors().isEmpty() ? "–" : s.errors())
                        .append(" | ")
                        .append(bytes(s.bytesUp()))
                        .append(" | ")
                        .append(bytes(s.bytesDown()))
                        .append(" |\n");
            }
        }
        o.append('\n');

        o.append(
                "How each tool sent its uploads (first request of the kind, as the proxy saw it):\n\n| tool | PUT (small files) | multipart part |\n|---|---|---|\n");
        for (Tool t : Bench.ALL) {
            Sample up = counted("upload-small", t), upLarge = counted("upload-large", t);
            String put = up == null ? null : up.shape(CountingProxy.Kind.PUT);
            String part = upLarge == null ? null : upLarge.shape(CountingProxy.Kind.MP_PART);
            if (put == null && part == null) continue;
            o.append("| ")
                    .append(t.label)
                    .append(" | ")
                    .append(put == null ? "–" : put)
                    .append(" | ")
                    .append(part == null ? "–" : part)
                    .append(" |\n");
        }
        o.append('\n');

        o.append("## Where the time goes\n\n");
        o.append(
                        "Seen from outside each process, in its run through the counting proxy (seconds from process start; `wall` is that run's, ")
                .append(
                        "`timed` the median of the timed runs straight at S3Proxy, so their difference is roughly the proxy's cost): when the first request reached the proxy, ")
                .append(
                        "the span of listing requests, when the first transfer (GET, PUT, multipart) started, when the last answer ended, ")
                .append(
                        "and the tail from there to exit (shutdown, state save). Between the end of listing and the first transfer, a tool ")
                .append(
                        "scans, hashes and plans locally. `in flight` is the most requests open at once and the mean over the active span. ")
                .append(
                        "`other CPU` is CPU time the machine spent during the run outside the tool, S3Proxy and the bench ")
                .append("(other work on the shared cores); high values mean a disturbed run.\n\n");
        o.append(
                "| operation | tool | wall | timed | first request | listing | first transfer | last answer | tail | in flight max / mean | CPU user+sys | other CPU |\n");
        o.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null || s.exchanges().isEmpty()) continue;
                Sample.Profile p = s.profile();
                o.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.2f | %.2f | %s | %s | %s | %s | %s | %d / %.1f | %.1f s | %s |\n",
                        id,
                        t.label,
                        s.seconds(),
                        seconds(id, t),
                        sec(p.firstRequest()),
                        Double.isNaN(p.listStart()) ? "–" : sec(p.listStart()) + "–" + sec(p.listEnd()),
                        sec(p.firstTransfer()),
                        sec(p.lastAnswer()),
                        sec(p.tail()),
                        p.maxInFlight(),
                        p.meanInFlight(),
                        s.userSeconds() + s.sysSeconds(),
                        Double.isNaN(s.foreignCpu()) ? "–" : String.format(Locale.ROOT, "%.1f s", s.foreignCpu())));
            }
        }
        o.append('\n');
        o.append(
                        "Per-request latency in the counted runs, median ms: total = client send (request head in to body forwarded) + ")
                .append("server wait (to the answer's head) + receive (answer body).\n\n");
        o.append(
                "| operation | tool | kind | requests | total | send | server wait | receive |\n|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null) continue;
                Map<CountingProxy.Kind, Integer> c = s.counts();
                s.profile()
                        .latencyMs()
                        .forEach((k, v) -> o.append(String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
                                id,
                                t.label,
                                k,
                                fmtInt(c.getOrDefault(k, 0)),
                                fmt1(v[0]),
                                fmt1(v[1]),
                                fmt1(v[2]),
                                fmt1(v[3]))));
            }
        }
        o.append('\n');
        o.append(lambdaSyncInWords()).append('\n');

        if (!b.profiles.isEmpty()) {
            o.append("### lambda-sync's CPU, by Java Flight Recorder\n\n")
                    .append(
                            "One extra, untimed lambda-sync run per scenario with `JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=…` (JDK's profile settings, Java sampled every 1 ms); ")
                    .append(
                            "JFR adds start-up time to that run. Execution samples see Java code only: not the JIT compiler threads, ")
                    .append(
                            "not time in native socket calls, not the first few hundred ms. `self`: the method running; `by activity`: ")
                    .append(
                            "each sample counted once, for the innermost frame that says what the code is doing (`lambda-sync X` is the tool's own class X).\n\n");
            b.profiles.forEach((id, pr) -> {
                CpuProfile p = pr.cpu();
                double n = Math.max(1, p.samples());
                o.append(String.format(
                        Locale.ROOT,
                        "- **%s**: %.2f s wall, %.1f s CPU; %s; %d collections, %.0f ms of pauses; %d Java samples by thread: %s%n",
                        id,
                        pr.run().seconds(),
                        pr.run().userSeconds() + pr.run().sysSeconds(),
                        p.jitCount() == 0
                                ? "JIT statistics not recorded (run too short)"
                                : String.format(
                                        Locale.ROOT,
                                        "JIT compiled %,d methods in %.1f s of compiler-thread time",
                                        p.jitCount(),
                                        p.jitMs() / 1000),
                        p.gcCount(),
                        p.gcPauseMs(),
                        p.samples(),
                        p.threads().entrySet().stream()
                                .filter(e -> e.getValue() >= n / 100)
                                .sorted(Map.Entry.<String, Integer>comparingByValue()
                                        .reversed())
                                .limit(6)
                                .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100 * e.getValue() / n))
                                .collect(Collectors.joining(", "))));
                Map<String, Double> threads = b.threadCpu.get(id);
                if (threads != null)
                    o.append("  - CPU by thread (from /proc, what the samples miss included): ")
                            .append(threads.entrySet().stream()
                                    .filter(e -> e.getValue() >= 0.02)
                                    .sorted(Map.Entry.<String, Double>comparingByValue()
                                            .reversed())
                                    .map(e -> String.format(Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue()))
                                    .collect(Collectors.joining(", ")))
                            .append('\n');
                o.append("  - self: ")
                        .append(p.self().stream().limit(8).toList().stream()
                                .map(e -> String.format(Locale.ROOT, "`%s` %.0f%%", e.getKey(), 100 * e.getValue() / n))
                                .collect(Collectors.joining(", ")))
                        .append('\n');
                o.append("  - by activity: ")
                        .append(p.categories().stream()
                                .filter(e -> e.getValue() >= n / 100)
                                .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100 * e.getValue() / n))
                                .collect(Collectors.joining(", ")))
                        .append('\n');
            });
            o.append('\n');
        }

        o.append("## Peak memory\n\nMaximum resident set size from `/usr/bin/time -v` (MiB), median (min–max):\n\n");
        o.append("| operation | lambda-sync | aws s3 sync | rclone copy |\n|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help") || !loopback(id)) continue;
            o.append("| ").append(b.scenarios.get(id).title);
            for (Tool t : Bench.ALL) o.append(" | ").append(of(id, t).isEmpty() ? "–" : rssCell(id, t));
            o.append(" |\n");
        }
        o.append('\n');

        o.append("## Machine\n\n");
        for (String line : machine()) o.append("- ").append(line).append('\n');
        o.append('\n');

        o.append(
                        "## Commands\n\nEach timed command ran as `/usr/bin/time -v -o <file> <command>` in the repo (uploads, no-ops) or ")
                .append(
                        "a fresh clone of it (downloads), with stdin from /dev/null and no `AWS_*`/`RCLONE_*` variable inherited. ")
                .append(
                        "`<port>` is S3Proxy's for the timed runs and the counting proxy's for the counted runs; secrets appear only in the environment or the config file.\n\n");
        o.append(
                        "lambda-sync's `bench.sync.env` (mode 600; one per bucket):\n\n```text\nBUCKET_NAME=<bucket>\nLAMBDA_ACCESS_KEY_ID=<access-key>\n")
                .append(
                        "LAMBDA_SECRET_ACCESS_KEY=<secret-key>\nLAMBDA_REGION=us-east-1\nLAMBDA_ENDPOINT_URL=http://127.0.0.1:<port>\n```\n\n");
        if (!httpsIds().isEmpty())
            o.append(
                            "Over https the same commands with `https://127.0.0.1:<port>` (S3Proxy's TLS port, or the delay proxy's in front of it), ")
                    .append(
                            "and each tool trusting the bench's certificate as its users would: `LAMBDA_CA_BUNDLE=<ca.pem>` in lambda-sync's config, ")
                    .append(
                            "`AWS_CA_BUNDLE=<ca.pem>` in aws-cli's environment, `SSL_CERT_FILE=<ca.pem>` in rclone's.\n\n");
        for (Tool t : List.of(Tool.LAMBDA_SYNC, Tool.AWS, Tool.RCLONE, Tool.AWS_PER_DIR)) {
            Tool.Invocation up = t.upload(b.direct, "x"), down = t.download(b.direct, "x");
            o.append("```text\n# ")
                    .append(t.label)
                    .append(", upload and no-op\n")
                    .append(up.shown())
                    .append("\n# ")
                    .append(t.label)
                    .append(", download\n")
                    .append(down.shown())
                    .append("\n```\n\n");
        }
        if (results.containsKey("noop-100k") && !b.noop100kOnS3) {
            o.append("The 100,000-file no-op: `")
                    .append(Tool.lambdaSyncDir(b.direct, Path.of("dir.sync.env"), "upload")
                            .shown())
                    .append("` with `dir.sync.env` holding only `SYNC_TARGET=<dir>`.\n\n");
        }
        o.append("Start-up: `")
                .append(StartupTimes.hyperfineLine(b.quick ? 5 : 10))
                .append("` over ");
        o.append(StartupTimes.commands(b.direct).stream()
                        .map(c -> "`" + c.shown() + "`")
                        .collect(Collectors.joining(", ")))
                .append(".\n\n");
        o.append("Per scenario:\n\n");
        for (Scenario sc : b.scenarios.values()) {
            if (results.containsKey(sc.id))
                o.append("- ").append(sc.id).append(": ").append(sc.how).append('\n');
        }
        o.append('\n');

        o.append("## Notes\n\n");
        o.append("- load averages (`uptime`): ")
                .append(b.loadAtStart)
                .append(" at the start, ")
                .append(b.loadAtEnd)
                .append(" at the end\n");
        for (String n : b.notes) o.append("- ").append(n).append('\n');
        o.append("- ").append(b.cdsNote).append('\n');
        o.append(
                        "- the timed runs go straight to S3Proxy; each tool's extra counted run goes through the request-counting proxy ")
                .append(
                        "(a loopback hop in the bench's JVM, one thread per connection direction), whose cost shows as `wall` minus `timed` ")
                .append(
                        "under \"Where the time goes\". lambda-sync's state is per endpoint, so before its counted no-op it ran once through ")
                .append("the proxy to record it (no object written; checked).\n");
        b.seedSeconds.forEach((k, v) ->
                o.append(String.format(Locale.ROOT, "- seeding %s with lambda-sync took %.1f s (untimed)%n", k, v)));
        if (results.containsKey("noop-100k") && !b.noop100kOnS3) {
            o.append(
                            "- the 100,000-file no-op ran against lambda-sync's directory store (`SYNC_TARGET`), not S3Proxy (`--noop100k-store dir`): ")
                    .append(
                            "it measures the tool's memory for 100,000 entries (local tree, far listing, state, plan), not S3 listing.\n");
        }
        List<Double> foreign = new ArrayList<>();
        results.values()
                .forEach(list -> list.forEach(x -> {
                    if (!Double.isNaN(x.foreignCpu())) foreign.add(x.foreignCpu() / x.seconds());
                }));
        if (!foreign.isEmpty()) {
            o.append(String.format(
                    Locale.ROOT,
                    "- other load on the machine during the timed runs (CPU outside the tool, S3Proxy and the bench, "
                            + "per second of run): median %.2f cores, max %.2f cores of %d%s%n",
                    median(foreign),
                    foreign.stream().max(Double::compare).get(),
                    Runtime.getRuntime().availableProcessors(),
                    median(foreign) > 0.2 ? " — **the machine was shared; treat the times as noisy**" : ""));
        }
        List<String> problems = new ArrayList<>();
        results.forEach((id, list) -> list.forEach(s ->
                s.problems().forEach(p -> problems.add(id + ", " + s.tool().label + " run " + s.run() + ": " + p))));
        if (problems.isEmpty()) {
            o.append(
                            "- every run passed its checks: exit code 0, the expected key set in the bucket and nothing else (no code file), ")
                    .append(
                            "downloaded files byte-identical with code files untouched, and no-ops that moved no object.\n");
        } else {
            o.append("- **problems found** (the timings of these runs are still in the tables):\n");
            for (String p : problems)
                o.append("  - ").append(p.replace("|", "\\|")).append('\n');
        }
        Files.writeString(md, o.toString());
    }

    /** lambda-sync's phases per scenario, in words. */
    private String lambdaSyncInWords() {
        StringBuilder o = new StringBuilder("lambda-sync's counted runs, phase by phase:\n\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            Sample s = counted(id, Tool.LAMBDA_SYNC);
            if (s == null || s.exchanges().isEmpty()) continue;
            Sample.Profile p = s.profile();
            double listing = Double.isNaN(p.listStart()) ? 0 : p.listEnd() - p.listStart();
            double local = Double.isNaN(p.firstTransfer())
                    ? p.lastAnswer() - (Double.isNaN(p.listEnd()) ? p.firstRequest() : p.listEnd())
                    : p.firstTransfer() - (Double.isNaN(p.listEnd()) ? p.firstRequest() : p.listEnd());
            double xfer = Double.isNaN(p.firstTransfer()) ? 0 : p.lastAnswer() - p.firstTransfer();
            String middle = Double.isNaN(p.firstTransfer())
                    ? "no transfers"
                    : String.format(
                            Locale.ROOT,
                            "end of listing to first transfer %.2f s; transfers %.2f s (%d requests, up to %d in flight)",
                            Math.max(0, local),
                            xfer,
                            s.transfers(),
                            p.maxInFlight());
            o.append(String.format(
                    Locale.ROOT,
                    "- %s (%.2f s): start-up to first request %.2f s; listing %.2f s (%d LIST, up to %d at once, median %.0f ms each); "
                            + "%s; after the last answer %.2f s.%n",
                    id,
                    s.seconds(),
                    p.firstRequest(),
                    listing,
                    s.counts().getOrDefault(CountingProxy.Kind.LIST, 0),
                    s.maxInFlight(CountingProxy.Kind.LIST),
                    p.latencyMs().getOrDefault(CountingProxy.Kind.LIST, new double[] {0})[0],
                    middle,
                    p.tail()));
        }
        return o.toString();
    }

    private List<String> machine() throws Exception {
        List<String> m = new ArrayList<>();
        Path tmp = b.work;
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal"))
                .findFirst()
                .orElse("?");
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("?");
        m.add("date: "
                + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        m.add("`nproc`: " + Proc.capture(tmp, List.of("nproc")) + " (" + cpu + "); memory: "
                + String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024)
                + "; kernel "
                + Proc.capture(tmp, List.of("uname", "-r")));
        m.add("JDK: "
                + Proc.capture(tmp, List.of("java", "-version"))
                        .lines()
                        .skip(1)
                        .findFirst()
                        .orElse("?"));
        m.add("lambda-sync: `"
                + Proc.capture(
                        tmp,
                        List.of(
                                b.direct.toolDir().resolve("jbang").toString(),
                                b.direct.toolDir().resolve("lambda-sync.java").toString(),
                                "--version"))
                + "` via `./jbang` (JBang "
                + Proc.capture(tmp, List.of(b.direct.toolDir().resolve("jbang").toString(), "--version"))
                        .lines()
                        .reduce((a, c) -> c)
                        .orElse("?")
                + ")");
        m.add("aws: `" + Proc.capture(tmp, List.of(Tool.AWS_BIN, "--version")) + "`");
        m.add("rclone: `"
                + Proc.capture(tmp, List.of(Tool.RCLONE_BIN, "version"))
                        .lines()
                        .findFirst()
                        .orElse("?") + "`");
        if (Files.isExecutable(Path.of("/usr/bin/hyperfine")))
            m.add("hyperfine: `" + Proc.capture(tmp, List.of("/usr/bin/hyperfine", "--version")) + "`");
        m.add("S3 server: "
                + (b.server.kind.equals("s3proxy")
                        ? "S3Proxy 4.1.0 (`org.gaul:s3proxy:4.1.0`), filesystem storage, its own JVM, loopback"
                        : b.server.kind)
                + "; data and the server's storage on the same disk, in page cache");
        return m;
    }

    /** Another session's work weighed on the run: load above the core count at either end, or other CPU above 0.2 cores in the median. */
    boolean busy() {
        int cores = Runtime.getRuntime().availableProcessors();
        for (String l : List.of(b.loadAtStart, b.loadAtEnd)) {
            try {
                if (Double.parseDouble(l.split(",")[0].trim()) > cores) return true;
            } catch (RuntimeException e) {
                // no reading
            }
        }
        List<Double> foreign = new ArrayList<>();
        results.values()
                .forEach(list -> list.forEach(x -> {
                    if (!Double.isNaN(x.foreignCpu()) && x.seconds() > 0) foreign.add(x.foreignCpu() / x.seconds());
                }));
        return !foreign.isEmpty() && median(foreign) > 0.2;
    }

    // ---- formatting -------------------------------------------------------------------------------

    private String timeCell(String id, Tool t) {
        List<Double> v = of(id, t).stream().map(Sample::seconds).toList();
        if (v.isEmpty()) return "–";
        return String.format(
                        Locale.ROOT,
                        "%.2f s (%.2f–%.2f)",
                        median(v),
                        v.stream().min(Double::compare).get(),
                        v.stream().max(Double::compare).get())
                + flag(id, t);
    }

    private String throughputCell(String id, Tool t) {
        List<Double> v = of(id, t).stream()
                .map(s -> b.scenarios.get(id).bytes / MIB / s.seconds())
                .toList();
        if (v.isEmpty()) return "–";
        return String.format(
                        Locale.ROOT,
                        "%.0f MiB/s (%.0f–%.0f); %.2f s",
                        throughput(id, t),
                        v.stream().min(Double::compare).get(),
                        v.stream().max(Double::compare).get(),
                        seconds(id, t))
                + flag(id, t);
    }

    private String rssCell(String id, Tool t) {
        List<Double> v = of(id, t).stream().map(s -> s.rssKiB() / 1024.0).toList();
        if (v.isEmpty()) return "–";
        return String.format(
                Locale.ROOT,
                "%.0f MiB (%.0f–%.0f)",
                median(v),
                v.stream().min(Double::compare).get(),
                v.stream().max(Double::compare).get());
    }

    /** A mark on a cell whose runs failed a check. */
    private String flag(String id, Tool t) {
        return of(id, t).stream().anyMatch(s -> !s.problems().isEmpty()) ? " ⚠" : "";
    }

    static String requestSummary(Sample s) {
        if (s == null) return "–";
        return s.counts().entrySet().stream()
                .sorted(Map.Entry.<CountingProxy.Kind, Integer>comparingByValue()
                        .reversed())
                .map(e -> fmtInt(e.getValue()) + " " + e.getKey())
                .collect(Collectors.joining(" + "));
    }

    private static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r);
    }

    private static String sec(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String fmt1(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmtInt(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String fmtNum(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String bytes(long n) {
        if (n < 1024 * 1024) return String.format(Locale.ROOT, "%.0f KiB", n / 1024.0);
        return String.format(Locale.ROOT, "%.1f MiB", n / MIB);
    }
}
