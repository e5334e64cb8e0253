import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folders that look like data but are not synced (SYNC.md "What is synced") are named in
 * every run and by doctor, and a run that leaves one behind exits 4, never a silent 0.
 */
class LayoutTest {
    static final String RULE = "only <top>/data/ and <top>/reports/ directly under the repo root are";

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repo() {
        return Repo.init(tmp.resolve("a"), bucket.config(tmp));
    }

    static void assertWarns(Repo.Run r, String line) {
        assertTrue(
                r.err().lines().anyMatch(l -> l.equals("warning: " + line)),
                () -> "expected the warning\n" + line + "\nin\n" + r);
    }

    @Test
    void topLevelDataAndReportsAreNamedAndTheRunExits4() {
        Repo a = repo();
        a.write("data/results.csv", "a,b\n");
        a.write("reports/summary.md", "# s\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains("nothing to do"), r::toString);
        assertWarns(
                r,
                "data/ is not synced: it is directly under the repo root, and " + RULE
                        + "; move it to a folder like main/data/, or add /data/ to .syncignore to keep it here unsynced (SYNC.md \"What is synced\")");
        assertTrue(
                r.err().contains("warning: reports/ is not synced: it is directly under the repo root"), r::toString);
        assertEquals(Map.of(), bucket.contents());

        Repo.Run doctor = a.run("doctor", "--read-only");
        assertTrue(
                doctor.out().contains("warn  data dirs: data/ is not synced: it is directly under the repo root"),
                doctor::toString);
        assertTrue(doctor.out().contains("warn  data dirs: reports/ is not synced"), doctor::toString);
    }

    @Test
    void deeperDataDirsAreNamed() {
        Repo a = repo();
        a.write("exp/data/x.txt", "x\n");
        a.write("a/b/data/deep.csv", "1\n");
        a.write("a/b/c/reports/deeper.md", "2\n");
        a.write("exp/data/sub/data/inside.txt", "synced with exp/data\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(4, r.code(), r::toString);
        assertWarns(
                r,
                "a/b/data/ is not synced: it is deeper than one folder below the repo root, and " + RULE
                        + "; move it to a folder like a/data/, or add /a/b/data/ to .syncignore to keep it here unsynced (SYNC.md \"What is synced\")");
        assertTrue(r.err().contains("warning: a/b/c/reports/ is not synced"), r::toString);
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("warning:")).count(), r::toString);
        assertEquals(
                Map.of("exp/data/x.txt", "x\n", "exp/data/sub/data/inside.txt", "synced with exp/data\n"),
                bucket.contents());
    }

    @Test
    void aSymlinkedDataDirIsNamedNotFollowedAndTheRunExits4() throws Exception {
        Repo a = repo();
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        Files.writeString(scratch.resolve("big.bin"), "big\n");
        Files.createDirectories(a.path("exp"));
        Files.createSymbolicLink(a.path("exp/data"), scratch);
        a.write("exp/reports/r.md", "r\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(4, r.code(), r::toString);
        assertWarns(
                r,
                "exp/data/ is a symlink (to " + scratch + "), so it is not synced: symlinks are never followed;"
                        + " move the data into the repo and link the other way round, or add /exp/data/ to .syncignore to keep it unsynced"
                        + " (SYNC.md \"What is synced\")");
        assertEquals(Map.of("exp/reports/r.md", "r\n"), bucket.contents());

        // A download never writes through it either.
        bucket.put("exp/data/from-bucket.txt", "no\n");
        Repo.Run down = a.run("download", "--yes");
        assertEquals(4, down.code(), down::toString);
        assertFalse(Files.exists(scratch.resolve("from-bucket.txt")));

        Repo.Run doctor = a.run("doctor", "--read-only");
        assertTrue(doctor.out().contains("warn  data dirs: exp/data/ is a symlink"), doctor::toString);
    }

    @Test
    void syncignoreSilencesANoteAndAPathArgumentLimitsTheExitCode() {
        Repo a = repo();
        a.write("data/results.csv", "a,b\n");
        a.write("exp/data/x.txt", "x\n");
        Repo.Run limited = a.run("upload", "--yes", "exp/data");
        assertEquals(0, limited.code(), limited::toString);
        assertTrue(limited.err().contains("warning: data/ is not synced"), limited::toString);

        a.write(".syncignore", "# kept here on purpose\n/data/\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertFalse(r.err().contains("warning"), r::toString);
        assertFalse(a.run("doctor", "--read-only").out().contains("warn  data dirs"));
    }

    @Test
    void codeAndToolFoldersAreNotSearched() {
        Repo a = repo();
        a.write("exp/data/x.txt", "x\n");
        for (String p : List.of(
                ".venv/lib/data/x", "web/node_modules/pkg/data/x", "src/__pycache__/data/x", ".hidden/a/data/x")) {
            a.write(p, "x");
        }
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertFalse(r.err().contains("warning"), r::toString);
    }
}
