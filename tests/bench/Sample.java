import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One timed run of one tool: wall time (process start to exit, measured here), what
 * {@code /usr/bin/time -v} saw (peak RSS, CPU), and every request the proxy forwarded meanwhile.
 */
record Sample(
        Tool tool,
        int run,
        double seconds,
        long rssKiB,
        double userSeconds,
        double sysSeconds,
        int exitCode,
        long t0,
        long t1,
        List<CountingProxy.Exchange> exchanges,
        Map<CountingProxy.Kind, String> heads,
        String output,
        List<String> problems,
        double foreignCpu) {

    /** Runs {@code inv} in {@code cwd} under /usr/bin/time -v and collects the proxy's log of it. */
    static Sample take(
            Tool tool,
            int run,
            Tool.Invocation inv,
            Path cwd,
            CountingProxy proxy,
            CpuMeter cpu,
            Path logDir,
            String label)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path timeFile = logDir.resolve(label + ".time"), outFile = logDir.resolve(label + ".out");
        List<String> argv = new ArrayList<>(List.of("/usr/bin/time", "-v", "-o", timeFile.toString()));
        argv.addAll(inv.argv());
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(outFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(inv.env());
        proxy.drain(); // whatever came before belongs to nobody
        proxy.drainHeads();
        cpu.settle(2000);
        CpuMeter.Reading before = cpu.read();
        long t0 = System.nanoTime();
        Process p = pb.start();
        List<String> problems = new ArrayList<>();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            problems.add("timed out after 15 min");
        }
        long t1 = System.nanoTime();
        p.waitFor();
        CpuMeter.Reading after = cpu.read();
        List<CountingProxy.Exchange> ex = proxy.drain();
        Map<CountingProxy.Kind, String> heads = proxy.drainHeads();
        StringBuilder text = new StringBuilder();
        heads.forEach((k, h) -> text.append("## ").append(k).append('\n').append(h));
        Files.writeString(logDir.resolve(label + ".heads"), text);
        String time = Files.exists(timeFile) ? Files.readString(timeFile) : "";
        String out = Files.readString(outFile, StandardCharsets.UTF_8);
        int exit = (int) field(time, "Exit status:", p.exitValue());
        if (exit != 0) problems.add("exit code " + exit + ": " + tail(out));
        double user = field(time, "User time (seconds):", 0), sys = field(time, "System time (seconds):", 0);
        return new Sample(
                tool,
                run,
                (t1 - t0) / 1e9,
                (long) field(time, "Maximum resident set size (kbytes):", -1),
                user,
                sys,
                exit,
                t0,
                t1,
                ex,
                heads,
                out,
                problems,
                CpuMeter.foreign(before, after, user + sys));
    }

    private static double field(String text, String name, double dflt) {
        for (String line : text.split("\n")) {
            String l = line.trim();
            if (l.startsWith(name)) {
                try {
                    return Double.parseDouble(l.substring(name.length()).trim());
                } catch (NumberFormatException e) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static String tail(String out) {
        String t = out.strip();
        String[] lines = t.split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 3), lines.length));
    }

    Map<CountingProxy.Kind, Integer> counts() {
        Map<CountingProxy.Kind, Integer> m = new EnumMap<>(CountingProxy.Kind.class);
        for (CountingProxy.Exchange e : exchanges) m.merge(e.kind(), 1, Integer::sum);
        return m;
    }

    /** Requests that move object bytes or change the bucket: a no-op must have none. */
    int transfers() {
        int n = 0;
        for (CountingProxy.Exchange e : exchanges) {
            switch (e.kind()) {
                case GET, PUT, MP_INIT, MP_PART, MP_COMPLETE, MP_ABORT, DELETE, COPY -> n++;
                default -> {}
            }
        }
        return n;
    }

    /** The most requests of one kind open at the same moment. */
    int maxInFlight(CountingProxy.Kind kind) {
        List<long[]> events = new ArrayList<>();
        for (CountingProxy.Exchange e : exchanges) {
            if (e.kind() != kind) continue;
            events.add(new long[] {e.start(), 1});
            events.add(new long[] {e.end(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int cur = 0, max = 0;
        for (long[] ev : events) max = Math.max(max, cur += (int) ev[1]);
        return max;
    }

    /**
     * How a request of this kind was sent, from its first head: payload signing
     * (x-amz-content-sha256), Content-Encoding, Expect, Content-MD5, user metadata.
     */
    String shape(CountingProxy.Kind kind) {
        String h = heads.get(kind);
        if (h == null) return null;
        List<String> parts = new ArrayList<>();
        String sha = header(h, "x-amz-content-sha256");
        if (sha != null) parts.add(sha.matches("[0-9a-f]{64}") ? "payload SHA-256 in the signature" : sha);
        String enc = header(h, "content-encoding");
        if (enc != null) parts.add("Content-Encoding: " + enc);
        if (header(h, "expect") != null) parts.add("Expect: " + header(h, "expect"));
        if (header(h, "content-md5") != null) parts.add("Content-MD5");
        List<String> meta = new ArrayList<>();
        for (String line : h.split("\r\n"))
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("x-amz-meta-"))
                meta.add(line.substring(0, line.indexOf(':')).toLowerCase(java.util.Locale.ROOT));
        if (!meta.isEmpty()) parts.add(String.join(", ", meta));
        return String.join("; ", parts);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase(name))
                return line.substring(c + 1).trim();
        }
        return null;
    }

    /** Answers outside 2xx, as "404×3 409×1". */
    String errors() {
        Map<Integer, Integer> m = new java.util.TreeMap<>();
        for (CountingProxy.Exchange e : exchanges)
            if (e.status() < 200 || e.status() >= 300) m.merge(e.status(), 1, Integer::sum);
        StringBuilder sb = new StringBuilder();
        m.forEach((s, n) ->
                sb.append(sb.length() == 0 ? "" : " ").append(s).append("×").append(n));
        return sb.toString();
    }

    long bytesUp() {
        return exchanges.stream().mapToLong(CountingProxy.Exchange::up).sum();
    }

    long bytesDown() {
        return exchanges.stream().mapToLong(CountingProxy.Exchange::down).sum();
    }

    /**
     * Where the wall time went, as seen from outside the process: start-up until the first
     * request, the listing span, the gap before the first transfer (local scan, hashing,
     * planning), the transfer span, and the tail after the last answer (shutdown, state save).
     */
    /** latencyMs per kind: median total, median client send (head in to body forwarded), median server wait (to answer head), median receive. */
    record Profile(
            double firstRequest,
            double listStart,
            double listEnd,
            double firstTransfer,
            double lastAnswer,
            double tail,
            int maxInFlight,
            double meanInFlight,
            Map<CountingProxy.Kind, double[]> latencyMs) {}

    Profile profile() {
        double s = 1e9;
        List<CountingProxy.Exchange> ex = new ArrayList<>(exchanges);
        ex.sort(Comparator.comparingLong(CountingProxy.Exchange::start));
        if (ex.isEmpty())
            return new Profile(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, Map.of());
        long first = ex.get(0).start(),
                last = ex.stream().mapToLong(CountingProxy.Exchange::end).max().getAsLong();
        long listStart = Long.MAX_VALUE, listEnd = Long.MIN_VALUE, xfer = Long.MAX_VALUE;
        for (CountingProxy.Exchange e : ex) {
            if (e.kind() == CountingProxy.Kind.LIST) {
                listStart = Math.min(listStart, e.start());
                listEnd = Math.max(listEnd, e.end());
            } else if (e.kind() != CountingProxy.Kind.HEAD
                    && e.kind() != CountingProxy.Kind.BUCKET
                    && e.kind() != CountingProxy.Kind.OTHER
                    && e.kind() != CountingProxy.Kind.MP_LIST) {
                xfer = Math.min(xfer, e.start());
            }
        }
        // Concurrency: sweep the start/end events.
        List<long[]> events = new ArrayList<>();
        long busy = 0;
        for (CountingProxy.Exchange e : ex) {
            events.add(new long[] {e.start(), 1});
            events.add(new long[] {e.end(), -1});
            busy += e.end() - e.start();
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int cur = 0, max = 0;
        for (long[] ev : events) max = Math.max(max, cur += (int) ev[1]);
        Map<CountingProxy.Kind, double[]> lat = new EnumMap<>(CountingProxy.Kind.class);
        Map<CountingProxy.Kind, List<double[]>> byKind = new EnumMap<>(CountingProxy.Kind.class);
        for (CountingProxy.Exchange e : ex) {
            byKind.computeIfAbsent(e.kind(), k -> new ArrayList<>()).add(new double[] {
                (e.end() - e.start()) / 1e6,
                (e.sent() - e.start()) / 1e6,
                (e.firstByte() - e.sent()) / 1e6,
                (e.end() - e.firstByte()) / 1e6
            });
        }
        byKind.forEach((k, v) -> {
            double[] m = new double[4];
            for (int i = 0; i < 4; i++) {
                final int col = i;
                m[i] = Report.median(v.stream().map(a -> a[col]).toList());
            }
            lat.put(k, m);
        });
        return new Profile(
                (first - t0) / s,
                listStart == Long.MAX_VALUE ? Double.NaN : (listStart - t0) / s,
                listEnd == Long.MIN_VALUE ? Double.NaN : (listEnd - t0) / s,
                xfer == Long.MAX_VALUE ? Double.NaN : (xfer - t0) / s,
                (last - t0) / s,
                (t1 - last) / s,
                max,
                last > first ? (double) busy / (last - first) : 0,
                lat);
    }
}
