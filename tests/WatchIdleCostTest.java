import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idle cost of watch that SYNC.md quotes ("Autosave: watch"): 10,000 files in 100 folders,
 * all in sync, watch as its own process against the suite's S3 server; CPU time over two idle
 * minutes (two rescans) and the resident memory. A measurement, not a check of the suite: run it
 * with {@code LAMBDA_SYNC_IDLE_COST=1 ./jbang tests/TestSuite.java WatchIdleCostTest} (~3 min).
 */
@EnabledIfEnvironmentVariable(named = "LAMBDA_SYNC_IDLE_COST", matches = "1")
class WatchIdleCostTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @Test
    void idleCpuAndMemoryWith10000FilesWatched() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        for (int d = 0; d < 100; d++)
            for (int f = 0; f < 100; f++)
                a.write(String.format("exp/data/run%03d/f%03d.txt", d, f), d + " " + f + "\n");
        assertTrue(a.run("upload", "--yes", "-q").code() == 0);
        a.write("exp/data/one-more.txt", "so that a pass runs and the S3 client is loaded, as in real use\n");
        Path out = tmp.resolve("watch.out");
        Process p = a.start(out, "watch");
        try {
            WatchTest.await(
                    () -> WatchTest.log(a).contains("sent exp/data/one-more.txt"),
                    () -> "no pass; log:\n" + WatchTest.log(a));
            long pid = p.descendants().map(ProcessHandle::pid).findFirst().orElse(p.pid()); // java itself
            Thread.sleep(20_000);
            long c0 = cpuTicks(pid), t0 = System.nanoTime();
            Thread.sleep(120_000);
            long c1 = cpuTicks(pid), t1 = System.nanoTime();
            double seconds = (t1 - t0) / 1e9;
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            System.out.printf(
                    "watch idle, 10,000 files: %.2f %% CPU over %.0f s (%.2f s CPU); %s%n",
                    (c1 - c0) / 100.0 * 100 / seconds,
                    seconds,
                    (c1 - c0) / 100.0,
                    status.lines()
                            .filter(l -> l.startsWith("VmRSS") || l.startsWith("VmHWM") || l.startsWith("Threads"))
                            .map(l -> l.replaceAll("\\s+", " "))
                            .toList());
        } finally {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
            if (p.isAlive()) Repo.kill(p);
        }
    }

    /** utime + stime of a process, in clock ticks (100 a second on Linux). */
    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
