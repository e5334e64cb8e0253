import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import lib.local.DataDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What the tool must not trust: keys another tool (or an attacker) put in the bucket, and
 * symlinks in the data dirs. Nothing may be read or written outside the data dirs.
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repo() {
        return Repo.init(tmp.resolve("repo"), bucket.config(tmp));
    }

    /** A key that must never become a local path: '..' or '.' segments, absolute, backslash, control characters. */
    static boolean dangerous(String key) {
        if (key.startsWith("/") || key.contains("\\") || key.chars().anyMatch(c -> c < 0x20)) return true;
        return Stream.of(key.split("/", -1)).anyMatch(s -> s.equals("..") || s.equals(".") || s.isEmpty());
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.chars()
                .forEach(c -> b.append(c < 0x20 && c != '\n' ? String.format("\\x%02x", c) : String.valueOf((char) c)));
        return b.toString();
    }

    // ---- keys -----------------------------------------------------------------------------------

    @Test
    void hostileKeysAreSkippedReportedAndNeverWritten() throws Exception {
        Repo a = repo();
        List<String> tried = List.of(
                "exp/data/../../evil",
                "exp/data/sub/../../../../evil2",
                "exp/data/a\\b",
                "exp/data/ctl\u0001x",
                "exp/data/esc\u001b[31mred",
                "/exp/data/abs",
                "../outside",
                "exp/data//double",
                ".git/hooks/post-checkout",
                ".lambda-sync/data/x",
                ".hidden/data/x",
                "evil.sh",
                "exp/evil.py",
                "exp/data/ok.txt");
        for (String key : tried) {
            try {
                bucket.put(key, "evil\n");
            } catch (SdkException refusedByServer) {
                // the server would not store it: then no tool will ever list it either
            }
        }
        // S3Proxy normalizes or rejects '..' keys itself; it stores backslash and control-character keys.
        Set<String> stored = bucket.contents().keySet();
        Set<String> dangerous = new TreeSet<>(
                stored.stream().filter(HostileInputTest::dangerous).toList());
        assertFalse(
                dangerous.isEmpty(),
                "the server stored none of the dangerous keys; this test proves nothing: " + stored);

        Repo.Run r = a.run("download", "--yes");
        assertEquals(4, r.code(), () -> printable(r.toString()));
        for (String key : dangerous) {
            assertTrue(
                    r.out().contains(printable(key)),
                    () -> "refused key " + printable(key) + " not reported in\n" + printable(r.toString()));
        }
        assertTrue(r.out().contains("refused: key contains a backslash"), () -> printable(r.toString()));
        assertTrue(r.out().contains("not synced (outside */data/ and */reports/)"), () -> printable(r.toString()));

        // Only the one good key was written; nothing beside the repo, in .git, or in .lambda-sync but its .gitignore,
        // the
        // (released) lock, state and the server profile.
        assertEquals(Map.of("exp/data/ok.txt", "evil\n"), a.dataFiles());
        List<String> paths = new ArrayList<>(a.allPaths());
        paths.removeIf(p -> p.equals(".lambda-sync")
                || p.equals(".lambda-sync/.gitignore")
                || p.equals(".lambda-sync/lock")
                || p.equals(".lambda-sync/state")
                || p.matches("\\.lambda-sync/state/[0-9a-f]+\\.tsv")
                || p.equals(".lambda-sync/profile")
                || p.matches("\\.lambda-sync/profile/[0-9a-f]+\\.properties"));
        assertEquals(List.of(".gitignore", "exp", "exp/data", "exp/data/ok.txt", "exp/model.py", "train.py"), paths);
        assertFalse(Files.exists(a.path(".git/hooks/post-checkout")));
        assertEquals(Set.of("repo", "test.sync.env"), list(tmp), "nothing written beside the repo");
        for (String name : List.of("evil", "evil2", "outside", "abs"))
            assertFalse(Files.exists(tmp.getParent().resolve(name)), name);
    }

    @Test
    void keysThatWouldEscapeTheirDataDirAreRefusedWhateverTheServerStores() {
        for (String key : List.of(
                "exp/data/../../evil",
                "exp/data/..",
                "exp/data/./x",
                "/exp/data/abs",
                "exp/data//x",
                "exp/data/a\\b",
                "exp/data/nul\0x",
                "exp/data/ctl\u0001x",
                "")) {
            assertTrue(DataDirs.refusal(key) != null, printable(key));
        }
        for (String key : List.of("exp/data/ok.txt", "exp/data/a b+c%d ü.txt", "exp/data/..x", "exp/data/x..")) {
            assertEquals(null, DataDirs.refusal(key), key);
        }
    }

    @Test
    void refusedKeysAreNeverDeletedOrOverwrittenByUpload() {
        Repo a = repo();
        a.write("exp/data/ok.txt", "mine\n");
        bucket.put("exp/data/a\\b", "backslash\n");
        Repo.Run r = a.run("upload", "--yes", "--delete");
        assertEquals(4, r.code(), r::toString);
        assertEquals(Map.of("exp/data/a\\b", "backslash\n", "exp/data/ok.txt", "mine\n"), bucket.contents());
    }

    @Test
    void aKeyWithControlCharactersDoesNotBreakTheListing() {
        Repo a = repo();
        bucket.put("exp/data/ok.txt", "ok\n");
        try {
            bucket.put("exp/data/bell\u0007.txt", "ding\n");
        } catch (SdkException refusedByServer) {
            return; // nothing to prove on a server that refuses such keys
        }
        Repo.Run r = a.run("download", "--yes");
        assertEquals(4, r.code(), () -> printable(r.toString()));
        assertEquals(Map.of("exp/data/ok.txt", "ok\n"), a.dataFiles());
        assertFalse(
                r.both().chars().anyMatch(c -> c < 0x20 && c != '\n'),
                () -> "raw control characters reach the terminal:\n" + printable(r.toString()));
    }

    // ---- symlinks --------------------------------------------------------------------------------

    /** A folder outside the repo with something worth protecting in it. */
    Path outside() throws Exception {
        Path o = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(o.resolve("secret.txt"), "secret\n");
        return o;
    }

    @Test
    void symlinkedDataDirIsNotUploadedAndIsReported() throws Exception {
        Repo a = repo();
        Path outside = outside();
        a.write("exp/data/ok.txt", "ok\n");
        Files.createDirectories(a.path("exp2"));
        Files.createSymbolicLink(a.path("exp2/data"), outside);

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(4, r.code(), r::toString); // a data dir left unsynced is not success (issue 14.1, LayoutTest)
        assertTrue(r.out().contains("exp2/data/") && r.out().contains("symlink, not followed"), r::toString);
        assertEquals(Map.of("exp/data/ok.txt", "ok\n"), bucket.contents());
    }

    @Test
    void symlinksInsideADataDirAreNotUploadedAndAreReported() throws Exception {
        Repo a = repo();
        Path outside = outside();
        a.write("exp/data/ok.txt", "ok\n");
        Files.createSymbolicLink(a.path("exp/data/link.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(a.path("exp/data/linkdir"), outside);

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(
                r.out().contains("exp/data/link.txt")
                        && r.out().contains("exp/data/linkdir")
                        && r.out().contains("symlink, not followed"),
                r::toString);
        assertEquals(Map.of("exp/data/ok.txt", "ok\n"), bucket.contents());
    }

    @Test
    void downloadNeverWritesThroughASymlinkedDataDir() throws Exception {
        Repo a = repo();
        Path outside = outside();
        Files.createDirectories(a.path("exp2"));
        Files.createSymbolicLink(a.path("exp2/data"), outside);
        bucket.put("exp2/data/x.txt", "x\n");
        bucket.put("exp2/data/secret.txt", "overwritten\n");
        bucket.put("exp/data/ok.txt", "ok\n");

        Repo.Run r = a.run("download", "--yes");
        assertEquals(Set.of("secret.txt"), list(outside), r::toString);
        assertEquals("secret\n", Files.readString(outside.resolve("secret.txt")));
        assertTrue(Files.isSymbolicLink(a.path("exp2/data")));
        assertEquals("ok\n", a.text("exp/data/ok.txt"));
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.both().contains("exp2/data") && r.both().contains("symlink"), r::toString);
    }

    @Test
    void downloadNeverWritesThroughASymlinkedTopLevelDir() throws Exception {
        Repo a = repo();
        Path outside = outside();
        Files.createSymbolicLink(a.path("exp3"), outside);
        bucket.put("exp3/data/x.txt", "x\n");
        bucket.put("exp/data/ok.txt", "ok\n");

        Repo.Run r = a.run("download", "--yes");
        assertEquals(Set.of("secret.txt"), list(outside), r::toString);
        assertEquals("ok\n", a.text("exp/data/ok.txt"));
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains("exp3/data/x.txt") && r.out().contains("symlink"), r::toString);
    }

    @Test
    void uploadWithDeleteKeepsTheBucketsCopyUnderASymlinkedDataDir() throws Exception {
        Repo a = repo();
        Files.createDirectories(a.path("exp2"));
        Files.createSymbolicLink(a.path("exp2/data"), outside());
        bucket.put("exp2/data/results.txt", "uploaded from a machine where this was a real folder\n");

        Repo.Run r = a.run("upload", "--yes", "--delete");
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains("exp2/data/results.txt") && r.out().contains("symlink"), r::toString);
        assertEquals(
                Map.of("exp2/data/results.txt", "uploaded from a machine where this was a real folder\n"),
                bucket.contents());
    }

    @Test
    void downloadNeverReplacesOrWritesThroughASymlinkedFileOrDir() throws Exception {
        Repo a = repo();
        Path outside = outside();
        a.write("exp/data/ok.txt", "ok\n");
        Files.createSymbolicLink(a.path("exp/data/link.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(a.path("exp/data/linkdir"), outside);
        bucket.put("exp/data/link.txt", "overwritten\n");
        bucket.put("exp/data/linkdir/y.txt", "y\n");
        bucket.put("exp/data/linkdir/secret.txt", "overwritten\n");

        Repo.Run r = a.run("download", "--yes");
        assertEquals(Set.of("secret.txt"), list(outside), r::toString);
        assertEquals("secret\n", Files.readString(outside.resolve("secret.txt")));
        assertTrue(Files.isSymbolicLink(a.path("exp/data/link.txt")));
        assertTrue(Files.isSymbolicLink(a.path("exp/data/linkdir")));
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.both().contains("exp/data/link.txt") && r.both().contains("symlink"), r::toString);
    }

    static Set<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
