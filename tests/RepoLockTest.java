import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lib.common.Console;
import lib.state.RepoLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One sync per repo at a time: {@code .lambda-sync/lock} is locked by the OS while a run holds
 * it and names the holder ("pid host"); a dead owner's lock is stale, another machine's only once
 * it stops being refreshed.
 */
class RepoLockTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repoWithResult() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/x.txt", "x\n");
        return a;
    }

    static void lock(Repo a, long pid) throws Exception {
        Files.createDirectories(a.path(".lambda-sync"));
        Files.writeString(a.path(".lambda-sync/lock"), pid + "\n");
    }

    @Test
    void aLockNamingTheLivePidOfAnUnrelatedProgramDoesNotBlock() throws Exception {
        Repo a = repoWithResult();
        Process unrelated = new ProcessBuilder("cat").start(); // blocks on its stdin until destroyed
        try {
            lock(a, unrelated.pid()); // the pid of a run before a reboot, now reused by another program

            Repo.Run r = a.run("upload", "--yes");

            assertEquals(0, r.code(), r::toString);
            assertTrue(
                    r.err()
                            .contains("warning: taking over a stale lock from pid " + unrelated.pid()
                                    + ", which is now another program (cat)"),
                    r::toString);
            assertEquals(Map.of("exp/data/x.txt", "x\n"), bucket.contents());
        } finally {
            unrelated.destroyForcibly();
            unrelated.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLockHeldByALiveProcessStopsTheRunWithExit1() throws Exception {
        Repo a = repoWithResult();
        // An older lambda-sync's run, which held no OS lock: its command line names the tool.
        Process other = new ProcessBuilder("sh", "-c", "sleep 60; :", "LambdaSync").start();
        try {
            lock(a, other.pid());
            for (String mode : new String[] {"upload", "download"}) {
                Repo.Run r = a.run(mode, "--yes");
                assertEquals(1, r.code(), r::toString);
                assertTrue(
                        r.err().contains("another lambda-sync (pid " + other.pid() + ") is syncing this repo"),
                        r::toString);
                assertTrue(r.err().contains(a.path(".lambda-sync/lock").toString()), r::toString);
            }
            assertEquals(Map.of(), bucket.contents());
            assertEquals(
                    other.pid() + "\n",
                    Files.readString(a.path(".lambda-sync/lock")),
                    "the other run's lock is left alone");
        } finally {
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void statusAndDryRunNeedNoLock() throws Exception {
        Repo a = repoWithResult();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            lock(a, other.pid());
            assertEquals(0, a.run("status").code());
            Repo.Run dry = a.run("upload", "--dry-run");
            assertEquals(0, dry.code(), dry::toString);
            assertTrue(dry.out().contains("exp/data/x.txt"), dry::toString);
        } finally {
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStaleLockFromADeadProcessIsTakenOverWithAWarning() throws Exception {
        Repo a = repoWithResult();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        lock(a, gone.pid());

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("warning: taking over a stale lock from pid " + gone.pid()), r::toString);
        assertEquals(Map.of("exp/data/x.txt", "x\n"), bucket.contents());
        assertReleased(a);
    }

    @Test
    void theLockIsReleasedAfterEveryRunEvenOneThatFails() {
        Repo a = repoWithResult();
        assertEquals(0, a.run("upload", "--yes").code());
        assertReleased(a);
        a.write("exp/data/x.txt", "x changed here\n");
        bucket.put("exp/data/x.txt", "x changed in the bucket\n");
        assertEquals(4, a.run("upload", "--yes").code());
        assertReleased(a);
        bucket.put("exp/data/y.txt", "y\n");
        assertEquals(3, a.run("download").code()); // not confirmed
        assertReleased(a);
    }

    static void assertReleased(Repo a) {
        assertTrue(
                !a.exists(".lambda-sync/lock") || a.text(".lambda-sync/lock").isEmpty(),
                "the lock is released after the run");
    }

    /** Holds a repo's lock in a process of its own until its stdin closes: {@code java RepoLockTest$Holder <repo>}. */
    static final class Holder {
        public static void main(String... args) throws Exception {
            java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            try (RepoLock lock = RepoLock.acquire(Path.of(args[0]), new Console(out, out, in, false, false, false))) {
                out.println("locked");
                in.readLine();
            }
        }
    }

    @Test
    void aLockHeldByAnotherProcessIsNotTakenEvenWhenItsFileLooksStale() throws Exception {
        Repo a = repoWithResult();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "RepoLockTest$Holder",
                        a.root.toString())
                .redirectErrorStream(true)
                .start();
        try {
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
            assertEquals("locked", lines.readLine());
            // What two runs racing for a stale lock would both see: a dead pid on this host.
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor(10, TimeUnit.SECONDS);
            lock(a, gone.pid());

            Repo.Run r = a.run("upload", "--yes");
            assertEquals(1, r.code(), r::toString);
            assertTrue(
                    r.err().contains("another lambda-sync (pid " + gone.pid() + ") is syncing this repo"), r::toString);
            assertEquals(Map.of(), bucket.contents());
        } finally {
            holder.getOutputStream().close();
            holder.waitFor(30, TimeUnit.SECONDS);
            holder.destroyForcibly();
        }
        Repo.Run after = a.run("upload", "--yes");
        assertEquals(0, after.code(), after::toString);
        assertFalse(after.err().contains("stale"), "released cleanly: " + after);
        assertReleased(a);
    }

    @Test
    void anotherMachinesLockIsNotTakenOverWhileItIsRefreshed() throws Exception {
        Repo a = repoWithResult();
        Files.createDirectories(a.path(".lambda-sync"));
        Files.writeString(a.path(".lambda-sync/lock"), "4242 gpu-instance-7\n");

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(1, r.code(), r::toString);
        assertTrue(
                r.err()
                        .contains(
                                "another lambda-sync (pid 4242 on host gpu-instance-7) is syncing this repo, refreshed"),
                r::toString);
        assertTrue(r.err().contains("stale after 10 min"), r::toString);
        assertEquals("4242 gpu-instance-7\n", Files.readString(a.path(".lambda-sync/lock")));

        a.mtime(".lambda-sync/lock", System.currentTimeMillis() - 11 * 60_000);
        Repo.Run later = a.run("upload", "--yes");
        assertEquals(0, later.code(), later::toString);
        assertTrue(
                later.err()
                        .contains(
                                "warning: taking over a lock from pid 4242 on host gpu-instance-7, not refreshed for 11 min"),
                later::toString);
        assertEquals(Map.of("exp/data/x.txt", "x\n"), bucket.contents());
    }

    @Test
    void theLockFileNamesThisHostAndPidWhileHeld() throws Exception {
        Repo a = repoWithResult();
        Console quiet = new Console(
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.BufferedReader(java.io.Reader.nullReader()),
                false,
                false,
                false);
        try (RepoLock held = RepoLock.acquire(a.root, quiet)) {
            assertEquals(
                    ProcessHandle.current().pid() + " " + RepoLock.hostName() + "\n",
                    Files.readString(a.path(".lambda-sync/lock")));
            Repo.Run r = a.run("upload", "--yes");
            assertEquals(1, r.code(), r::toString);
        }
        assertReleased(a);
    }

    @Test
    void theHolderKeepsRefreshingTheLockSoOtherMachinesSeeItAlive() throws Exception {
        Repo a = repoWithResult();
        Console quiet = new Console(
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.BufferedReader(java.io.Reader.nullReader()),
                false,
                false,
                false);
        try (RepoLock held = RepoLock.acquire(a.root, quiet, java.time.Duration.ofMillis(50))) {
            long old = System.currentTimeMillis() - 3_600_000;
            a.mtime(".lambda-sync/lock", old);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (a.mtime(".lambda-sync/lock") == old && System.nanoTime() < deadline) Thread.sleep(10);
            assertTrue(a.mtime(".lambda-sync/lock") > old, "the lock's modification time was refreshed");
        }
    }
}
