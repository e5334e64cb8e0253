import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import lib.sync.DiskSpace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download that cannot fit is refused before it starts (SYNC.md "When things go wrong"). */
@Tag("unit")
class DiskSpaceTest {
    @TempDir
    Path tmp;

    @Test
    void shortfallNamesBothNumbersAndTheFix() {
        assertNull(DiskSpace.shortfall(100, 100, Path.of("/r")));
        assertNull(DiskSpace.shortfall(100, -1, Path.of("/r")), "unknown free space: no guess");
        assertEquals(
                "not enough disk space: this download brings 2.0 KiB (2048 bytes), and the file system of /r/exp/data has 1.0 KiB"
                        + " (1024 bytes) free; nothing was downloaded. Free space (df -h /r/exp/data) or download fewer paths"
                        + " (download <top>/data/<folder>)",
                DiskSpace.shortfall(2048, 1024, Path.of("/r/exp/data")));
    }

    /**
     * The store is a directory holding a sparse file bigger than this machine's free space: it
     * costs no disk, and the plan counts its full size. Nothing is downloaded, not even the file
     * that would fit, and no temp file is left.
     */
    @Test
    void aDownloadBiggerThanTheFreeSpaceIsRefusedUpFront() throws Exception {
        Path mirror = Files.createDirectories(tmp.resolve("mirror/exp/data"));
        Files.writeString(mirror.resolve("small.txt"), "small\n");
        long free = Files.getFileStore(tmp).getUsableSpace();
        try (RandomAccessFile f =
                new RandomAccessFile(mirror.resolve("huge.bin").toFile(), "rw")) {
            f.setLength(free + (1L << 30));
        } catch (java.io.IOException e) {
            assumeTrue(false, "this file system has no sparse files that big: " + e);
        }
        Path config = tmp.resolve("dir.sync.env");
        Files.writeString(config, "SYNC_TARGET=" + tmp.resolve("mirror") + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Repo a = Repo.init(tmp.resolve("a"), config);

        Repo.Run r = a.run("download", "--yes");
        assertEquals(1, r.code(), r::toString);
        String err = r.err().strip();
        assertTrue(err.startsWith("lambda-sync: not enough disk space: this download brings "), r::toString);
        assertTrue(
                err.contains(
                        "(" + (free + (1L << 30) + 6) + " bytes), and the file system of " + a.path("exp") + " has "),
                r::toString);
        assertTrue(
                err.endsWith("free; nothing was downloaded. Free space (df -h " + a.path("exp")
                        + ") or download fewer paths (download <top>/data/<folder>)"),
                r::toString);
        assertEquals(1, err.lines().count(), r::toString);
        assertEquals(Map.of(), a.dataFiles());
        assertEquals(List.of(), a.tempFiles());

        // The part that fits still downloads when asked for by path.
        Repo.Run small = a.run("download", "--yes", "exp/data/small.txt");
        assertEquals(0, small.code(), small::toString);
        assertEquals("small\n", a.text("exp/data/small.txt"));
    }
}
