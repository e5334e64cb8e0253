import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Path arguments after the mode (SYNC.md "Command reference"): one that names nothing is an error, never "nothing to do". */
class PathArgumentTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repo() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/results/run1.jsonl", "{}\n");
        return a;
    }

    static void assertUsage(Repo.Run r, String line) {
        assertEquals(2, r.code(), r::toString);
        assertEquals("lambda-sync: " + line + "\n", r.err(), r::toString);
    }

    @Test
    void aTypoOrAnUnexpandedGlobNamesNothingAndIsAUsageError() {
        Repo a = repo();
        for (String mode : new String[] {"upload", "download", "status"}) {
            assertUsage(
                    a.run(mode, "--yes", "exp/data/resluts"),
                    "no such file or folder here or in the bucket: exp/data/resluts");
        }
        assertUsage(
                a.run("upload", "--yes", "exp/data/results/*.csv"),
                "no such file or folder here or in the bucket: exp/data/results/*.csv");
        // The first path is fine; the second still stops the run before anything moves.
        assertUsage(
                a.run("upload", "--yes", "exp/data/results", "exp/reports/nope.md"),
                "no such file or folder here or in the bucket: exp/reports/nope.md");
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void aPathOnlyInTheBucketIsFine() {
        Repo a = repo();
        bucket.put("exp/data/other/x.txt", "x\n");
        bucket.put("exp/reports/r.md", "r\n");
        Repo.Run r = a.run("download", "--yes", "exp/data/other", "exp/reports/r.md");
        assertEquals(0, r.code(), r::toString);
        assertEquals("x\n", a.text("exp/data/other/x.txt"));
        assertEquals("r\n", a.text("exp/reports/r.md"));
    }

    @Test
    void anEmptyFolderHereNamesSomething() throws Exception {
        Repo a = repo();
        Files.createDirectories(a.path("exp/data/empty"));
        Repo.Run r = a.run("upload", "--yes", "exp/data/empty");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("nothing to do"), r::toString);
    }

    @Test
    void aPathExcludedBySyncignoreNamesTheLine() {
        Repo a = repo();
        a.write(".syncignore", "# scratch stays here\nscratch/\n*.tmp\n");
        a.write("exp/data/scratch/big.txt", "big\n");
        a.write("exp/data/run.tmp", "tmp\n");
        assertUsage(
                a.run("upload", "--yes", "exp/data/scratch"),
                "exp/data/scratch is excluded by .syncignore line 2 (scratch/); nothing to sync there");
        assertUsage(
                a.run("upload", "--yes", "exp/data/scratch/big.txt"),
                "exp/data/scratch/big.txt is excluded by .syncignore line 2 (scratch/); nothing to sync there");
        assertUsage(
                a.run("upload", "--yes", "exp/data/run.tmp"),
                "exp/data/run.tmp is excluded by .syncignore line 3 (*.tmp); nothing to sync there");
        // Only in the bucket, and a folder: the folders-only pattern still names it.
        bucket.put("exp/reports/scratch/r.txt", "r\n");
        assertUsage(
                a.run("download", "--yes", "exp/reports/scratch"),
                "exp/reports/scratch is excluded by .syncignore line 2 (scratch/); nothing to sync there");
        assertUsage(
                a.run("upload", "--yes", "exp/data/__pycache__"),
                "exp/data/__pycache__ is among the built-in excludes (SYNC.md \"What is synced\"); nothing to sync there");
        assertEquals(Map.of("exp/reports/scratch/r.txt", "r\n"), bucket.contents());
    }
}
