import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file replaced by a folder of the same name, or the reverse, on either side: one run
 * converges (the old one goes to the trash first, then the new one is sent), though neither a
 * disk nor a server that keeps objects as files can hold k.txt and k.txt/x at once. The engine's
 * order is what is tested, so the far side is a {@link MemoryStore}, which refuses both at once as
 * such a server does.
 */
@Tag("unit")
class FileFolderTest {
    static final String K = "exp/data/k.txt", KX = "exp/data/k.txt/x.txt";

    @TempDir
    Path tmp;

    final MemoryStore bucket = new MemoryStore();

    Repo[] twoMachinesWith(String rel, String text) {
        Repo a = bucket.repo(tmp.resolve("a"));
        a.write(rel, text);
        a.write("exp/data/other.txt", "other\n");
        assertEquals(0, a.run("upload", "--yes").code());
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        return new Repo[] {a, b};
    }

    static void deleteTree(Repo r, String rel) {
        try (var s = java.nio.file.Files.walk(r.path(rel))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aFileReplacedByAFolderIsUploadedAndDownloadedInOneRunEach() {
        Repo[] m = twoMachinesWith(K, "k as a file\n");
        Repo a = m[0], b = m[1];
        a.delete(K);
        a.write(KX, "x in the folder k.txt\n");

        Repo.Run up = a.run("upload", "--yes");
        assertEquals(0, up.code(), up::toString);
        assertTrue(up.out().contains("replaced here by a folder of the same name: deleted first"), up::toString);
        assertEquals(Map.of(KX, "x in the folder k.txt\n", "exp/data/other.txt", "other\n"), bucket.contents());
        assertEquals("k as a file\n", a.trashed(K), "the bucket's copy is kept");

        Repo.Run down = b.run("download", "--yes");
        assertEquals(0, down.code(), down::toString);
        assertEquals(Map.of(KX, "x in the folder k.txt\n", "exp/data/other.txt", "other\n"), b.dataFiles());
        assertEquals("k as a file\n", b.trashed(K));
        assertTrue(a.run("upload").out().contains("nothing to do"));
        assertTrue(b.run("download").out().contains("nothing to do"));
    }

    @Test
    void aFolderReplacedByAFileIsUploadedAndDownloadedInOneRunEach() {
        Repo[] m = twoMachinesWith(KX, "x in the folder k.txt\n");
        Repo a = m[0], b = m[1];
        deleteTree(a, K);
        a.write(K, "k as a file now\n");

        Repo.Run up = a.run("upload", "--yes");
        assertEquals(0, up.code(), up::toString);
        assertTrue(up.out().contains("its folder was replaced here by a file of the same name"), up::toString);
        assertEquals(Map.of(K, "k as a file now\n", "exp/data/other.txt", "other\n"), bucket.contents());

        Repo.Run down = b.run("download", "--yes");
        assertEquals(0, down.code(), down::toString);
        assertEquals(Map.of(K, "k as a file now\n", "exp/data/other.txt", "other\n"), b.dataFiles());
        assertEquals("x in the folder k.txt\n", b.trashed(KX));
    }

    @Test
    void aFileThisMachineNeverSyncedInTheWayIsAConflictUnlessForced() {
        bucket.put(KX, "x from another machine\n");
        Repo c = bucket.repo(tmp.resolve("c"));
        c.write(K, "c's own k.txt, never uploaded\n");

        Repo.Run r = c.run("download", "--yes");
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains(KX + "  a file and a folder of the same name"), r::toString);
        assertEquals("c's own k.txt, never uploaded\n", c.text(K));

        Repo.Run forced = c.run("download", "--yes", "--force");
        assertEquals(0, forced.code(), forced::toString);
        assertEquals(Map.of(KX, "x from another machine\n"), c.dataFiles());
        assertEquals("c's own k.txt, never uploaded\n", c.trashed(K));
    }
}
