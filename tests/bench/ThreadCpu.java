import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * CPU seconds of a run by thread, read from /proc while it runs (the last reading of each thread
 * counts): what JFR's samples cannot see, the JIT compiler, the collector and the CRT's native
 * event loops (its TLS and HTTP), beside the Java threads. Threads that end between two readings
 * lose their last 20 ms; the S3 server's process is left out.
 */
final class ThreadCpu implements AutoCloseable {
    private final Map<String, long[]> byThread = new ConcurrentHashMap<>(); // pid/tid -> {ticks}
    private final Map<String, String> names = new ConcurrentHashMap<>();
    /** Per process, when it was first seen (a run may start an untimed one first: only the last JVM counts). */
    private final Map<Long, Long> firstSeen = new ConcurrentHashMap<>();

    private final Thread poller;
    private volatile boolean done;

    ThreadCpu() {
        poller = new Thread(() -> {
            while (!done) {
                poll();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        poller.setDaemon(true);
        poller.start();
    }

    private void poll() {
        ProcessHandle.current().descendants().forEach(p -> {
            String cmd = CpuMeter.cmdline(p.pid());
            if (!cmd.contains("java") || cmd.contains("--properties")) return;
            firstSeen.putIfAbsent(p.pid(), System.nanoTime());
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
                tasks.forEach(t -> {
                    try {
                        String s = Files.readString(t.resolve("stat"));
                        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                        String key = p.pid() + "/" + t.getFileName();
                        byThread.put(key, new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12])});
                        names.putIfAbsent(key, s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')));
                    } catch (IOException | RuntimeException ended) {
                        // the thread ended meanwhile: its last reading stands
                    }
                });
            } catch (IOException | RuntimeException ended) {
                // the process ended meanwhile
            }
        });
    }

    /** Stops reading. */
    @Override
    public void close() {
        done = true;
        try {
            poller.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * CPU seconds by thread name, numbers left out ("pool-3-thread-7" -> "pool-thread"), of the
     * last JVM started (one with a compiler thread): not of an untimed run before it.
     */
    Map<String, Double> seconds() {
        long jvm = byThread.keySet().stream()
                .filter(k -> names.getOrDefault(k, "").contains("CompilerThre"))
                .map(k -> Long.parseLong(k.substring(0, k.indexOf('/'))))
                .max(java.util.Comparator.comparing(pid -> firstSeen.getOrDefault(pid, 0L)))
                .orElse(-1L);
        Map<String, Double> m = new TreeMap<>();
        byThread.forEach((k, t) -> {
            if (k.startsWith(jvm + "/"))
                m.merge(names.getOrDefault(k, "?").replaceAll("[-#]?\\d+", "").trim(), t[0] / CpuMeter.HZ, Double::sum);
        });
        return m;
    }
}
