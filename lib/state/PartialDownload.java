package lib.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.common.ContentHash;

/**
 * A large download cut off part way (SYNC.md, "Resuming"): its bytes so far in
 * {@code .lambda-sync/partial/<id>.part} and, beside it, which ranges are complete, pinned to the
 * object's ETag and size. The next run fetches only the missing ranges, if the object is still
 * the same; else it starts over. A range is written down only after its bytes are on disk, with the
 * MD5 of its bytes where the download checks the object range by range (v2; a v1 file, which has no
 * MD5s, is not trusted: that download starts over).
 */
public final class PartialDownload {
    static final String HEADER = "# lambda-sync partial download v2";

    public final Path data;
    private final Path root, journal;

    private PartialDownload(Path root, Path dir, String id) {
        this.root = root;
        this.data = dir.resolve(id + ".part");
        this.journal = dir.resolve(id + ".tsv");
    }

    /**
     * The partial download of {@code key} in this store (null root: none is kept). Nothing is kept
     * where {@code partial/} is a symlink: what is written there must land in the repo, not through
     * a link someone planted (the files in it are opened without following links too).
     */
    public static PartialDownload of(Path root, String storeIdentity, String key) {
        if (root == null) return null;
        Path dir = StateDir.partial(root);
        if (Files.isSymbolicLink(dir)) return null;
        return new PartialDownload(root, dir, ContentHash.shortId(storeIdentity + "\n" + key, 24));
    }

    /**
     * The ranges already here for this exact object, by offset, each with the MD5 of its bytes ("" where
     * none was recorded); empty: nothing to reuse.
     */
    public Map<Long, String> finished(String tag, long size) {
        Map<Long, String> done = new HashMap<>();
        List<String> lines;
        try {
            lines = UploadJournal.completeLines(Files.readString(journal, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return done;
        } catch (IOException e) {
            return done;
        }
        if (lines.size() < 2
                || !lines.get(0).equals(HEADER)
                || !lines.get(1).equals(tag + "\t" + size)
                || !Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS)) return done;
        for (String line : lines.subList(2, lines.size())) {
            String[] f = line.split("\t", -1);
            if (f.length != 2 || !(f[1].isEmpty() || ContentHash.isPlainMd5(f[1]))) continue; // damaged: fetched again
            try {
                done.put(Long.parseLong(f[0]), f[1]);
            } catch (NumberFormatException e) {
                // not a number: that range is fetched again
            }
        }
        return done;
    }

    public long bytesDone(String tag, long size, long rangeSize) {
        return finished(tag, size).keySet().stream()
                .mapToLong(off -> Math.min(rangeSize, size - off))
                .sum();
    }

    /** A fresh start for this object: no bytes, no ranges. */
    public void begin(String tag, long size) throws IOException {
        StateDir.create(root);
        Files.createDirectories(journal.getParent());
        Files.deleteIfExists(data); // a symlink planted there goes, not what it points to
        Files.deleteIfExists(journal);
        Files.writeString(
                journal,
                HEADER + "\n" + tag + "\t" + size + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
    }

    /** The range at {@code offset} is on disk (the caller forced it there); {@code md5}: its bytes' MD5, or "". */
    public synchronized void finished(long offset, String md5) throws IOException {
        Files.writeString(
                journal,
                offset + "\t" + md5 + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS);
    }

    /** Done, or not worth keeping: both files go. */
    public void forget() {
        try {
            Files.deleteIfExists(journal);
            Files.deleteIfExists(data);
        } catch (IOException ignored) {
            // checked against the object before any reuse
        }
    }
}
