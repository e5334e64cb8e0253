import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * watch end to end (SYNC.md, "Autosave: watch"), in-process on a thread with short timings or a
 * clock the test moves, and once as its own process stopped with SIGTERM. Conditions are polled
 * with a deadline; no assertion depends on how long anything took.
 */
class WatchTest {
    /** Settle 200 ms, wake every 20 ms, no rescan during a test, retry after 200 ms .. 1 s. */
    static final Watch.Timing FAST = new Watch.Timing(200, 20, 600_000, 200, 1_000);

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);
    Running running;

    @AfterEach
    void stopWatch() throws Exception {
        if (running != null) running.stop();
        proxy.close();
    }

    Repo repo() {
        return Repo.init(tmp.resolve("a"), bucket.config(tmp, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()));
    }

    /** A watch on a thread of this JVM. */
    static final class Running {
        final Watch watch;
        final Thread thread;
        final AtomicInteger code = new AtomicInteger(-1);
        final StringWriter err = new StringWriter();
        final Repo repo;

        Running(Repo repo, Watch.Timing timing, LongSupplier clock) {
            this.repo = repo;
            Console c = new Console(
                    new PrintWriter(new StringWriter()),
                    new PrintWriter(err, true),
                    new BufferedReader(new StringReader("")),
                    false,
                    false,
                    false);
            watch = new Watch(SyncConfig.load(repo.config, Map.of()), c, repo.root, timing, clock);
            thread = new Thread(
                    () -> {
                        try {
                            code.set(watch.run(false));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    },
                    "watch");
            thread.start();
            await(() -> log(repo).contains("watch started"), () -> "the watch never started; log:\n" + log(repo));
        }

        int stop() throws InterruptedException {
            watch.stop();
            thread.join(120_000);
            if (thread.isAlive()) fail("the watch did not stop; log:\n" + log(repo));
            return code.get();
        }
    }

    static String log(Repo r) {
        try {
            Path p = r.path(".lambda-sync/" + Watch.LOG);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls until {@code done}, failing after a minute (a deadline, not a measurement). */
    static void await(BooleanSupplier done, Supplier<String> why) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!holds(done)) {
            if (System.nanoTime() > deadline) fail(why.get());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A condition read through the S3 API may meet the tool's own probe objects coming and going: not yet, then. */
    static boolean holds(BooleanSupplier done) {
        try {
            return done.getAsBoolean();
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            return false;
        }
    }

    static void append(Repo r, String rel, String text) throws IOException {
        Files.writeString(
                r.path(rel), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void filesWrittenDuringAWatchReachTheBucket() throws Exception {
        Repo a = repo();
        a.write("exp/data/before.txt", "there before the watch\n");
        running = new Running(a, FAST, System::currentTimeMillis);
        a.write("exp/data/results/run1.jsonl", "{\"loss\": 0.5}\n");
        a.write("exp/data/new/deeper/run2.jsonl", "{\"loss\": 0.25}\n"); // folders made while watching
        a.write("exp/reports/summary.md", "# summary\n");
        a.write("exp/data/.ipynb_checkpoints/x.ipynb", "never synced\n");
        await(
                () -> bucket.contents().size() == 4,
                () -> "bucket " + bucket.contents().keySet() + "\nlog:\n" + log(a));
        Map<String, String> expected = a.dataFiles();
        expected.remove("exp/data/.ipynb_checkpoints/x.ipynb");
        assertEquals(expected, bucket.contents());
        assertEquals(0, running.stop(), () -> log(a));
        assertTrue(log(a).contains("sent exp/data/new/deeper/run2.jsonl (15 B, new here)"), () -> log(a));
        Repo.Run after = a.run("upload");
        assertTrue(after.out().contains("nothing to do"), "watch recorded what it sent, as upload does:\n" + after);
    }

    @Test
    void anAppendedFileIsSentOnceItStopsChangingNotInBetween() throws Exception {
        Repo a = repo();
        Files.createDirectories(a.path("exp/data"));
        AtomicLong clock = new AtomicLong(0); // only the test moves it: "unchanged for 5 s" is decided by it alone
        running = new Running(a, new Watch.Timing(5_000, 20, 600_000, 200, 1_000), clock::get);
        String rel = "exp/data/train.log";
        StringBuilder content = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            String line = "epoch " + i + " loss 0." + (10 - i) + "\n";
            content.append(line);
            append(a, rel, line);
            long size = content.length();
            await(
                    () -> running.watch.seen(rel) != null && running.watch.seen(rel)[0] == size,
                    () -> "the watch never saw " + size + " bytes\n" + log(a));
            clock.addAndGet(4_000); // less than the settle time since the last change
        }
        assertEquals(0, proxy.count(FaultProxy.Kind.PUT, rel), proxy::journal);
        assertEquals(0, running.watch.passes(), "nothing sent while the file kept changing");

        clock.addAndGet(1_000); // now 5 s unchanged
        await(() -> content.toString().equals(bucket.text(rel)), () -> "never sent whole; log:\n" + log(a));
        assertEquals(1, proxy.count(FaultProxy.Kind.PUT, rel), () -> "one PUT, of the whole file:\n" + proxy.journal());
        assertEquals(0, running.stop());
    }

    @Test
    void theServerGoneAndBackLosesNothing() throws Exception {
        Repo a = repo();
        running = new Running(a, FAST, System::currentTimeMillis);
        a.write("exp/data/first.txt", "first\n");
        await(() -> "first\n".equals(bucket.text("exp/data/first.txt")), () -> log(a));

        proxy.kill();
        a.write("exp/data/during1.txt", "written while the server is gone\n");
        a.write("exp/data/sub/during2.txt", "this one too\n");
        await(
                () -> count(log(a), "upload failed") >= 2,
                () -> "no failed (and retried) pass while the server was gone; log:\n" + log(a));
        proxy.revive();
        await(
                () -> bucket.contents().equals(a.dataFiles()),
                () -> "bucket " + bucket.contents().keySet() + "\nlog:\n" + log(a));
        assertTrue(log(a).contains("uploads work again"), () -> log(a));
        assertEquals(0, running.stop(), () -> log(a));
    }

    @Test
    void aConflictingBucketChangeIsReportedOnceAndNotOverwritten() throws Exception {
        Repo a = repo();
        a.write("exp/data/f.txt", "v1\n");
        assertEquals(0, a.run("upload", "--yes").code());
        bucket.put("exp/data/f.txt", "another machine's v2\n");
        running = new Running(a, FAST, System::currentTimeMillis);

        a.write("exp/data/f.txt", "this machine's v2\n");
        await(() -> log(a).contains("conflict: exp/data/f.txt"), () -> log(a));
        a.write("exp/data/g.txt", "later\n"); // another pass, after the conflict
        await(() -> "later\n".equals(bucket.text("exp/data/g.txt")), () -> log(a));

        assertEquals(
                "another machine's v2\n", bucket.text("exp/data/f.txt"), "the bucket's change is never overwritten");
        assertEquals("this machine's v2\n", a.text("exp/data/f.txt"), "nor the local one");
        assertTrue(
                log(a).contains("conflict: exp/data/f.txt: changed on both sides since the last sync"), () -> log(a));
        assertEquals(1, count(log(a), "conflict: exp/data/f.txt"), () -> "said once, not at every pass:\n" + log(a));
        assertTrue(running.err.toString().contains("conflict: exp/data/f.txt"), "and said on stderr: " + running.err);
        assertEquals(0, running.stop());
    }

    @Test
    void sigtermSendsWhatIsPendingThenExitsZeroAndDownloadsFitBetweenPasses() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        bucket.put("exp/data/from-elsewhere.txt", "another machine's result\n");
        Path out = tmp.resolve("watch.out");
        Process p = a.start(out, "watch", "--settle", "3600"); // nothing settles before the signal
        try {
            await(() -> log(a).contains("watch started"), () -> "not started; output:\n" + read(out));
            a.write("exp/data/late1.txt", "written just before shutdown\n");
            a.write("exp/reports/late2.md", "# also\n");

            Repo.Run down = a.run("download", "--yes"); // the watch holds no lock between passes
            assertEquals(0, down.code(), down::toString);
            assertEquals("another machine's result\n", a.text("exp/data/from-elsewhere.txt"));
            assertEquals(null, bucket.text("exp/data/late1.txt"), "not sent before the signal");

            p.descendants().forEach(ProcessHandle::destroy); // SIGTERM, as a shutdown sends it
            p.destroy();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), () -> "still running after SIGTERM; output:\n" + read(out));
            assertEquals(0, p.exitValue(), () -> read(out) + "\nlog:\n" + log(a));
        } finally {
            if (p.isAlive()) Repo.kill(p);
        }
        assertEquals("written just before shutdown\n", bucket.text("exp/data/late1.txt"));
        assertEquals("# also\n", bucket.text("exp/reports/late2.md"));
        assertTrue(read(out).contains("stopped: 2 files (36 B) uploaded by this watch"), () -> read(out));
    }

    @Test
    void printsASystemdUnitAndRefusesBadSettleTimes() {
        Repo a = repo();
        SystemdUnitTest.installLauncher(a);
        Repo.Run unit = a.run("watch", "--print-systemd-unit");
        assertEquals(0, unit.code(), unit::toString);
        assertTrue(unit.out().contains("[Service]\n"), unit::toString);
        assertTrue(
                unit.out()
                        .matches("(?s).*\\nExecStart=.+ " + java.util.regex.Pattern.quote(a.config.toString())
                                + " watch\\n.*"),
                unit::toString);
        assertTrue(unit.out().contains("WorkingDirectory=" + a.root + "\n"), unit::toString);
        assertTrue(unit.out().contains("[Install]\nWantedBy=default.target\n"), unit::toString);
        assertEquals(2, a.run("watch", "--settle", "0").code());
        assertEquals(2, a.run("upload", "--settle", "5").code());
        assertEquals(2, a.run("watch", "--json").code());
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
