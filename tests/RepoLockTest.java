import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One sync per repo at a time: {@code .lambda-sync/lock} holds the owner's PID; a dead owner's lock is stale. */
class RepoLockTest {
    @TempDir Path tmp;
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
    void aLockHeldByALiveProcessStopsTheRunWithExit1() throws Exception {
        Repo a = repoWithResult();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            lock(a, other.pid());
            for (String mode : new String[] {"upload", "download"}) {
                Repo.Run r = a.run(mode, "--yes");
                assertEquals(1, r.code(), r::toString);
                assertTrue(r.err().contains("another lambda-sync (pid " + other.pid() + ") is syncing this repo"), r::toString);
                assertTrue(r.err().contains(a.path(".lambda-sync/lock").toString()), r::toString);
            }
            assertEquals(Map.of(), bucket.contents());
            assertEquals(other.pid() + "\n", Files.readString(a.path(".lambda-sync/lock")), "the other run's lock is left alone");
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
        assertFalse(a.exists(".lambda-sync/lock"), "released after the run");
    }

    @Test
    void theLockIsReleasedAfterEveryRunEvenOneThatFails() {
        Repo a = repoWithResult();
        assertEquals(0, a.run("upload", "--yes").code());
        assertFalse(a.exists(".lambda-sync/lock"));
        a.write("exp/data/x.txt", "x changed here\n");
        bucket.put("exp/data/x.txt", "x changed in the bucket\n");
        assertEquals(4, a.run("upload", "--yes").code());
        assertFalse(a.exists(".lambda-sync/lock"));
        bucket.put("exp/data/y.txt", "y\n");
        assertEquals(3, a.run("download").code()); // not confirmed
        assertFalse(a.exists(".lambda-sync/lock"));
    }
}
