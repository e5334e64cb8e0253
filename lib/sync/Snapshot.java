package lib.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import lib.common.ContentHash;
import lib.local.LocalTree;
import lib.state.SyncState;

/**
 * A consistent copy of a file that is still being written, for watch's recovery point (SYNC.md,
 * "Autosave: watch"): the bytes written so far, copied aside so the upload reads a file that holds
 * still. The copy is taken only where it cannot tear what the bucket has: the prefix must read the
 * same twice (nothing rewrote it while it was copied), and where the bucket holds a copy from the
 * last sync, the new one must begin with exactly that copy (the file was appended to: a log).
 * A file rewritten in place (a checkpoint) is never copied half-done: it waits to settle.
 */
public final class Snapshot {
    /** Larger files wait to settle: a copy costs its size on this disk, and twice its size in reads. */
    public static final long MAX = 1L << 30;

    public enum Outcome {
        /** the copy is there, with the size and mtime the file had when it was started */
        TAKEN,
        /** the file no longer begins with the bucket's copy: rewritten in place, not appended to */
        REWRITTEN,
        /** the bytes changed while they were copied (or the file shrank): rewritten in place */
        UNSTEADY,
        TOO_BIG,
        GONE
    }

    /** What came of it; {@code copy} is the copy's size and mtime (TAKEN only). */
    public record Taken(Outcome outcome, LocalTree.LocalFile copy) {}

    private Snapshot() {}

    /**
     * Copies what {@code file} holds now to {@code copy}.
     *
     * @param synced the bucket's copy as the last sync recorded it, or null when there is none
     * @param afterCopy run between the copy and the second read (tests: a rewrite at the worst moment)
     */
    public static Taken take(String rel, Path file, Path copy, SyncState.Entry synced, Runnable afterCopy)
            throws IOException {
        LocalTree.LocalFile before =
                LocalTree.stat(file.getParent(), file.getFileName().toString());
        if (before == null) return new Taken(Outcome.GONE, null);
        if (before.size() > MAX) return new Taken(Outcome.TOO_BIG, null);
        long n = before.size();
        long prefix = synced == null ? -1 : synced.size();
        // No MD5 of the bucket's copy (a torn upload's entry, or a large download proven by its parts' MD5s): nothing
        // to hold the prefix to.
        if (prefix > n || (synced != null && !ContentHash.isPlainMd5(synced.md5())))
            return new Taken(Outcome.REWRITTEN, null);
        Files.createDirectories(copy.getParent());
        byte[][] sums;
        try (InputStream in = Files.newInputStream(file);
                OutputStream out = Files.newOutputStream(copy)) {
            sums = digest(in, out, n, prefix);
        }
        afterCopy.run();
        if (sums == null) return new Taken(Outcome.UNSTEADY, null);
        if (prefix >= 0 && !HexFormat.of().formatHex(sums[1]).equals(synced.md5()))
            return new Taken(Outcome.REWRITTEN, null);
        byte[][] again;
        try (InputStream in = Files.newInputStream(file)) {
            again = digest(in, OutputStream.nullOutputStream(), n, -1);
        }
        if (again == null || !Arrays.equals(sums[0], again[0])) return new Taken(Outcome.UNSTEADY, null);
        Files.setLastModifiedTime(copy, FileTime.fromMillis(before.mtime()));
        return new Taken(Outcome.TAKEN, new LocalTree.LocalFile(rel, n, before.mtime()));
    }

    /**
     * The MD5 of the first {@code n} bytes (copied to {@code out} on the way) and of the first
     * {@code prefix} of them; null when the file ends before {@code n}.
     */
    private static byte[][] digest(InputStream in, OutputStream out, long n, long prefix) throws IOException {
        MessageDigest all = ContentHash.md5(), head = ContentHash.md5();
        byte[] buf = new byte[64 * 1024];
        long done = 0;
        while (done < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) return null;
            all.update(buf, 0, r);
            if (done < prefix) head.update(buf, 0, (int) Math.min(r, prefix - done));
            out.write(buf, 0, r);
            done += r;
        }
        return new byte[][] {all.digest(), head.digest()};
    }
}
