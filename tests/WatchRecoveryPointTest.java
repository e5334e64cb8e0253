import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery point SYNC.md quotes ("Autosave: watch"), measured in real time: watch as its own
 * process with its defaults, an experiment writing a result file every 0.5 s, a line to
 * metrics.jsonl every 0.2 s and its checkpoint over itself every second, then SIGKILL after 75 s
 * (a preempted instance); what the bucket holds is compared with what was written. A measurement,
 * not a check of the suite (it sleeps to pace the writer): run it with
 * {@code LAMBDA_SYNC_RECOVERY_POINT=1 ./jbang tests/TestSuite.java WatchRecoveryPointTest} (~2 min).
 * WatchTest.killedMidRunTheBucketIsBehindByAtMostTheSettleTimeOrMaxWait checks the same bound on a
 * clock the test moves.
 */
@EnabledIfEnvironmentVariable(named = "LAMBDA_SYNC_RECOVERY_POINT", matches = "1")
class WatchRecoveryPointTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @Test
    void killedAfter75Seconds() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        Files.createDirectories(a.path("exp/data/results"));
        Process p = a.start(tmp.resolve("watch.out"), "watch");
        Map<String, Long> results = new TreeMap<>();
        long killedAt;
        try {
            WatchTest.await(() -> WatchTest.log(a).contains("watch started"), () -> "not started");
            long t0 = System.currentTimeMillis();
            for (int tick = 1; tick <= 375; tick++) { // 75 s in 0.2 s ticks
                Thread.sleep(Math.max(0, t0 + tick * 200L - System.currentTimeMillis()));
                long t = System.currentTimeMillis() - t0;
                Files.writeString(
                        a.path("exp/data/metrics.jsonl"),
                        "{\"t\": " + t + "}\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                if (tick % 5 == 0) a.write("exp/data/ckpt.pt", "epoch " + tick / 5 + "\n" + "x".repeat(100_000));
                if (tick * 200L % 500 < 200) {
                    String rel = "exp/data/results/r" + tick + ".json";
                    a.write(rel, "{\"t\": " + t + "}\n");
                    results.put(rel, t);
                }
            }
            killedAt = System.currentTimeMillis() - t0;
        } finally {
            Repo.kill(p); // SIGKILL: no stop, no last pass
        }
        Map<String, String> inBucket = bucket.contents();
        long oldestMissing = results.entrySet().stream()
                .filter(r -> !inBucket.containsKey(r.getKey()))
                .mapToLong(r -> killedAt - r.getValue())
                .max()
                .orElse(0);
        String metrics = bucket.text("exp/data/metrics.jsonl");
        String last = metrics == null
                ? null
                : metrics.strip().lines().reduce((x, y) -> y).orElse(null);
        long metricsBehind = last == null ? -1 : killedAt - Long.parseLong(last.replaceAll("[^0-9]", ""));
        String ckpt = bucket.text("exp/data/ckpt.pt");
        System.out.printf(
                "recovery point, killed after %.1f s: %d of %d results in the bucket, oldest missing %.1f s old;"
                        + " metrics.jsonl %s; ckpt.pt %s%n",
                killedAt / 1e3,
                results.keySet().stream().filter(inBucket::containsKey).count(),
                results.size(),
                oldestMissing / 1e3,
                metrics == null ? "not in the bucket" : String.format("%.1f s behind", metricsBehind / 1e3),
                ckpt == null ? "not in the bucket" : ckpt.lines().findFirst().orElse("") + ", " + ckpt.length() + " B");
        assertTrue(metrics == null
                || Files.readString(a.path("exp/data/metrics.jsonl")).startsWith(metrics));
    }
}
