import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trash as a user meets it (SYNC.md, "The trash"): real runs put files there with a reason,
 * {@code trash} lists them, {@code trash restore} puts them back without overwriting a file that
 * differs, and {@code trash prune --older-than} deletes only old folders and says what it frees.
 */
class TrashTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    /** b downloaded f and g; then a changed f and deleted g, and b took both over: f's and g's old copies are in b's trash. */
    Repo trashedOnB() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/f.txt", "f v1\n");
        a.write("exp/data/sub/g.txt", "g\n");
        a.write("exp/data/h.txt", "h\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        a.write("exp/data/f.txt", "f v2 from a\n");
        a.delete("exp/data/sub/g.txt");
        Repo.assertExit(0, a.run("upload", "--delete", "--yes"));
        Repo.assertExit(0, b.run("download", "--delete", "--yes"));
        assertEquals("f v2 from a\n", b.text("exp/data/f.txt"));
        assertFalse(b.exists("exp/data/sub/g.txt"));
        return b;
    }

    @Test
    void listsWhenWhyAndSizeOfEachTrashedFile() {
        Repo b = trashedOnB();
        Repo.Run r = b.run("trash");
        Repo.assertExit(0, r);
        assertTrue(r.out().startsWith("trash: 2 files, 7 B in 1 folder(s) of .lambda-sync/trash/"), r::toString);
        assertTrue(
                r.out().matches("(?s).*\\n\\d{8}-\\d{6}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: 2 files, 7 B\\n.*"),
                r::toString);
        assertTrue(r.out().contains("  exp/data/f.txt (5 B)  overwritten by download\n"), r::toString);
        assertTrue(r.out().contains("  exp/data/sub/g.txt (2 B)  deleted by --delete\n"), r::toString);
    }

    /** A folder made on the minute shows its seconds too (LocalTime's own text drops ":00"). */
    @Test
    void aFolderMadeOnTheMinuteShowsItsSeconds() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write(".lambda-sync/trash/20200101-120000/exp/data/x.txt", "x\n");
        Repo.Run r = a.run("trash");
        Repo.assertExit(0, r);
        assertTrue(r.out().contains("\n20200101-120000  2020-01-01 12:00:00: 1 file, 2 B\n"), r::toString);
    }

    @Test
    void anEmptyTrashSaysSo() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        Repo.Run r = a.run("trash");
        Repo.assertExit(0, r);
        assertEquals(
                "trash: empty (.lambda-sync/trash/)\nbucket trash: empty (.lambda-sync/trash/ in bucket '" + bucket.name
                        + "' at " + bucket.server.endpoint + ")\n",
                r.out());
    }

    @Test
    void theBucketCopyAForcedUploadOverwroteIsListedAsSuch() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        bucket.put("exp/data/x.txt", "another machine's x\n");
        a.write("exp/data/x.txt", "mine\n");
        Repo.assertExit(4, a.run("upload", "--yes"));
        Repo.assertExit(0, a.run("upload", "--yes", "--force"));
        Repo.Run r = a.run("trash");
        assertTrue(
                r.out().contains("  exp/data/x.txt (20 B)  bucket copy kept before --force overwrote it\n"),
                r::toString);
    }

    @Test
    void restorePutsAFileBackAndRefusesToOverwriteOneThatDiffers() {
        Repo b = trashedOnB();
        long mtime = Files.exists(b.path("exp/data/h.txt")) ? b.mtime("exp/data/h.txt") : 0;
        Repo.Run back = b.run("trash", "restore", "exp/data/sub/g.txt");
        Repo.assertExit(0, back);
        assertTrue(back.out().contains("restored: exp/data/sub/g.txt (2 B, from "), back::toString);
        assertEquals("g\n", b.text("exp/data/sub/g.txt"));
        assertNull(b.trashed("exp/data/sub/g.txt"), "no longer in the trash");

        Repo.Run refused = b.run("trash", "restore", "exp/data/f.txt");
        Repo.assertExit(4, refused);
        assertTrue(
                refused.err()
                        .contains("not restored: exp/data/f.txt: a different file is there now; move it away first"),
                refused::toString);
        assertEquals("f v2 from a\n", b.text("exp/data/f.txt"), "the file there now is untouched");
        assertEquals("f v1\n", b.trashed("exp/data/f.txt"), "and the trashed copy stays");

        b.delete("exp/data/f.txt");
        Repo.assertExit(0, b.run("trash", "restore", "exp/data/f.txt"));
        assertEquals("f v1\n", b.text("exp/data/f.txt"));
        assertTrue(b.run("trash").out().startsWith("trash: empty (.lambda-sync/trash/)\n"));
        assertEquals(List.of(), folders(b), "an emptied folder goes, with its .why.tsv");
        assertEquals(mtime, b.mtime("exp/data/h.txt"), "nothing else touched");
    }

    @Test
    void restoreByTimeBringsBackTheWholeFolderAndSameContentIsAlreadyBack() {
        Repo b = trashedOnB();
        String time = folders(b).get(0);
        b.delete("exp/data/f.txt");
        b.write("exp/data/sub/g.txt", "g\n"); // the same content, put back by hand
        Repo.Run r = b.run("trash", "restore", time);
        Repo.assertExit(0, r);
        assertTrue(r.out().contains("restored: exp/data/f.txt"), r::toString);
        assertTrue(
                r.out().contains("already there (same content), removed from the trash: exp/data/sub/g.txt"),
                r::toString);
        assertEquals("f v1\n", b.text("exp/data/f.txt"));
        assertEquals(List.of(), folders(b));
    }

    @Test
    void restoreWritesOnlyInsideDataDirsWhateverTheTrashFolderHolds() {
        Repo b = trashedOnB();
        String time = folders(b).get(0);
        // Planted by hand (or by a bad unpack): a git hook, a code file, a nested repo's hook in a data dir.
        b.write(".lambda-sync/trash/" + time + "/.git/hooks/post-commit", "#!/bin/sh\necho owned\n");
        b.write(".lambda-sync/trash/" + time + "/train.py", "print('not from a sync')\n");
        b.write(".lambda-sync/trash/" + time + "/exp/data/repo/.git/hooks/post-commit", "#!/bin/sh\n");
        b.delete("exp/data/f.txt");

        Repo.Run r = b.run("trash", "restore", time);

        Repo.assertExit(4, r);
        assertFalse(b.exists(".git/hooks/post-commit"), r::toString);
        assertEquals(Repo.CODE, b.text("train.py"), r::toString);
        assertFalse(b.exists("exp/data/repo/.git"), r::toString);
        assertTrue(
                r.err().contains("not restored: .git/hooks/post-commit: not in a data dir (*/data/, */reports/)"),
                r::toString);
        assertEquals("f v1\n", b.text("exp/data/f.txt"), "what a sync trashed still comes back");
    }

    @Test
    void restoreOfSomethingTheTrashDoesNotHoldIsAUsageError() {
        Repo b = trashedOnB();
        Repo.Run r = b.run("trash", "restore", "exp/data/nope.txt");
        Repo.assertExit(2, r);
        assertEquals(
                "lambda-sync: nothing in the trash matches exp/data/nope.txt (trash lists what it holds)\n", r.err());
        Repo.assertExit(2, b.run("trash", "restore"));
        Repo.assertExit(2, b.run("trash", "empty"));
    }

    @Test
    void pruneDeletesOnlyFoldersOlderThanAskedAndSaysWhatItFrees() {
        Repo b = trashedOnB();
        String recent = folders(b).get(0);
        b.write(".lambda-sync/trash/20200101-000000/exp/data/old.bin", new byte[2048]);
        b.write(".lambda-sync/trash/20200101-000000/exp/data/older.txt", "x\n");
        b.write(".lambda-sync/trash/20200202-000000/exp/reports/r.md", "r\n");

        Repo.Run unbounded = b.run("trash", "prune");
        Repo.assertExit(2, unbounded);
        assertTrue(
                unbounded
                        .err()
                        .contains(
                                "trash prune needs --older-than <age> (e.g. 30d or 12h): nothing is pruned without it"),
                unbounded::toString);
        Repo.assertExit(2, b.run("trash", "prune", "--older-than", "a month"));
        assertEquals(3, folders(b).size(), "nothing pruned by a refused command");

        Repo.Run r = b.run("trash", "prune", "--older-than", "30d");
        Repo.assertExit(0, r);
        assertTrue(r.out().contains("pruned 20200101-000000: 2 files, 2.0 KiB\n"), r::toString);
        assertTrue(r.out().contains("pruned 20200202-000000: 1 file, 2 B\n"), r::toString);
        assertTrue(r.out().contains("freed 2.0 KiB (3 files in 2 folder(s)); 1 folder(s) kept\n"), r::toString);
        assertEquals(List.of(recent), folders(b));
        assertEquals("f v1\n", b.trashed("exp/data/f.txt"), "the recent folder is whole");
    }

    @Test
    void optionsTheTrashDoesNotUseAreRefused() {
        Repo b = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        Repo.assertExit(2, b.run("trash", "--json"));
        Repo.assertExit(2, b.run("trash", "--older-than", "30d"));
        Repo.assertExit(2, b.run("upload", "--older-than", "30d"));
    }

    static List<String> folders(Repo r) {
        Path t = r.path(".lambda-sync/trash");
        if (!Files.isDirectory(t)) return List.of();
        try (var s = Files.list(t)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
