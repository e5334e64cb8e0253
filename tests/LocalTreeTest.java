import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.plan.Reason;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan of this machine's side (SYNC.md, "What is synced"): regular files in the data dirs
 * with size and mtime; links reported, never followed; ignored paths and our own temp files
 * left out of the plan; nothing outside the data dirs read.
 */
@Tag("unit")
class LocalTreeTest {
    @TempDir
    Path root;

    Path write(String rel, String text, long mtime) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
        return p;
    }

    LocalTree scan(String syncignore, String... paths) {
        DataDirs dirs = DataDirs.find(root, root, List.of(paths));
        return LocalTree.scan(
                dirs, syncignore == null ? SyncIgnore.none() : SyncIgnore.parse(".syncignore", syncignore));
    }

    static Map<String, String> files(LocalTree t) {
        Map<String, String> out = new TreeMap<>();
        t.files.values().forEach(f -> out.put(f.rel(), f.size() + "@" + f.mtime()));
        return out;
    }

    static Map<String, Reason.Skip.Kind> skipped(LocalTree t) {
        Map<String, Reason.Skip.Kind> out = new TreeMap<>();
        t.skipped.forEach(s -> out.put(s.rel(), s.why().kind()));
        return out;
    }

    @Test
    void regularFilesOfEveryDataDirWithSizeAndMtimeAndNothingElse() throws Exception {
        write("exp/data/a.txt", "abc", 1_000);
        write("exp/data/deep/er/b.bin", "12345", 2_000);
        write("exp/reports/r.md", "r", 3_000);
        write("exp/model.py", "code", 4_000);
        write("data/at-root.txt", "not a data dir of an experiment", 5_000);
        write("exp/sub/data/too-deep.txt", "nor this", 6_000);

        assertEquals(
                Map.of("exp/data/a.txt", "3@1000", "exp/data/deep/er/b.bin", "5@2000", "exp/reports/r.md", "1@3000"),
                files(scan(null)));
    }

    @Test
    void linksAreReportedNotFollowed() throws Exception {
        Path outside = write("elsewhere/secret.txt", "outside the repo's data", 1);
        write("exp/data/a.txt", "a", 1);
        Files.createSymbolicLink(root.resolve("exp/data/link.txt"), outside);
        Files.createSymbolicLink(root.resolve("exp/data/linked-dir"), outside.getParent());
        Files.createDirectories(root.resolve("other"));
        Files.createSymbolicLink(root.resolve("other/data"), outside.getParent());

        LocalTree t = scan(null);
        assertEquals(Map.of("exp/data/a.txt", "1@1"), files(t));
        assertEquals(
                Map.of(
                        "exp/data/link.txt",
                        Reason.Skip.Kind.SYMLINK,
                        "exp/data/linked-dir",
                        Reason.Skip.Kind.SYMLINK,
                        "other/data/",
                        Reason.Skip.Kind.SYMLINK),
                skipped(t));
    }

    @Test
    void ignoredPathsAndBuiltinFoldersAreLeftOutAndTempFilesAreCollectedForCleanUp() throws Exception {
        write("exp/data/keep.txt", "k", 1);
        write("exp/data/x.tmp", "ignored by pattern", 1);
        write("exp/data/cache/big.bin", "ignored folder", 1);
        write("exp/data/__pycache__/m.pyc", "builtin", 1);
        Path temp = write("exp/data/" + SyncIgnore.TEMP_PREFIX + "0a1b2c3d-keep.txt", "half a download", 1);
        write("exp/data/" + SyncIgnore.TEMP_PREFIX + "mynotes.txt", "a user's file of a similar name", 1);

        LocalTree t = scan("*.tmp\nexp/data/cache/\n");
        assertEquals(Map.of("exp/data/keep.txt", "1@1", "exp/data/.lambda-sync-tmp-mynotes.txt", "31@1"), files(t));
        assertEquals(Map.of(), skipped(t));
        assertEquals(List.of(temp), t.staleTemps);
    }

    @Test
    void pathArgumentsNarrowTheScan() throws Exception {
        write("exp/data/a/1.txt", "1", 1);
        write("exp/data/b/2.txt", "2", 1);
        write("other/reports/3.txt", "3", 1);
        assertEquals(Map.of("exp/data/a/1.txt", "1@1"), files(scan(null, "exp/data/a")));
    }

    @Test
    void statSeesOnlyRegularFilesAndReplaceRenamesOverTheOldOne() throws Exception {
        write("exp/data/a.txt", "abc", 7);
        assertEquals(new LocalTree.LocalFile("exp/data/a.txt", 3, 7), LocalTree.stat(root, "exp/data/a.txt"));
        assertEquals(null, LocalTree.stat(root, "exp/data"));
        assertEquals(null, LocalTree.stat(root, "exp/data/gone.txt"));

        Path tmp = write("exp/data/.new", "new content", 8);
        LocalTree.replace(tmp, root.resolve("exp/data/a.txt"));
        assertEquals("new content", Files.readString(root.resolve("exp/data/a.txt")));
        assertEquals(false, Files.exists(tmp));
    }
}
