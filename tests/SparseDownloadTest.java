import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large file that is mostly zeros (a sparse checkpoint, a preallocated buffer) comes back from a
 * fresh download sparse: its zero blocks are left as holes, its bytes the same (SYNC.md, "Integrity,
 * interruptions, concurrency").
 */
class SparseDownloadTest {
    @TempDir
    Path tmp;

    static final int MIB = 1024 * 1024;

    @Test
    void aMostlyZeroFileComesBackSparseAndByteForByte() throws Exception {
        Bucket bucket = new Bucket();
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(Files.createDirectories(tmp.resolve("cfg"))));
        Path f = a.path("exp/data/ckpt.bin");
        Files.createDirectories(f.getParent());
        byte[] head = new byte[3 * MIB], tail = new byte[3 * MIB];
        new Random(7).nextBytes(head);
        new Random(8).nextBytes(tail);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) { // 40 MiB: 34 of zeros between
            raf.write(head);
            raf.seek(37L * MIB);
            raf.write(tail);
        }
        assertEquals(0, a.run("upload", "--yes").code());

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run r = b.run("download", "--yes");

        assertEquals(0, r.code(), r::toString);
        Path got = b.path("exp/data/ckpt.bin");
        assertEquals(-1, Files.mismatch(f, got), "the same bytes");
        long allocated = allocatedBytes(got);
        assertTrue(
                allocated < 12L * MIB, () -> "allocated " + allocated + " B of 40 MiB: the zeros were written\n" + r);
    }

    /** Bytes the file system gave the file (st_blocks × 512), from the real stat. */
    static long allocatedBytes(Path p) throws Exception {
        Process proc = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] out = new String(proc.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, proc.waitFor());
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
