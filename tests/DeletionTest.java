import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What --delete may destroy (SYNC.md, "The sync rules" and "The trash"): only this machine's
 * own deletions pass on; what this machine never saw stays unless --delete --force; whatever
 * goes is kept in the trash first. Two clones sharing one bucket stand for two machines.
 */
class DeletionTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    /** Machines a and b, both in sync with the bucket holding f1 and f2. */
    Repo[] twoMachines() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/f1.txt", "f1\n");
        a.write("exp/data/f2.txt", "f2\n");
        assertEquals(0, a.run("upload", "--yes").code());
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        return new Repo[] {a, b};
    }

    @Test
    void uploadDeletePassesOnThisMachinesDeletionsButNotAnotherMachinesNewResult() {
        Repo[] m = twoMachines();
        Repo a = m[0], b = m[1];
        a.write("exp/data/a-result.txt", "a's new result\n");
        assertEquals(0, a.run("upload", "--yes").code()); // then a shuts down
        b.delete("exp/data/f1.txt");

        Repo.Run r = b.run("upload", "--delete", "--yes");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("exp/data/a-result.txt  new in bucket, never synced here"), r::toString);
        assertEquals(Map.of("exp/data/a-result.txt", "a's new result\n", "exp/data/f2.txt", "f2\n"), bucket.contents());
        assertEquals("f1\n", bucket.trashed("exp/data/f1.txt"), "the deleted object is kept in the bucket's trash");
        assertNull(b.trashed("exp/data/f1.txt"), "by the server: not downloaded here");

        Repo.Run forced = b.run("upload", "--delete", "--force", "--yes");
        assertEquals(0, forced.code(), forced::toString);
        assertEquals(Map.of("exp/data/f2.txt", "f2\n"), bucket.contents());
        assertEquals("a's new result\n", bucket.trashed("exp/data/a-result.txt"), "--delete --force keeps a copy too");
    }

    @Test
    void downloadDeleteKeepsALocalFileNeverSyncedUnlessForced() {
        Repo[] m = twoMachines();
        Repo a = m[0], b = m[1];
        b.write("exp/data/b-draft.txt", "b's draft, never uploaded\n");
        a.delete("exp/data/f1.txt");
        assertEquals(0, a.run("upload", "--delete", "--yes").code());

        Repo.Run r = b.run("download", "--delete", "--yes");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("exp/data/b-draft.txt  new here, never uploaded"), r::toString);
        assertEquals(
                Map.of("exp/data/b-draft.txt", "b's draft, never uploaded\n", "exp/data/f2.txt", "f2\n"),
                b.dataFiles());
        assertEquals("f1\n", b.trashed("exp/data/f1.txt"));
        assertNull(b.trashed("exp/data/b-draft.txt"));

        Repo.Run forced = b.run("download", "--delete", "--force", "--yes");
        assertEquals(0, forced.code(), forced::toString);
        assertFalse(b.exists("exp/data/b-draft.txt"));
        assertEquals("b's draft, never uploaded\n", b.trashed("exp/data/b-draft.txt"));
    }

    @Test
    void uploadForceOverAnotherMachinesEditKeepsTheBucketCopy() {
        Repo[] m = twoMachines();
        Repo a = m[0], b = m[1];
        a.write("exp/data/f2.txt", "f2 edited on a\n", 1_700_000_100_000L);
        assertEquals(0, a.run("upload", "--yes").code());
        b.write("exp/data/f2.txt", "f2 edited on b\n", 1_700_000_200_000L);

        Repo.Run plan = b.run("upload", "--force", "--dry-run");
        assertTrue(
                plan.out()
                        .contains(
                                "exp/data/f2.txt (15 B)  conflict overwritten (--force) (bucket copy kept in .lambda-sync/trash/)"),
                plan::toString);
        Repo.Run r = b.run("upload", "--force", "--yes");

        assertEquals(0, r.code(), r::toString);
        assertEquals("f2 edited on b\n", bucket.text("exp/data/f2.txt"));
        assertEquals("f2 edited on a\n", bucket.trashed("exp/data/f2.txt"));
    }

    @Test
    void aDryRunDeletesNothingInTheBucketNorHere() {
        Repo[] m = twoMachines();
        Repo a = m[0], b = m[1];
        b.delete("exp/data/f1.txt");

        Repo.Run up = b.run("upload", "--delete", "--dry-run");
        assertEquals(0, up.code(), up::toString);
        assertTrue(up.out().contains("dry run: nothing changed"), up::toString);
        assertEquals(Map.of("exp/data/f1.txt", "f1\n", "exp/data/f2.txt", "f2\n"), bucket.contents());
        assertEquals(Map.of(), bucket.trash(), "nothing kept: nothing went");

        assertEquals(0, b.run("upload", "--delete", "--yes").code());
        Repo.Run down = a.run("download", "--delete", "--dry-run");
        assertEquals(0, down.code(), down::toString);
        assertTrue(down.out().contains("dry run: nothing changed"), down::toString);
        assertEquals(Map.of("exp/data/f1.txt", "f1\n", "exp/data/f2.txt", "f2\n"), a.dataFiles());
        assertNull(a.trashed("exp/data/f1.txt"));

        Repo.Run real = a.run("download", "--delete", "--yes"); // the plan did delete: the dry run held it back
        assertEquals(0, real.code(), real::toString);
        assertEquals(Map.of("exp/data/f2.txt", "f2\n"), a.dataFiles());
        assertEquals("f1\n", a.trashed("exp/data/f1.txt"));
    }
}
