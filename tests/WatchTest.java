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
import lib.common.Console;
import lib.config.SyncConfig;
import lib.modes.Watch;
import lib.state.RepoLock;
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
                            code.set(LambdaSync.exitCode(watch.run(false)));
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
            Path p = r.path(".lambda-sync/watch.log");
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
        assertTrue(!log(a).contains("same command again"), () -> "watch tries again itself:\n" + log(a));
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
        assertEquals(4, running.stop(), () -> "this machine's edit exists only here:\n" + log(a));
        assertTrue(
                log(a).contains("only here: exp/data/f.txt: conflict: changed on both sides since the last sync"),
                () -> log(a));
        assertTrue(log(a).contains("; this machine's edit of exp/data/f.txt exists only here"), () -> log(a));
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

    /**
     * Issue 21.3: SIGTERM while a checkpoint is being written (the writer appends once more while
     * its PUT is in flight, held by the proxy) and with a conflict standing. The checkpoint is
     * sent again once it holds still, whole; the exit is 4 and the last line names the conflict,
     * whose edit exists only on this machine.
     */
    @Test
    void sigtermWhileAFileIsBeingWrittenSendsItWholeAndNamesTheConflictLeft() throws Exception {
        Repo a = repo();
        a.write("exp/data/f.txt", "v1\n");
        assertEquals(0, a.run("upload", "--yes").code());
        bucket.put("exp/data/f.txt", "another machine's v2\n");
        a.write("exp/data/f.txt", "this machine's v2\n");
        String ckpt = "exp/data/ckpt2.pt";
        proxy.on(FaultProxy.Kind.PUT, ckpt, FaultProxy.Fault.before(() -> {
            try {
                append(a, ckpt, "the rest of it\n"); // still being written while it is sent
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        Path out = tmp.resolve("watch.out");
        Process p = a.start(out, "watch", "--settle", "3600"); // nothing settles before the signal
        try {
            await(() -> log(a).contains("watch started"), () -> "not started; output:\n" + read(out));
            a.write(ckpt, "the first half\n");
            p.descendants().forEach(ProcessHandle::destroy); // SIGTERM, as a shutdown sends it
            p.destroy();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), () -> "still running after SIGTERM; output:\n" + read(out));
            assertEquals(4, p.exitValue(), () -> read(out) + "\nlog:\n" + log(a));
        } finally {
            if (p.isAlive()) Repo.kill(p);
        }
        assertEquals("the first half\nthe rest of it\n", bucket.text(ckpt), () -> log(a));
        assertEquals("another machine's v2\n", bucket.text("exp/data/f.txt"));
        String last = read(out).strip().lines().reduce((x, y) -> y).orElse("");
        assertTrue(last.startsWith("stopped: 1 file (30 B) uploaded by this watch"), last);
        assertTrue(last.contains("exp/data/f.txt"), () -> "the conflict is named in the last line: " + last);
    }

    /**
     * At a stop, a checkpoint rewritten each time it is sent (the proxy rewrites it while its PUT is
     * held) is tried again each time it holds still for the still time, until the time to stop runs
     * out (the test moves the clock): then it is named with why, exit 1, and the bucket holds a
     * whole version, never a torn one.
     */
    @Test
    void aFileRewrittenUntilTheTimeToStopRunsOutIsNamedWithWhy() throws Exception {
        Repo a = repo();
        String ckpt = "exp/data/ckpt.pt";
        a.write(ckpt, "epoch 1\n");
        assertEquals(0, a.run("upload", "--yes").code());
        AtomicInteger epoch = new AtomicInteger(2);
        proxy.on(
                        FaultProxy.Kind.PUT,
                        ckpt,
                        FaultProxy.Fault.before(() -> a.write(ckpt, version(epoch.incrementAndGet()))))
                .always();
        AtomicLong clock = new AtomicLong(0);
        running = new Running(
                a, new Watch.Timing(3_600_000, 20, 600_000, 200, 1_000, 1_000, 10_000, 3_600_000), clock::get);
        a.write(ckpt, version(2));
        await(() -> running.watch.seen(ckpt) != null, () -> log(a));
        running.watch.stop();
        for (int k = 1; k <= 3; k++) {
            long size = version(2 + k).length();
            await(
                    () -> running.watch.seen(ckpt) != null && running.watch.seen(ckpt)[0] == size,
                    () -> "try " + epoch + " never seen; log:\n" + log(a));
            clock.addAndGet(1_000); // it held still for the still time: sent again
        }
        await(() -> epoch.get() == 6, () -> log(a));
        clock.addAndGet(60_000); // the time to stop runs out
        assertEquals(1, running.stop(), () -> log(a));
        running = null;
        assertTrue(
                log(a).contains("not sent: " + ckpt + ": still being written: it changed each time it was sent, and the"
                        + " time to stop (10 s) ran out before it held still for 1.0 s"),
                () -> log(a));
        assertTrue(log(a).contains("; 1 file not sent (named above): run upload when you can"), () -> log(a));
        assertTrue(bucket.text(ckpt).matches("epoch [0-9]+\n(x*\n)?"), () -> "a whole version: " + bucket.text(ckpt));
    }

    /**
     * At a stop, a log that never holds still (the proxy appends a line while its PUT is held, the
     * test one every 0.5 s of its clock) goes as written so far once it has kept changing for the
     * settle time since it was tried: the bucket holds a prefix of it, and the stop ends, exit 0.
     */
    @Test
    void atAStopALogThatNeverHoldsStillGoesAsWrittenSoFar() throws Exception {
        Repo a = repo();
        String rel = "exp/data/train.log";
        AtomicInteger n = new AtomicInteger();
        proxy.on(FaultProxy.Kind.PUT, rel, FaultProxy.Fault.before(() -> {
                    try {
                        append(a, rel, "sent " + n.incrementAndGet() + "\n");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }))
                .always();
        AtomicLong clock = new AtomicLong(0);
        Files.createDirectories(a.path("exp/data"));
        running =
                new Running(a, new Watch.Timing(2_000, 20, 600_000, 200, 1_000, 1_000, 240_000, 3_600_000), clock::get);
        append(a, rel, "line 0\n");
        await(() -> running.watch.seen(rel) != null, () -> log(a));
        running.watch.stop();
        await(
                () -> log(a).contains("changed while it was sent, sent again once it holds still for 1.0 s: " + rel),
                () -> log(a));
        for (int step = 1; step <= 10 && !log(a).contains("as written so far"); step++) {
            clock.addAndGet(500);
            append(a, rel, "step " + step + "\n");
            long size = Files.size(a.path(rel));
            await(
                    () -> log(a).contains("as written so far")
                            || (running.watch.seen(rel) != null && running.watch.seen(rel)[0] >= size),
                    () -> log(a));
        }
        assertEquals(0, running.stop(), () -> log(a));
        running = null;
        assertTrue(
                log(a).contains("sent " + rel + " as written so far, still being written at the stop ("), () -> log(a));
        String copy = bucket.text(rel);
        assertTrue(
                a.text(rel).startsWith(copy) && copy.contains("step 1\n"),
                () -> "a prefix, as written at the stop: " + copy);
    }

    /** A checkpoint's version {@code n}: a size of its own, so each rewrite is seen. */
    static String version(int n) {
        return "epoch " + n + "\n" + "x".repeat(n) + "\n";
    }

    /**
     * Issue 21.2, the recovery point. An experiment writes a result file every 0.5 s, appends a line
     * to metrics.jsonl every 0.2 s and rewrites ckpt.pt in place every second, for 150 s of a clock the
     * test moves 100 ms a step (each change seen by the watch, and the watch's loop turned, before
     * the clock moves on); then the tool is killed, and what the bucket holds at that instant is what
     * a kill -9 leaves. Every result older than the settle time (plus a step) is there, whole;
     * metrics.jsonl is a prefix of the file, never more than --max-wait (plus a step and a line)
     * behind at any second of the run; ckpt.pt is its last whole version, never a torn one.
     */
    @Test
    void killedMidRunTheBucketIsBehindByAtMostTheSettleTimeOrMaxWait() throws Exception {
        Repo a = repo();
        String metrics = "exp/data/metrics.jsonl", ckpt = "exp/data/ckpt.pt";
        a.write(ckpt, version(0));
        assertEquals(0, a.run("upload", "--yes").code());
        AtomicLong clock = new AtomicLong(0);
        long settle = 5_000, maxWait = 60_000, step = 100, end = 150_000;
        running = new Running(a, new Watch.Timing(settle, 5, 600_000, 200, 1_000, 1_000, 240_000, maxWait), clock::get);
        Map<String, Long> results = new java.util.TreeMap<>();
        long worstMetricsAge = 0;
        for (long now = step; now <= end; now += step) {
            clock.set(now);
            if (now % 200 == 0) {
                append(a, metrics, "{\"t\": " + now + "}\n");
                seenAsItIs(a, metrics);
            }
            if (now % 500 == 0) {
                String rel = "exp/data/results/r" + now + ".json";
                a.write(rel, "{\"t\": " + now + "}\n");
                results.put(rel, now);
                seenAsItIs(a, rel);
            }
            if (now % 1000 == 0) {
                a.write(ckpt, version((int) (now / 1000)));
                seenAsItIs(a, ckpt);
            }
            int turns = running.watch.loops();
            until(() -> running.watch.loops() >= turns + 2, () -> log(a)); // it looked at this clock, sent what was due
            if (now % 1000 == 0 && now > maxWait) {
                long age = now - lastT(bucket.text(metrics));
                worstMetricsAge = Math.max(worstMetricsAge, age);
            }
        }
        Map<String, String> killed = bucket.contents(); // the instant of the kill
        String copy = bucket.text(metrics), ckptCopy = bucket.text(ckpt);
        running.thread.interrupt(); // stops without the stop's last pass, as a kill would
        running.thread.join(60_000);
        running = null;

        long newestMissing = 0;
        for (Map.Entry<String, Long> r : results.entrySet()) {
            String got = killed.get(r.getKey());
            if (got == null) newestMissing = Math.max(newestMissing, r.getValue());
            else assertEquals("{\"t\": " + r.getValue() + "}\n", got, "whole");
        }
        long resultAge = end - newestMissing,
                oldestMissingResult =
                        results.entrySet().stream()
                                .filter(r -> !killed.containsKey(r.getKey()))
                                .mapToLong(r -> end - r.getValue())
                                .max()
                                .orElse(0);
        assertTrue(copy != null && a.text(metrics).startsWith(copy) && copy.endsWith("\n"), () -> "a prefix: " + copy);
        long metricsAge = end - lastT(copy);
        System.out.printf(
                "recovery point, %d s run killed: oldest result missing %.1f s old (newest %.1f s), %d of %d results"
                        + " there; metrics.jsonl %.1f s behind at the kill, at most %.1f s behind during the run%n",
                end / 1000,
                oldestMissingResult / 1e3,
                resultAge / 1e3,
                killed.keySet().stream().filter(results::containsKey).count(),
                results.size(),
                metricsAge / 1e3,
                worstMetricsAge / 1e3);
        assertTrue(
                oldestMissingResult <= settle + step, () -> "a result older than the settle time was lost:\n" + log(a));
        long worst = worstMetricsAge;
        assertTrue(worst <= maxWait + step + 200, () -> "behind " + worst + " ms:\n" + log(a));
        assertTrue(worstMetricsAge >= maxWait - 1_000, "the copy does go stale up to --max-wait: " + worstMetricsAge);
        assertEquals(version(0), ckptCopy, "the checkpoint's last whole version, never a torn or half one");
        assertTrue(log(a).contains("still being written: " + ckpt + ": rewritten in place"), () -> log(a));
        assertTrue(
                log(a).contains("sent " + metrics + " as written so far, still being written after 60 s ("),
                () -> log(a));
    }

    /** The t of the last line of a metrics copy. */
    static long lastT(String copy) {
        String last = copy.strip().lines().reduce((x, y) -> y).orElseThrow();
        return Long.parseLong(last.replaceAll("[^0-9]", ""));
    }

    /** Waits until the watch has seen {@code rel} as it is on disk now (before the clock moves on). */
    void seenAsItIs(Repo a, String rel) throws IOException {
        long size = Files.size(a.path(rel));
        until(
                () -> running.watch.seen(rel) != null && running.watch.seen(rel)[0] == size,
                () -> rel + " at " + size + " B never seen; log:\n" + log(a));
    }

    /** As {@link #await}, polling every millisecond: a test of 750 steps waits on each. */
    static void until(BooleanSupplier done, Supplier<String> why) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail(why.get());
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aSecondWatchOfTheSameRepoIsRefusedNamingThePidOfTheFirst() throws Exception {
        Repo a = repo();
        running = new Running(a, FAST, System::currentTimeMillis);
        Repo.Run second = a.run("watch");
        assertEquals(1, second.code(), second::toString);
        assertTrue(
                second.err()
                        .contains(
                                "another watch (pid " + ProcessHandle.current().pid() + ") is already watching"),
                second::toString);
        assertEquals(1, count(log(a), "watch started"), () -> "the second one never started:\n" + log(a));
        a.write("exp/data/still.txt", "the first watch goes on\n");
        await(() -> "the first watch goes on\n".equals(bucket.text("exp/data/still.txt")), () -> log(a));
        assertEquals(0, running.stop(), () -> log(a));
    }

    @Test
    void aRetryInTheLogNeverSaysToRunTheSameCommandAgain() throws Exception {
        Repo a = repo();
        running = new Running(a, FAST, System::currentTimeMillis);
        proxy.on(FaultProxy.Kind.LIST, null, FaultProxy.Fault.slowDown()).always();
        a.write("exp/data/after.txt", "sent by the retry\n");
        await(() -> log(a).contains("upload failed: the endpoint "), () -> log(a));
        proxy.clearRules();
        await(() -> log(a).contains("sent exp/data/after.txt"), () -> log(a));
        assertEquals("sent by the retry\n", bucket.text("exp/data/after.txt"));
        assertTrue(log(a).contains(" answered 503 SlowDown; 1 file pending, trying again in "), () -> log(a));
        assertTrue(!log(a).contains("same command again"), () -> "watch tries again itself:\n" + log(a));
        assertEquals(0, running.stop(), () -> log(a));
    }

    @Test
    void aRunByHandHoldingTheLockIsWaitedForNotAFailure() throws Exception {
        Repo a = repo();
        running = new Running(a, FAST, System::currentTimeMillis);
        Console quiet = new Console(
                new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()),
                new BufferedReader(new StringReader("")),
                false,
                false,
                false);
        try (RepoLock byHand = RepoLock.acquire(a.root, quiet)) {
            a.write("exp/data/r.txt", "waits for the run by hand\n");
            await(() -> log(a).contains("waiting: another lambda-sync (pid "), () -> log(a));
            assertEquals(null, bucket.text("exp/data/r.txt"), "not sent while the lock is held");
        }
        await(() -> "waits for the run by hand\n".equals(bucket.text("exp/data/r.txt")), () -> log(a));
        assertEquals(1, count(log(a), "waiting: another lambda-sync"), () -> "said once:\n" + log(a));
        assertTrue(!log(a).contains("failed"), () -> "a wait is not a failure:\n" + log(a));
        assertEquals("", running.err.toString(), "nothing on stderr: nothing needs a person");
        assertEquals(0, running.stop(), () -> log(a));
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
        assertEquals(2, a.run("watch", "--settle", "10", "--max-wait", "5").code(), "less than --settle");
        assertEquals(2, a.run("upload", "--max-wait", "60").code());
        assertTrue(unit.out().contains("TimeoutStopSec=300\n"), "the time watch's stop is planned for");
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
