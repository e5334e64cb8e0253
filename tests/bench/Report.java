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
 * Turns the samples into BENCHMARKS.md: the results table (median, min–max), the ratios
 * against issue 6's targets, requests per kind, where each tool's wall time went, the machine,
 * and the exact commands (secrets as placeholders).
 */
final class Report {
    static final double MIB = 1024.0 * 1024;

    /** One target of issue 6 with what this run measured. */
    record Target(String what, String scenario, Tool peer, double limit, boolean atMost, double value, String shown) {
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
        return results.getOrDefault(id, List.of()).stream().filter(s -> s.tool() == t).toList();
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
        t.add(timeRatio("upload 2,000 small files", "upload-small", Tool.RCLONE, 0.8));
        t.add(timeRatio("upload 2,000 small files", "upload-small", Tool.AWS, 0.4));
        t.add(timeRatio("no-op upload, 10,000 files", "noop-10k", Tool.RCLONE, 0.7));
        Sample noop = counted("noop-10k", Tool.LAMBDA_SYNC);
        if (noop != null) {
            int other = noop.exchanges().size() - noop.counts().getOrDefault(CountingProxy.Kind.LIST, 0);
            t.add(new Target("no-op upload, 10,000 files: only listing requests", "noop-10k", null, 0, true, other,
                    noop.counts().getOrDefault(CountingProxy.Kind.LIST, 0) + " LIST, " + other + " other; up to "
                            + noop.maxInFlight(CountingProxy.Kind.LIST) + " listings at once"));
        }
        t.add(timeRatio("download 2,000 small files", "download-small", Tool.RCLONE, 1.0));
        t.add(throughputRatio("upload 2 × " + Scenario.mib(b.datasets.get("large")) + " MiB, throughput", "upload-large", Tool.RCLONE, 1.0));
        t.add(throughputRatio("download 2 × " + Scenario.mib(b.datasets.get("large")) + " MiB, throughput", "download-large", Tool.RCLONE, 0.8));
        t.add(absolute("peak RSS, 10,000-file no-op", "noop-10k", rssMiB("noop-10k", Tool.LAMBDA_SYNC), 160, "MiB"));
        t.add(absolute("peak RSS, 100,000-file no-op", "noop-100k", rssMiB("noop-100k", Tool.LAMBDA_SYNC), 300, "MiB"));
        t.add(absolute("`--version`, warm cache", "version", seconds("version", Tool.LAMBDA_SYNC), 0.5, "s"));
        t.add(absolute("`--help`, warm cache", "help", seconds("help", Tool.LAMBDA_SYNC), 0.5, "s"));
        return t.stream().filter(x -> results.containsKey(x.scenario())).toList();
    }

    private Target timeRatio(String what, String id, Tool peer, double limit) {
        double r = seconds(id, Tool.LAMBDA_SYNC) / seconds(id, peer);
        return new Target(what + " ≤ " + limit + "× " + peer.label, id, peer, limit, true, r,
                String.format(Locale.ROOT, "%.2f× (%.2f s / %.2f s)", r, seconds(id, Tool.LAMBDA_SYNC), seconds(id, peer)));
    }

    private Target throughputRatio(String what, String id, Tool peer, double limit) {
        double r = throughput(id, Tool.LAMBDA_SYNC) / throughput(id, peer);
        return new Target(what + " ≥ " + limit + "× " + peer.label, id, peer, limit, false, r,
                String.format(Locale.ROOT, "%.2f× (%.0f MiB/s / %.0f MiB/s)", r, throughput(id, Tool.LAMBDA_SYNC), throughput(id, peer)));
    }

    private Target absolute(String what, String id, double value, double limit, String unit) {
        return new Target(what + " ≤ " + fmtNum(limit) + " " + unit, id, null, limit, true, value,
                unit.equals("s") ? String.format(Locale.ROOT, "%.2f s", value) : String.format(Locale.ROOT, "%.0f MiB", value));
    }

    // ---- BENCHMARKS.md ----------------------------------------------------------------------------

    void write(Path md, String chartLink) throws Exception {
        StringBuilder o = new StringBuilder();
        Dataset small = b.datasets.get("small"), large = b.datasets.get("large");
        o.append("# Benchmarks: lambda-sync, `aws s3 sync`, `rclone copy`\n\n");
        o.append(String.format(Locale.ROOT, "Rerun from the repo root (this run took %.0f minutes on 2 cores; needs `aws`, `rclone`, `/usr/bin/time`, "
                + "optionally `hyperfine`):%n%n", b.elapsed() / 60));
        o.append("```bash\n./jbang tests/bench/Bench.java\n```\n\n");
        o.append("Options: `--runs N` (default 3); `--quick` (1 run, 32 MiB large files, output to /tmp/lambda-sync-bench-quick/); ")
                .append("`--only upload-small,noop-10k,…` (scenario ids as in the tables, plus `version`); `--no-profile` (skip the JFR runs); ")
                .append("`--tool-rev REV` (measure the tool as committed at REV instead of the working tree); `--noop100k-store dir` ")
                .append("(the 100,000-file no-op against lambda-sync's directory store instead of S3Proxy); ")
                .append("`--keep` (keep the work dir with logs, request heads and JFR recordings).\n\n");
        o.append("It generates the datasets with a fixed seed under a temporary work dir, starts S3Proxy (filesystem storage, loopback), ")
                .append("and runs each scenario: timed runs straight at S3Proxy with the tools alternating (the order rotates each round), ")
                .append("each from its proper starting state; then one more run per tool through a request-counting proxy ")
                .append("(`tests/bench/CountingProxy.java`) for the requests per kind and the time profile; then one lambda-sync run under ")
                .append("Java Flight Recorder. Every run is checked (exit code, the bucket's key set with no code file in it, downloaded bytes ")
                .append("and untouched code files, no-ops that changed no object) and the file and `tests/bench/ratios.png` are rewritten. ")
                .append("Timings are never asserted.\n\n");
        if (b.quick) o.append("**Quick run** (`--quick`): one run each and smaller large files; not for comparison.\n\n");
        o.append(String.format(Locale.ROOT, "Data: an ML-style repo, 5 experiments each with `data/` and `reports/` plus code files "
                + "(`train.py`, `config.yaml`, `data.py`, notebooks, `src/`): %s small files of 1–64 KiB (%.0f MiB; five with a space, accents, "
                + "`+`, `%%` or CJK in the name); a separate repo with 10,000 files of 1–4 KiB; %s files of %d MiB%s. "
                + "Every data file has a whole-second mtime, so each tool's own no-op check (size and mtime) can hold.\n\n",
                fmtInt(small.data.size()), small.dataBytes / MIB, fmtInt(large.data.size()), Scenario.mib(large),
                b.datasets.containsKey("noop100k") ? "; a repo with 100,000 files of 1–4 KiB" : ""));

        o.append("## Results\n\n");
        o.append(String.format("Median and (min–max) of %d timed run(s) per tool, straight at S3Proxy; wall time from process start to exit, "
                + "lambda-sync through its JBang launcher with a warm cache. Ratios are lambda-sync over the peer, medians of this run. "
                + "Requests: the counted run through the proxy.%n%n", b.runs));
        o.append("| operation | lambda-sync | aws s3 sync | rclone copy | lambda-sync ÷ aws | lambda-sync ÷ rclone |\n|---|---|---|---|---|---|\n");
        for (String id : List.of("upload-small", "noop-10k", "download-small")) {
            if (!results.containsKey(id)) continue;
            o.append("| ").append(b.scenarios.get(id).title);
            for (Tool t : Bench.ALL) o.append(" | ").append(timeCell(id, t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE)) o.append(" | ").append(ratio(seconds(id, Tool.LAMBDA_SYNC) / seconds(id, p)));
            o.append(" |\n");
        }
        for (String id : List.of("upload-large", "download-large")) {
            if (!results.containsKey(id)) continue;
            o.append("| ").append(b.scenarios.get(id).title).append(", throughput");
            for (Tool t : Bench.ALL) o.append(" | ").append(throughputCell(id, t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE)) o.append(" | ").append(ratio(throughput(id, Tool.LAMBDA_SYNC) / throughput(id, p)));
            o.append(" |\n");
        }
        if (results.containsKey("noop-10k")) {
            o.append("| peak RSS of the 10,000-file no-op");
            for (Tool t : Bench.ALL) o.append(" | ").append(rssCell("noop-10k", t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE)) o.append(" | ").append(ratio(rssMiB("noop-10k", Tool.LAMBDA_SYNC) / rssMiB("noop-10k", p)));
            o.append(" |\n| requests of the 10,000-file no-op");
            for (Tool t : Bench.ALL) o.append(" | ").append(requestSummary(counted("noop-10k", t)));
            o.append(" | | |\n");
        }
        if (results.containsKey("noop-100k")) {
            o.append("| no-op upload, 100,000 files").append(b.noop100kOnS3 ? "" : " (directory store)").append(": time; peak RSS | ")
                    .append(timeCell("noop-100k", Tool.LAMBDA_SYNC)).append("; ").append(rssCell("noop-100k", Tool.LAMBDA_SYNC))
                    .append(" | – | – | | |\n");
        }
        if (results.containsKey("version")) {
            o.append("| `--version`, warm cache");
            for (Tool t : Bench.ALL) o.append(" | ").append(timeCell("version", t));
            for (Tool p : List.of(Tool.AWS, Tool.RCLONE)) o.append(" | ").append(ratio(seconds("version", Tool.LAMBDA_SYNC) / seconds("version", p)));
            o.append(" |\n| `--help`, warm cache | ").append(timeCell("help", Tool.LAMBDA_SYNC)).append(" | – | – | | |\n");
        }
        o.append("\n![lambda-sync ÷ peer, with the targets of issue 6](").append(chartLink).append(")\n\n");

        o.append("## Targets (issue 6)\n\n| target | measured | met |\n|---|---|---|\n");
        for (Target t : targets()) o.append("| ").append(t.what()).append(" | ").append(t.shown()).append(" | ").append(t.met() ? "yes" : "**no**").append(" |\n");
        o.append('\n');

        o.append("## Requests per kind\n\nCounted by the proxy, in each tool's one run through it (after the timed runs). ")
                .append("`other` is bucket-level requests (BUCKET: a tool checks or creates the bucket), listings of multipart uploads (MP_LIST), copies and aborts; non-2xx answers are listed by status.\n\n");
        o.append("| operation | tool | LIST | HEAD | GET | PUT | MP init | MP part | MP complete | DELETE | other | non-2xx | sent | received |\n");
        o.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null || s.exchanges().isEmpty()) continue;
                Map<CountingProxy.Kind, Integer> c = s.counts();
                o.append("| ").append(id).append(" | ").append(t.label);
                for (CountingProxy.Kind k : List.of(CountingProxy.Kind.LIST, CountingProxy.Kind.HEAD, CountingProxy.Kind.GET, CountingProxy.Kind.PUT,
                        CountingProxy.Kind.MP_INIT, CountingProxy.Kind.MP_PART, CountingProxy.Kind.MP_COMPLETE, CountingProxy.Kind.DELETE)) {
                    o.append(" | ").append(fmtInt(c.getOrDefault(k, 0)));
                }
                String other = c.entrySet().stream().filter(e -> switch (e.getKey()) {
                    case COPY, BUCKET, MP_ABORT, MP_LIST, OTHER -> true;
                    default -> false;
                }).map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
                o.append(" | ").append(other.isEmpty() ? "0" : other).append(" | ").append(s.errors().isEmpty() ? "–" : s.errors())
                        .append(" | ").append(bytes(s.bytesUp())).append(" | ").append(bytes(s.bytesDown()))
                        .append(" |\n");
            }
        }
        o.append('\n');

        o.append("How each tool sent its uploads (first request of the kind, as the proxy saw it):\n\n| tool | PUT (small files) | multipart part |\n|---|---|---|\n");
        for (Tool t : Bench.ALL) {
            Sample up = counted("upload-small", t), upLarge = counted("upload-large", t);
            String put = up == null ? null : up.shape(CountingProxy.Kind.PUT);
            String part = upLarge == null ? null : upLarge.shape(CountingProxy.Kind.MP_PART);
            if (put == null && part == null) continue;
            o.append("| ").append(t.label).append(" | ").append(put == null ? "–" : put).append(" | ").append(part == null ? "–" : part).append(" |\n");
        }
        o.append('\n');

        o.append("## Where the time goes\n\n");
        o.append("Seen from outside each process, in its run through the counting proxy (seconds from process start; `wall` is that run's, ")
                .append("`timed` the median of the timed runs straight at S3Proxy, so their difference is roughly the proxy's cost): when the first request reached the proxy, ")
                .append("the span of listing requests, when the first transfer (GET, PUT, multipart) started, when the last answer ended, ")
                .append("and the tail from there to exit (shutdown, state save). Between the end of listing and the first transfer, a tool ")
                .append("scans, hashes and plans locally. `in flight` is the most requests open at once and the mean over the active span. ")
                .append("`other CPU` is CPU time the machine spent during the run outside the tool, S3Proxy and the bench ")
                .append("(other work on the shared cores); high values mean a disturbed run.\n\n");
        o.append("| operation | tool | wall | timed | first request | listing | first transfer | last answer | tail | in flight max / mean | CPU user+sys | other CPU |\n");
        o.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null || s.exchanges().isEmpty()) continue;
                Sample.Profile p = s.profile();
                o.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %s | %s | %s | %s | %s | %d / %.1f | %.1f s | %s |\n", id, t.label,
                        s.seconds(), seconds(id, t), sec(p.firstRequest()), Double.isNaN(p.listStart()) ? "–" : sec(p.listStart()) + "–" + sec(p.listEnd()),
                        sec(p.firstTransfer()), sec(p.lastAnswer()), sec(p.tail()), p.maxInFlight(), p.meanInFlight(),
                        s.userSeconds() + s.sysSeconds(), Double.isNaN(s.foreignCpu()) ? "–" : String.format(Locale.ROOT, "%.1f s", s.foreignCpu())));
            }
        }
        o.append('\n');
        o.append("Per-request latency in the counted runs, median ms: total = client send (request head in to body forwarded) + ")
                .append("server wait (to the answer's head) + receive (answer body).\n\n");
        o.append("| operation | tool | kind | requests | total | send | server wait | receive |\n|---|---|---|---|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            for (Tool t : Bench.ALL) {
                Sample s = counted(id, t);
                if (s == null) continue;
                Map<CountingProxy.Kind, Integer> c = s.counts();
                s.profile().latencyMs().forEach((k, v) -> o.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
                        id, t.label, k, fmtInt(c.getOrDefault(k, 0)), fmt1(v[0]), fmt1(v[1]), fmt1(v[2]), fmt1(v[3]))));
            }
        }
        o.append('\n');
        o.append(lambdaSyncInWords()).append('\n');

        if (!b.profiles.isEmpty()) {
            o.append("### lambda-sync's CPU, by Java Flight Recorder\n\n")
                    .append("One extra, untimed lambda-sync run per scenario with `JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=…` (JDK's profile settings, Java sampled every 1 ms); ")
                    .append("JFR adds start-up time to that run. Execution samples see Java code only: not the JIT compiler threads, ")
                    .append("not time in native socket calls, not the first few hundred ms. `self`: the method running; `by activity`: ")
                    .append("each sample counted once, for the innermost frame that says what the code is doing (`lambda-sync X` is the tool's own class X).\n\n");
            b.profiles.forEach((id, pr) -> {
                CpuProfile p = pr.cpu();
                double n = Math.max(1, p.samples());
                o.append(String.format(Locale.ROOT, "- **%s**: %.2f s wall, %.1f s CPU; %s; %d collections, %.0f ms of pauses; %d Java samples by thread: %s%n",
                        id, pr.run().seconds(), pr.run().userSeconds() + pr.run().sysSeconds(),
                        p.jitCount() == 0 ? "JIT statistics not recorded (run too short)"
                                : String.format(Locale.ROOT, "JIT compiled %,d methods in %.1f s of compiler-thread time", p.jitCount(), p.jitMs() / 1000),
                        p.gcCount(), p.gcPauseMs(), p.samples(),
                        p.threads().entrySet().stream().filter(e -> e.getValue() >= n / 100).sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(6)
                                .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100 * e.getValue() / n)).collect(Collectors.joining(", "))));
                o.append("  - self: ").append(p.self().stream().limit(8).toList().stream().map(e -> String.format(Locale.ROOT, "`%s` %.0f%%", e.getKey(), 100 * e.getValue() / n))
                        .collect(Collectors.joining(", "))).append('\n');
                o.append("  - by activity: ").append(p.categories().stream().filter(e -> e.getValue() >= n / 100).map(e -> String.format(Locale.ROOT, "%s %.0f%%",
                        e.getKey(), 100 * e.getValue() / n)).collect(Collectors.joining(", "))).append('\n');
            });
            o.append('\n');
        }

        o.append("## Peak memory\n\nMaximum resident set size from `/usr/bin/time -v` (MiB), median (min–max):\n\n");
        o.append("| operation | lambda-sync | aws s3 sync | rclone copy |\n|---|---|---|---|\n");
        for (String id : results.keySet()) {
            if (id.equals("version") || id.equals("help")) continue;
            o.append("| ").append(b.scenarios.get(id).title);
            for (Tool t : Bench.ALL) o.append(" | ").append(of(id, t).isEmpty() ? "–" : rssCell(id, t));
            o.append(" |\n");
        }
        o.append('\n');

        o.append("## Machine\n\n");
        for (String line : machine()) o.append("- ").append(line).append('\n');
        o.append('\n');

        o.append("## Commands\n\nEach timed command ran as `/usr/bin/time -v -o <file> <command>` in the repo (uploads, no-ops) or ")
                .append("a fresh clone of it (downloads), with stdin from /dev/null and no `AWS_*`/`RCLONE_*` variable inherited. ")
                .append("`<port>` is S3Proxy's for the timed runs and the counting proxy's for the counted runs; secrets appear only in the environment or the config file.\n\n");
        o.append("lambda-sync's `bench.sync.env` (mode 600; one per bucket):\n\n```text\nBUCKET_NAME=<bucket>\nLAMBDA_ACCESS_KEY_ID=<access-key>\n")
                .append("LAMBDA_SECRET_ACCESS_KEY=<secret-key>\nLAMBDA_REGION=us-east-1\nLAMBDA_ENDPOINT_URL=http://127.0.0.1:<port>\n```\n\n");
        for (Tool t : Bench.ALL) {
            Tool.Invocation up = t.upload(b.direct, "x"), down = t.download(b.direct, "x");
            o.append("```text\n# ").append(t.label).append(", upload and no-op\n").append(up.shown()).append("\n# ").append(t.label)
                    .append(", download\n").append(down.shown()).append("\n```\n\n");
        }
        if (results.containsKey("noop-100k") && !b.noop100kOnS3) {
            o.append("The 100,000-file no-op: `").append(Tool.lambdaSyncDir(b.direct, Path.of("dir.sync.env"), "upload").shown())
                    .append("` with `dir.sync.env` holding only `SYNC_TARGET=<dir>`.\n\n");
        }
        o.append("Start-up: `").append(StartupTimes.hyperfineLine(b.quick ? 5 : 10)).append("` over ");
        o.append(StartupTimes.commands(b.direct).stream().map(c -> "`" + c.shown() + "`").collect(Collectors.joining(", "))).append(".\n\n");
        o.append("Per scenario:\n\n");
        for (Scenario sc : b.scenarios.values()) {
            if (results.containsKey(sc.id)) o.append("- ").append(sc.id).append(": ").append(sc.how).append('\n');
        }
        o.append('\n');

        o.append("## Notes\n\n");
        for (String n : b.notes) o.append("- ").append(n).append('\n');
        o.append("- ").append(b.cdsNote).append('\n');
        o.append("- the timed runs go straight to S3Proxy; each tool's extra counted run goes through the request-counting proxy ")
                .append("(a loopback hop in the bench's JVM, one thread per connection direction), whose cost shows as `wall` minus `timed` ")
                .append("under \"Where the time goes\". lambda-sync's state is per endpoint, so before its counted no-op it ran once through ")
                .append("the proxy to record it (no object written; checked).\n");
        b.seedSeconds.forEach((k, v) -> o.append(String.format(Locale.ROOT, "- seeding %s with lambda-sync took %.1f s (untimed)%n", k, v)));
        if (results.containsKey("noop-100k") && !b.noop100kOnS3) {
            o.append("- the 100,000-file no-op ran against lambda-sync's directory store (`SYNC_TARGET`), not S3Proxy (`--noop100k-store dir`): ")
                    .append("it measures the tool's memory for 100,000 entries (local tree, far listing, state, plan), not S3 listing.\n");
        }
        List<Double> foreign = new ArrayList<>();
        results.values().forEach(list -> list.forEach(x -> { if (!Double.isNaN(x.foreignCpu())) foreign.add(x.foreignCpu() / x.seconds()); }));
        if (!foreign.isEmpty()) {
            o.append(String.format(Locale.ROOT, "- other load on the machine during the timed runs (CPU outside the tool, S3Proxy and the bench, "
                    + "per second of run): median %.2f cores, max %.2f cores of %d%s%n", median(foreign), foreign.stream().max(Double::compare).get(),
                    Runtime.getRuntime().availableProcessors(), median(foreign) > 0.2 ? " — **the machine was shared; treat the times as noisy**" : ""));
        }
        List<String> problems = new ArrayList<>();
        results.forEach((id, list) -> list.forEach(s -> s.problems().forEach(p -> problems.add(id + ", " + s.tool().label + " run " + s.run() + ": " + p))));
        if (problems.isEmpty()) {
            o.append("- every run passed its checks: exit code 0, the expected key set in the bucket and nothing else (no code file), ")
                    .append("downloaded files byte-identical with code files untouched, and no-ops that moved no object.\n");
        } else {
            o.append("- **problems found** (the timings of these runs are still in the tables):\n");
            for (String p : problems) o.append("  - ").append(p.replace("|", "\\|")).append('\n');
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
            double local = Double.isNaN(p.firstTransfer()) ? p.lastAnswer() - (Double.isNaN(p.listEnd()) ? p.firstRequest() : p.listEnd())
                    : p.firstTransfer() - (Double.isNaN(p.listEnd()) ? p.firstRequest() : p.listEnd());
            double xfer = Double.isNaN(p.firstTransfer()) ? 0 : p.lastAnswer() - p.firstTransfer();
            String middle = Double.isNaN(p.firstTransfer()) ? "no transfers"
                    : String.format(Locale.ROOT, "end of listing to first transfer %.2f s; transfers %.2f s (%d requests, up to %d in flight)",
                            Math.max(0, local), xfer, s.transfers(), p.maxInFlight());
            o.append(String.format(Locale.ROOT, "- %s (%.2f s): start-up to first request %.2f s; listing %.2f s (%d LIST, up to %d at once, median %.0f ms each); "
                            + "%s; after the last answer %.2f s.%n",
                    id, s.seconds(), p.firstRequest(), listing, s.counts().getOrDefault(CountingProxy.Kind.LIST, 0),
                    s.maxInFlight(CountingProxy.Kind.LIST), p.latencyMs().getOrDefault(CountingProxy.Kind.LIST, new double[] {0})[0],
                    middle, p.tail()));
        }
        return o.toString();
    }

    private List<String> machine() throws Exception {
        List<String> m = new ArrayList<>();
        Path tmp = b.work;
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst().orElse("?");
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        m.add("date: " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        m.add("`nproc`: " + Proc.capture(tmp, List.of("nproc")) + " (" + cpu + "); memory: "
                + String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024) + "; kernel "
                + Proc.capture(tmp, List.of("uname", "-r")));
        m.add("JDK: " + Proc.capture(tmp, List.of("java", "-version")).lines().skip(1).findFirst().orElse("?"));
        m.add("lambda-sync: `" + Proc.capture(tmp, List.of(b.direct.toolDir().resolve("jbang").toString(),
                b.direct.toolDir().resolve("lambda-sync.java").toString(), "--version")) + "` via `./jbang` (JBang "
                + Proc.capture(tmp, List.of(b.direct.toolDir().resolve("jbang").toString(), "--version")).lines().reduce((a, c) -> c).orElse("?") + ")");
        m.add("aws: `" + Proc.capture(tmp, List.of(Tool.AWS_BIN, "--version")) + "`");
        m.add("rclone: `" + Proc.capture(tmp, List.of(Tool.RCLONE_BIN, "version")).lines().findFirst().orElse("?") + "`");
        if (Files.isExecutable(Path.of("/usr/bin/hyperfine"))) m.add("hyperfine: `" + Proc.capture(tmp, List.of("/usr/bin/hyperfine", "--version")) + "`");
        m.add("S3 server: " + (b.server.kind.equals("s3proxy") ? "S3Proxy 4.1.0 (`org.gaul:s3proxy:4.1.0`), filesystem storage, its own JVM, loopback"
                : b.server.kind) + "; data and the server's storage on the same disk, in page cache");
        return m;
    }

    // ---- formatting -------------------------------------------------------------------------------

    private String timeCell(String id, Tool t) {
        List<Double> v = of(id, t).stream().map(Sample::seconds).toList();
        if (v.isEmpty()) return "–";
        return String.format(Locale.ROOT, "%.2f s (%.2f–%.2f)", median(v), v.stream().min(Double::compare).get(), v.stream().max(Double::compare).get())
                + flag(id, t);
    }

    private String throughputCell(String id, Tool t) {
        List<Double> v = of(id, t).stream().map(s -> b.scenarios.get(id).bytes / MIB / s.seconds()).toList();
        if (v.isEmpty()) return "–";
        return String.format(Locale.ROOT, "%.0f MiB/s (%.0f–%.0f); %.2f s", throughput(id, t), v.stream().min(Double::compare).get(),
                v.stream().max(Double::compare).get(), seconds(id, t)) + flag(id, t);
    }

    private String rssCell(String id, Tool t) {
        List<Double> v = of(id, t).stream().map(s -> s.rssKiB() / 1024.0).toList();
        if (v.isEmpty()) return "–";
        return String.format(Locale.ROOT, "%.0f MiB (%.0f–%.0f)", median(v), v.stream().min(Double::compare).get(), v.stream().max(Double::compare).get());
    }

    /** A mark on a cell whose runs failed a check. */
    private String flag(String id, Tool t) {
        return of(id, t).stream().anyMatch(s -> !s.problems().isEmpty()) ? " ⚠" : "";
    }

    static String requestSummary(Sample s) {
        if (s == null) return "–";
        return s.counts().entrySet().stream().sorted(Map.Entry.<CountingProxy.Kind, Integer>comparingByValue().reversed())
                .map(e -> fmtInt(e.getValue()) + " " + e.getKey()).collect(Collectors.joining(" + "));
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
