import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool end to end against the suite's real S3 server: a real git repo, real files, the
 * real bucket. Each test asserts what is in the bucket and on disk, the exit code and the
 * printed plan. The rule table itself is {@link SyncRuleTest}.
 */
class SyncEngineTest {
    static final long T0 = 1_700_000_000_123L; // a modification time with milliseconds

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repo() {
        return Repo.init(tmp.resolve("a"), bucket.config(tmp));
    }

    static void assertSays(Repo.Run r, String... phrases) {
        for (String p : phrases) assertTrue(r.out().contains(p), () -> "expected '" + p + "' in\n" + r);
    }

    static void assertNothingToDo(Repo.Run r) {
        Repo.assertExit(0, r);
        assertSays(r, "nothing to do");
        assertFalse(r.out().contains("done:"), r::toString);
    }

    /** Typical results: nested files, a reports dir, a second experiment, binary and empty files. */
    static void writeResults(Repo a) {
        a.write("exp/data/results/run1.jsonl", "{\"loss\": 0.5}\n", T0);
        a.write("exp/data/results/deep/er/run2.jsonl", "{\"loss\": 0.25}\n", T0 + 1_001);
        byte[] bin = new byte[300_000];
        new Random(1).nextBytes(bin);
        a.write("exp/data/weights.bin", bin);
        a.mtime("exp/data/weights.bin", T0 + 2_345);
        a.write("exp/reports/summary.md", "# summary\n"); // natural mtime, nanoseconds and all
        a.write("exp2/data/empty.txt", "", T0 + 7);
    }

    // ---- round trip --------------------------------------------------------------------------

    @Test
    void uploadThenDownloadIntoFreshCloneIsByteIdenticalWithTimesKept() {
        Repo a = repo();
        writeResults(a);
        Repo.Run up = a.run("upload", "--yes");
        Repo.assertExit(0, up);
        assertSays(up, "upload: this machine -> bucket '" + bucket.name + "'", "upload", "5 files", "done: 5 item(s)");
        assertEquals(
                a.dataFiles(), bucket.contents(), "the bucket holds exactly the data files, key = repo-relative path");

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        Repo.assertExit(0, down);
        assertSays(down, "download: bucket '" + bucket.name + "'", "-> this machine", "done: 5 item(s)");
        assertEquals(a.dataFiles(), b.dataFiles());
        // The tool keeps modification times to the millisecond (S3 "mtime" metadata, as rclone writes it).
        assertEquals(a.dataMtimes(), b.dataMtimes());
        assertEquals(Repo.CODE, b.text("train.py"));
        assertEquals(Repo.CODE, b.text("exp/model.py"));
        assertEquals("", b.git("status", "--porcelain"), "the clone's working tree is clean apart from ignored data");
    }

    @Test
    void secondUploadAndDownloadWithNoChangeDoNothing() {
        Repo a = repo();
        writeResults(a);
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        Map<String, String> bucketBefore = bucket.contents();
        Map<String, Long> timesBefore = b.dataMtimes();

        // No --yes and no terminal: a no-op needs no confirmation.
        assertNothingToDo(a.run("upload"));
        assertNothingToDo(a.run("download"));
        assertNothingToDo(b.run("download"));
        assertNothingToDo(b.run("upload")); // what a download recorded also counts for uploads
        assertSays(b.run("upload"), "5 files already in sync");
        assertEquals(bucketBefore, bucket.contents());
        assertEquals(timesBefore, b.dataMtimes());
    }

    @Test
    void touchedButUnchangedFileIsRecordedNotUploaded() {
        Repo a = repo();
        a.write("exp/data/x.txt", "same bytes\n", T0);
        Repo.assertExit(0, a.run("upload", "--yes"));
        Map<String, String> meta = bucket.metadata("exp/data/x.txt");
        a.mtime("exp/data/x.txt", T0 + 60_000);

        Repo.Run r = a.run("upload", "--yes");
        Repo.assertExit(0, r);
        assertSays(r, "record as in sync");
        assertEquals(Set.of(), section(r, "upload:"), r::toString);
        assertEquals(
                meta,
                bucket.metadata("exp/data/x.txt"),
                "not uploaded again: the object still has the first upload's mtime");
        assertNothingToDo(a.run("upload"));
    }

    // ---- never lose results ------------------------------------------------------------------

    @Test
    void freshMachineThatNeverDownloadedUploadsItsResultsAndBucketKeepsTheRest() {
        Repo a = repo();
        writeResults(a);
        Repo.assertExit(0, a.run("upload", "--yes"));
        Map<String, String> before = bucket.contents();

        Repo fresh = a.cloneTo(tmp.resolve("fresh"));
        fresh.write("exp/data/results/run3.jsonl", "{\"loss\": 0.125}\n");
        fresh.write("exp3/reports/new.md", "new\n");
        Repo.Run r = fresh.run("upload", "--yes");
        Repo.assertExit(0, r);
        assertSays(r, "new in bucket, never synced here", "done: 2 item(s)");

        Map<String, String> expected = new TreeMap<>(before);
        expected.put("exp/data/results/run3.jsonl", "{\"loss\": 0.125}\n");
        expected.put("exp3/reports/new.md", "new\n");
        assertEquals(expected, bucket.contents());
    }

    @Test
    void freshMachineWithADifferentFileOfTheSameNameGetsAConflictNotAnOverwrite() {
        Repo a = repo();
        a.write("exp/data/results.json", "{\"from\": \"a\"}\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo fresh = a.cloneTo(tmp.resolve("fresh"));
        fresh.write("exp/data/results.json", "{\"from\": \"the fresh machine\"}\n");

        Repo.Run r = fresh.run("upload", "--yes");
        Repo.assertExit(4, r);
        assertSays(
                r,
                "conflict",
                "exp/data/results.json",
                "upload --force keeps yours (the bucket's goes to .lambda-sync/trash/)",
                "download --force takes the bucket's (yours goes to .lambda-sync/trash/)");
        assertEquals("{\"from\": \"a\"}\n", bucket.text("exp/data/results.json"));
    }

    @Test
    void downloadNeverOverwritesALocalChangeThatWasNotUploaded() {
        Repo a = repo();
        a.write("exp/data/f.txt", "v1\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));

        a.write("exp/data/f.txt", "v2 from a\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        b.write("exp/data/f.txt", "b's unsaved work\n");
        b.write("exp/data/g.txt", "b's other new result\n");

        Repo.Run r = b.run("download", "--yes");
        Repo.assertExit(4, r);
        assertSays(r, "conflicts (untouched)", "exp/data/f.txt", "new here, never uploaded");
        assertEquals("b's unsaved work\n", b.text("exp/data/f.txt"));
        assertEquals("b's other new result\n", b.text("exp/data/g.txt"));
        assertNull(b.trashed("exp/data/f.txt"));

        Repo.Run forced = b.run("download", "--yes", "--force");
        Repo.assertExit(0, forced);
        assertSays(forced, "[local copy to .lambda-sync/trash/]");
        assertEquals("v2 from a\n", b.text("exp/data/f.txt"));
        assertEquals(
                "b's unsaved work\n", b.trashed("exp/data/f.txt"), "the overwritten local copy is kept in the trash");
        assertEquals("b's other new result\n", b.text("exp/data/g.txt"));
    }

    @Test
    void deleteRemovesOnlyWhatThePlanNamed() {
        Repo a = repo();
        for (String f : List.of("f1", "f2", "f3", "f4")) a.write("exp/data/" + f + ".txt", f + "\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        a.delete("exp/data/f1.txt");
        b.write("exp/data/f2.txt", "f2 changed on b\n");
        Repo.assertExit(0, b.run("upload", "--yes"));
        bucket.put("exp/data/f5.txt", "only in bucket\n");

        Repo.Run plan = a.run("upload", "--delete", "--dry-run");
        Repo.assertExit(0, plan);
        Set<String> named = section(plan, "delete in bucket:");
        assertEquals(Set.of("exp/data/f1.txt"), named, "f5 was never seen here: --delete alone keeps it");

        Set<String> before = bucket.contents().keySet();
        Repo.Run r = a.run("upload", "--delete", "--yes");
        Repo.assertExit(0, r);
        Set<String> gone = new HashSet<>(before);
        gone.removeAll(bucket.contents().keySet());
        assertEquals(named, gone);
        assertEquals(
                "f2 changed on b\n", bucket.text("exp/data/f2.txt"), "changed in the bucket: kept even with --delete");
        assertEquals(
                Map.of(
                        "exp/data/f2.txt",
                        "f2 changed on b\n",
                        "exp/data/f3.txt",
                        "f3\n",
                        "exp/data/f4.txt",
                        "f4\n",
                        "exp/data/f5.txt",
                        "only in bucket\n"),
                bucket.contents());
        assertEquals("f1\n", bucket.trashed("exp/data/f1.txt"), "the bucket's copy is kept in its trash");
    }

    /** The items listed under a plan heading such as "delete in bucket:". */
    static Set<String> section(Repo.Run r, String heading) {
        Set<String> items = new HashSet<>();
        boolean in = false;
        for (String line : r.out().split("\n")) {
            if (line.equals(heading)) {
                in = true;
            } else if (in && line.startsWith("  ") && !line.startsWith("  plan id")) {
                items.add(line.substring(2).split("  ", 2)[0].replaceAll(" \\([0-9.]+ [KMG]?i?B\\)$", ""));
            } else {
                in = false;
            }
        }
        return items;
    }

    // ---- plan first, one confirmation ---------------------------------------------------------

    @Test
    void dryRunPrintsThePlanAndChangesNothing() {
        Repo a = repo();
        a.write("exp/data/new.txt", "new\n");
        bucket.put("exp/data/theirs.txt", "theirs\n");

        Repo.Run up = a.run("upload", "--dry-run", "--delete");
        Repo.assertExit(0, up);
        assertSays(up, "exp/data/new.txt", "exp/data/theirs.txt", "dry run: nothing changed");
        Repo.Run down = a.run("download", "--dry-run", "--delete");
        Repo.assertExit(0, down);
        assertSays(down, "exp/data/new.txt", "exp/data/theirs.txt", "dry run: nothing changed");

        assertEquals(Map.of("exp/data/theirs.txt", "theirs\n"), bucket.contents());
        assertEquals(Map.of("exp/data/new.txt", "new\n"), a.dataFiles());
        assertFalse(a.exists(".lambda-sync/state"), "a dry run records no state");
    }

    @Test
    void withoutYesAndWithoutTerminalItPrintsThePlanAndExits3() {
        Repo a = repo();
        a.write("exp/data/new.txt", "new\n");
        bucket.put("exp/data/theirs.txt", "theirs\n");

        Repo.Run up = a.run("upload");
        Repo.assertExit(3, up);
        assertSays(up, "upload", "exp/data/new.txt");
        assertTrue(up.err().contains("--yes"), up::toString);
        Repo.Run down = a.run("download");
        Repo.assertExit(3, down);
        assertSays(down, "download", "exp/data/theirs.txt");

        assertEquals(Map.of("exp/data/theirs.txt", "theirs\n"), bucket.contents());
        assertEquals(Map.of("exp/data/new.txt", "new\n"), a.dataFiles());
        assertFalse(a.exists(".lambda-sync/state"));
    }

    @Test
    void onATerminalOnlyYesProceeds() {
        Repo a = repo();
        a.write("exp/data/new.txt", "new\n");
        Repo.Run no = a.runAnswering("n", "upload");
        Repo.assertExit(3, no);
        assertTrue(no.err().contains("Proceed? [y/N]"), no::toString);
        assertEquals(Map.of(), bucket.contents());

        Repo.Run yes = a.runAnswering("y", "upload");
        Repo.assertExit(0, yes);
        assertEquals(Map.of("exp/data/new.txt", "new\n"), bucket.contents());
    }

    @Test
    void largeDeletionNamesItsCountInTheQuestion() {
        Repo a = repo();
        for (int i = 0; i < 60; i++) a.write(String.format("exp/data/f%02d.txt", i), "x" + i);
        Repo.assertExit(0, a.run("upload", "--yes"));
        for (int i = 0; i < 60; i++) a.delete(String.format("exp/data/f%02d.txt", i));

        Repo.Run r = a.runAnswering("n", "upload", "--delete", "--max-delete", "60");
        Repo.assertExit(3, r);
        assertTrue(r.err().contains("Proceed? This DELETES 60 files in the bucket"), r::toString);
        assertEquals(60, bucket.contents().size());
    }

    // ---- what is synced ------------------------------------------------------------------------

    @Test
    void pathArgumentsLimitTheSyncToASubtree() {
        Repo a = repo();
        a.write("exp/data/a/1.txt", "a1\n");
        a.write("exp/data/a/2.txt", "a2\n");
        a.write("exp/data/b/1.txt", "b1\n");
        a.write("exp/reports/r.md", "r\n");
        Repo.assertExit(0, a.run("upload", "--yes", "exp/data/a"));
        assertEquals(Map.of("exp/data/a/1.txt", "a1\n", "exp/data/a/2.txt", "a2\n"), bucket.contents());

        // A path relative to the working directory, and a single file.
        Repo.assertExit(0, a.runIn(a.path("exp"), null, "upload", "--yes", "reports/r.md"));
        assertEquals(
                Set.of("exp/data/a/1.txt", "exp/data/a/2.txt", "exp/reports/r.md"),
                bucket.contents().keySet());

        bucket.put("exp/data/b/remote.txt", "remote\n");
        bucket.put("exp/data/a/remote.txt", "remote a\n");
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes", "exp/data/a");
        Repo.assertExit(0, down);
        assertSays(down, "limited to exp/data/a");
        assertEquals(
                Map.of("exp/data/a/1.txt", "a1\n", "exp/data/a/2.txt", "a2\n", "exp/data/a/remote.txt", "remote a\n"),
                b.dataFiles());
    }

    @Test
    void aPathThatExistsOnlyInTheBucketCanBeDownloaded() {
        Repo a = repo();
        bucket.put("exp/data/run7/metrics.json", "{}\n");
        bucket.put("exp/data/run7/metrics.json.bak", "old\n");
        bucket.put("exp/data/run8/metrics.json", "{}\n");
        bucket.put("exp/data/run8b/metrics.json", "a sibling, not below run8\n");

        Repo.Run file = a.run("download", "--yes", "exp/data/run7/metrics.json");
        Repo.assertExit(0, file);
        assertEquals(Map.of("exp/data/run7/metrics.json", "{}\n"), a.dataFiles());
        Repo.Run dir = a.run("download", "--yes", "exp/data/run8");
        Repo.assertExit(0, dir);
        assertEquals(Map.of("exp/data/run7/metrics.json", "{}\n", "exp/data/run8/metrics.json", "{}\n"), a.dataFiles());
    }

    @Test
    void pathOutsideTheDataDirsIsAUsageError() {
        Repo a = repo();
        a.write("exp/data/x.txt", "x\n");
        for (String bad : List.of("exp", "train.py", "exp/model.py", ".git", "..", tmp.toString())) {
            Repo.Run r = a.run("upload", "--yes", bad);
            Repo.assertExit(2, r);
            assertTrue(r.err().contains(bad), r::toString);
        }
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void syncignoreAndBuiltinExcludesAreNeitherUploadedNorDownloaded() {
        Repo a = repo();
        a.write(".syncignore", "# scratch stays here\n*.tmp\nexp/data/scratch/\n");
        a.write("exp/data/keep.txt", "keep\n");
        a.write("exp/data/run.tmp", "tmp\n");
        a.write("exp/data/scratch/big.txt", "scratch\n");
        a.write("exp/data/.ipynb_checkpoints/nb-checkpoint.ipynb", "{}\n");
        a.write("exp/data/__pycache__/m.cpython-311.pyc", "pyc");
        a.write("exp/data/.notes.txt.swp", "swap");
        a.write("exp/data/.venv/lib/site.py", "venv");
        a.write("exp/reports/sub/.ipynb_checkpoints/x", "x");
        Repo.assertExit(0, a.run("upload", "--yes"));
        assertEquals(Map.of("exp/data/keep.txt", "keep\n"), bucket.contents());

        bucket.put("exp/data/remote.tmp", "tmp\n");
        bucket.put("exp/data/scratch/remote.txt", "scratch\n");
        bucket.put("exp/data/__pycache__/remote.pyc", "pyc");
        Repo b = a.cloneTo(tmp.resolve("b"));
        b.write(".syncignore", "# scratch stays here\n*.tmp\nexp/data/scratch/\n");
        Repo.assertExit(0, b.run("download", "--yes"));
        assertEquals(Map.of("exp/data/keep.txt", "keep\n"), b.dataFiles());
    }

    @Test
    void codeFilesAreNeverUploadedAndKeysOutsideDataDirsAreNotDownloaded() {
        Repo a = repo();
        a.write("exp/data/x.txt", "x\n");
        a.write("exp/notes.md", "local notes, not data\n");
        bucket.put("train.py", "print('evil')\n");
        bucket.put("exp/model.py", "print('evil')\n");
        bucket.put("exp/notes.md", "bucket notes\n");
        bucket.put("exp/checkpoints/c.pt", "ckpt");

        Repo.assertExit(0, a.run("upload", "--yes"));
        assertEquals(
                Map.of(
                        "train.py",
                        "print('evil')\n",
                        "exp/model.py",
                        "print('evil')\n",
                        "exp/notes.md",
                        "bucket notes\n",
                        "exp/checkpoints/c.pt",
                        "ckpt",
                        "exp/data/x.txt",
                        "x\n"),
                bucket.contents());

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run r = b.run("download", "--yes");
        Repo.assertExit(0, r);
        assertSays(r, "not synced (outside */data/ and */reports/): 4 key(s)", "exp/model.py");
        assertEquals(Repo.CODE, b.text("train.py"));
        assertEquals(Repo.CODE, b.text("exp/model.py"));
        assertFalse(b.exists("exp/notes.md"));
        assertFalse(b.exists("exp/checkpoints"));
        assertEquals(Map.of("exp/data/x.txt", "x\n"), b.dataFiles());
        assertEquals("", b.git("status", "--porcelain"));
    }

    @Test
    void folderMarkerKeysFromOtherToolsAreIgnored() {
        Repo a = repo();
        bucket.put("exp/data/", "");
        bucket.put("exp/data/run1/", "");
        bucket.put("exp/data/run1/x.txt", "x\n");

        Repo.Run r = a.run("download", "--yes");
        Repo.assertExit(0, r);
        assertEquals(Map.of("exp/data/run1/x.txt", "x\n"), a.dataFiles());
        Repo.assertExit(0, a.run("upload", "--yes", "--delete"));
        assertEquals(
                Set.of("exp/data/", "exp/data/run1/", "exp/data/run1/x.txt"),
                bucket.contents().keySet());
    }

    @Test
    void statusPrintsBothDirectionsAndChangesNothing() {
        Repo a = repo();
        a.write("exp/data/mine.txt", "mine\n");
        bucket.put("exp/data/theirs.txt", "theirs\n");

        Repo.Run r = a.run("status");
        Repo.assertExit(0, r);
        assertSays(
                r,
                "upload: this machine -> bucket '" + bucket.name + "'",
                "download: bucket '" + bucket.name + "'",
                "exp/data/mine.txt",
                "exp/data/theirs.txt",
                "new here, never uploaded",
                "new in bucket, never synced here");
        assertTrue(r.out().indexOf("upload: ") < r.out().indexOf("download: "), r::toString);
        assertEquals(Map.of("exp/data/theirs.txt", "theirs\n"), bucket.contents());
        assertEquals(Map.of("exp/data/mine.txt", "mine\n"), a.dataFiles());
        assertFalse(a.exists(".lambda-sync"), "status writes no state and takes no lock");
    }

    // ---- other stores and layouts -----------------------------------------------------------------

    @Test
    void syncTargetDirectoryWorksLikeABucket() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("nfs/shared"));
        Path config = tmp.resolve("dir.sync.env");
        Files.writeString(config, "SYNC_TARGET=" + target + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Repo a = Repo.init(tmp.resolve("a"), config);
        writeResults(a);

        Repo.Run up = a.run("upload", "--yes");
        Repo.assertExit(0, up);
        assertSays(up, "directory " + target);
        Map<String, String> inTarget = new TreeMap<>();
        try (var s = Files.walk(target)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                inTarget.put(target.relativize(p).toString(), Repo.describe(Files.readAllBytes(p)));
        }
        assertEquals(a.dataFiles(), inTarget);
        assertEquals(
                a.mtime("exp/data/weights.bin"),
                Files.getLastModifiedTime(target.resolve("exp/data/weights.bin"))
                        .toMillis());

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(a.dataMtimes(), b.dataMtimes());
        assertNothingToDo(b.run("upload"));

        b.write("exp/data/results/run1.jsonl", "{\"loss\": 0.4, \"rerun\": true}\n");
        Repo.assertExit(0, b.run("upload", "--yes"));
        assertEquals(
                "{\"loss\": 0.4, \"rerun\": true}\n", Files.readString(target.resolve("exp/data/results/run1.jsonl")));
        assertEquals(Map.of(), bucket.contents(), "SYNC_TARGET alone: the bucket is not used");
    }

    @Test
    void syncPrefixPutsKeysUnderThePrefix() {
        Path config = bucket.config(tmp, "SYNC_PREFIX=team/proj");
        Repo a = Repo.init(tmp.resolve("a"), config);
        writeResults(a);
        bucket.put("other/exp/data/x.txt", "another repo's data\n");
        bucket.put("exp/data/unprefixed.txt", "outside the prefix\n");

        Repo.assertExit(0, a.run("upload", "--yes"));
        Map<String, String> expected = new TreeMap<>();
        a.dataFiles().forEach((rel, content) -> expected.put("team/proj/" + rel, content));
        expected.put("other/exp/data/x.txt", "another repo's data\n");
        expected.put("exp/data/unprefixed.txt", "outside the prefix\n");
        assertEquals(expected, bucket.contents());

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(a.dataMtimes(), b.dataMtimes());
    }

    @Test // the ./jbang wrapper runs java under C.UTF-8 when the locale is not UTF-8
    void unicodeNamesSurviveADownloadWithoutAUtf8Locale() throws Exception {
        Repo a = repo();
        bucket.put("exp/data/ümlaut 日本.txt", "unicode\n");
        Path log = tmp.resolve("download.log");
        Process p = a.start(log, Map.of("LANG", "", "LC_ALL", "", "LC_CTYPE", ""), "download", "--yes");
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "still running after 300 s");
        assertEquals(0, p.exitValue(), Files.readString(log));
        assertEquals(Map.of("exp/data/ümlaut 日本.txt", "unicode\n"), a.dataFiles());
    }

    @Test
    void runFromASubdirectoryFindsTheRepoRoot() {
        Repo a = repo();
        a.write("exp/data/x.txt", "x\n");
        a.write("other/data/y.txt", "y\n");
        Repo.assertExit(0, a.runIn(a.path("exp/data"), null, "upload", "--yes"));
        assertEquals(Map.of("exp/data/x.txt", "x\n", "other/data/y.txt", "y\n"), bucket.contents());
    }
}
