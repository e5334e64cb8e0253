import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where lambda-sync's CPU goes in one extra, untimed run recorded with Java Flight Recorder:
 * the hottest methods (self time) and a coarse split by what the code is doing, from the
 * execution samples; the collections and their pauses; and the JIT compiler's work, which
 * the samples do not see (compiler threads run no Java code).
 */
record CpuProfile(
        int samples,
        List<Map.Entry<String, Integer>> self,
        List<Map.Entry<String, Integer>> categories,
        int gcCount,
        double gcPauseMs,
        long jitCount,
        double jitMs,
        Map<String, Integer> threads) {

    /**
     * The JVM option that records such a run (passed through JAVA_TOOL_OPTIONS, which the
     * launcher's JVM honours): JDK's "profile" settings with Java code sampled every 1 ms instead
     * of 10 ms, since our runs last seconds.
     */
    static String option(Path file, Path workDir) throws IOException {
        Path jfc = workDir.resolve("bench.jfc");
        if (!Files.exists(jfc)) {
            String profile = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
            Files.writeString(
                    jfc,
                    profile.replace(
                            "control=\"method-sampling-java-interval\">10 ms<",
                            "control=\"method-sampling-java-interval\">1 ms<"));
        }
        return "-XX:StartFlightRecording=filename=" + file + ",settings=" + jfc + ",dumponexit=true";
    }

    static CpuProfile read(Path jfr, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>(), incl = new HashMap<>(), threads = new HashMap<>();
        int n = 0, gcs = 0;
        double gc = 0, jitMs = 0;
        long jit = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gcs++;
                gc += e.getDuration("sumOfPauses").toNanos() / 1e6;
                continue;
            }
            if (type.equals("jdk.CompilerStatistics")) { // cumulative: keep the last
                jit = Math.max(jit, e.getLong("compileCount"));
                jitMs = Math.max(jitMs, e.getDuration("totalTimeSpent").toNanos() / 1e6);
                continue;
            }
            if (!type.equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty()) continue;
            n++;
            self.merge(name(frames.get(0)), 1, Integer::sum);
            String cat = "other JDK code";
            for (RecordedFrame f : frames) {
                String c = category(f.getMethod().getType().getName());
                if (c != null) {
                    cat = c;
                    break;
                }
            }
            incl.merge(cat, 1, Integer::sum);
            var thread = e.getThread("sampledThread");
            String t = thread == null || thread.getJavaName() == null
                    ? "?"
                    : thread.getJavaName().replaceAll("[-#]?\\d+$", "");
            threads.merge(t, 1, Integer::sum);
        }
        return new CpuProfile(n, topOf(self, top), topOf(incl, 100), gcs, gc, jit, jitMs, threads);
    }

    /**
     * What a frame is doing, coarsely; null for plain JDK utility code (collections, strings),
     * whose caller then decides. Each sample goes to the innermost frame with a category.
     */
    static String category(String cls) {
        if (cls.indexOf('.') < 0) return "lambda-sync " + cls.replaceAll("\\$.*", "");
        if (cls.startsWith("sun.security.provider.") || cls.startsWith("java.security.MessageDigest"))
            return "hashing (MD5, SHA-256)";
        if (cls.contains(".signer.")
                || cls.contains("Chunked")
                || cls.contains(".auth.aws.")
                || cls.startsWith("javax.crypto")
                || cls.startsWith("com.sun.crypto")) return "request signing (and aws-chunked encoding)";
        if (cls.startsWith("com.sun.org.apache.xerces") || cls.startsWith("javax.xml") || cls.contains(".xml."))
            return "XML parsing";
        if (cls.startsWith("org.apache.hc.") || cls.contains(".apache5.")) return "HTTP client (Apache 5)";
        if (cls.startsWith("sun.security.ssl")) return "TLS (Java's)";
        // The CRT's own TLS and HTTP run in native threads JFR does not sample: this is their Java side.
        if (cls.startsWith("software.amazon.awssdk.crt.") || cls.contains(".http.crt."))
            return "HTTP client (CRT, Java side)";
        if (cls.contains("ClientBuilder")
                || cls.contains("ClientConfiguration")
                || cls.contains("AttributeMap")
                || cls.contains(".endpoints.")
                || cls.contains(".regions.")) return "SDK client set-up, endpoint and region resolution";
        if (cls.startsWith("software.amazon.awssdk.")) return "SDK request pipeline (other)";
        // Array access through a VarHandle (MD5 reads its input so): plain data access, the caller decides.
        if (cls.startsWith("java.lang.invoke.VarHandle")) return null;
        if (cls.startsWith("java.lang.invoke")
                || cls.startsWith("jdk.internal.reflect")
                || cls.startsWith("java.lang.reflect")
                || cls.startsWith("jdk.internal.loader")
                || cls.startsWith("java.lang.ClassLoader")
                || cls.startsWith("jdk.internal.org.objectweb")
                || cls.startsWith("java.lang.Class")) return "class loading, reflection, lambdas";
        if (cls.startsWith("sun.nio.fs")
                || cls.startsWith("java.nio.file")
                || cls.startsWith("sun.nio.ch.FileChannel")
                || cls.startsWith("java.io.File")) return "file system calls";
        if (cls.startsWith("java.net") || cls.startsWith("sun.nio.ch") || cls.startsWith("sun.net")) return "sockets";
        if (cls.startsWith("picocli")) return "picocli";
        if (cls.startsWith("org.eclipse.jgit")) return "JGit";
        return null;
    }

    private static String name(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static List<Map.Entry<String, Integer>> topOf(Map<String, Integer> m, int top) {
        return m.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .collect(Collectors.toList());
    }
}
