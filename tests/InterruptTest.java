import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C or SIGTERM during a transfer (SYNC.md, "Integrity, interruptions, concurrency"): no
 * new transfer starts, the one in flight is given a few seconds and then abandoned, its temp
 * file removed, the lock released, what finished recorded; "interrupted: N of M done", exit 130.
 * The tool runs as its own process; the fault proxy holds one download mid-body, so the signal
 * arrives while that transfer is in flight, whatever the machine's speed.
 */
class InterruptTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void sigtermMidDownloadStopsCleanlyAndTheNextRunFinishes() throws Exception {
        bucket.put("exp/data/a.txt", "a\n");
        bucket.put("exp/data/m.txt", "m, held mid-body by the proxy\n");
        bucket.put("exp/data/z.txt", "z\n");
        Path cfg = Files.createDirectories(tmp.resolve("cfg"));
        Repo b = Repo.init(tmp.resolve("b"), bucket.config(cfg, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()));
        proxy.on(FaultProxy.Kind.GET, "exp/data/m.txt", FaultProxy.Fault.stall(Duration.ofSeconds(120)))
                .always();

        Path out = tmp.resolve("out.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // One job: a.txt, then m.txt (held), and z.txt not yet started.
        Process run = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "LambdaSync",
                        b.config.toString(),
                        "download",
                        "--yes",
                        "-j",
                        "1")
                .directory(b.root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (proxy.count(FaultProxy.Kind.GET, "exp/data/m.txt") == 0 || !tempFileOf(b, "m.txt")) {
                if (!run.isAlive() || System.nanoTime() > deadline)
                    fail("m.txt was never in flight:\n" + Files.readString(out) + proxy.journal());
                Thread.sleep(20);
            }
            run.destroy(); // SIGTERM
            if (!run.waitFor(60, TimeUnit.SECONDS)) fail("still running 60 s after SIGTERM:\n" + Files.readString(out));
        } finally {
            run.destroyForcibly();
        }

        String said = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(130, run.exitValue(), said);
        assertTrue(said.contains("interrupted: 1 of 3 done; run again to finish"), said);
        assertEquals(List.of(), b.tempFiles(), said);
        assertTrue(b.text(".lambda-sync/lock").isEmpty(), "the lock is released");
        assertEquals(Map.of("exp/data/a.txt", "a\n"), b.dataFiles());

        proxy.clearRules();
        Repo.Run again = b.run("download", "--yes");
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.out().contains("done: 2 item(s)"), "a.txt was recorded as done:\n" + again);
        assertEquals(3, b.dataFiles().size());
    }

    static boolean tempFileOf(Repo r, String name) {
        return InterruptedRunTest.names(r.path("exp/data")).stream()
                .anyMatch(n -> n.startsWith(".lambda-sync-tmp-") && n.endsWith("-" + name));
    }
}
