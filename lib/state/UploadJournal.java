package lib.state;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.common.ContentHash;

/**
 * What a large upload has sent so far, so a run that was cut off (Ctrl-C, kill -9, a lost
 * network, a preempted instance) can finish it instead of starting over (SYNC.md, "Resuming").
 * One small file per object in {@code .lambda-sync/uploads/}: the upload id, part size, the
 * file's size, mtime and whole-file MD5 when it started (the mtime and MD5 are the metadata the
 * upload was created with, fixed until it completes, so a resume must be of exactly that content)
 * and its path; then a line per finished part (number, size, MD5, ETag), appended as each part
 * is confirmed. A torn last line (killed mid-write) is ignored.
 */
public final class UploadJournal {
    static final String HEADER = "# lambda-sync upload v2";

    public record Part(int number, long size, String md5, String etag) {}

    /**
     * An upload begun by an earlier run, with the parts it finished: {@code md5} is the whole
     * content's, {@code rel} the file's repo-relative path.
     */
    public record Pending(
            String uploadId, long partSize, long size, long mtime, String md5, String rel, Map<Integer, Part> parts) {
        public long bytesDone() {
            return parts.values().stream().mapToLong(Part::size).sum();
        }

        /** Whether it was begun for this very file (same size and time) and cut in parts of this size. */
        public boolean isFor(long size, long mtime, long partSize) {
            return this.size == size && this.mtime == mtime && this.partSize == partSize;
        }

        /** Whether it was begun for exactly this content: only then does its metadata prove what completing it stores. */
        public boolean isFor(long size, long mtime, long partSize, String md5) {
            return isFor(size, mtime, partSize) && this.md5.equals(md5);
        }
    }

    private final Path root, file;

    private UploadJournal(Path root, Path file) {
        this.root = root;
        this.file = file;
    }

    /** The journal of {@code key} in this store (null root: none is kept). */
    public static UploadJournal of(Path root, String storeIdentity, String key) {
        return root == null
                ? null
                : new UploadJournal(
                        root,
                        StateDir.uploads(root).resolve(ContentHash.shortId(storeIdentity + "\n" + key, 24) + ".tsv"));
    }

    /** The upload an earlier run left, or null. */
    public Pending pending() {
        List<String> lines;
        try {
            lines = completeLines(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // unreadable: start afresh
        }
        if (lines.size() < 2 || !lines.get(0).equals(HEADER)) return null;
        String[] h = lines.get(1).split("\t", -1);
        if (h.length != 6 || !ContentHash.isPlainMd5(h[4])) return null;
        try {
            Map<Integer, Part> parts = new HashMap<>();
            for (String line : lines.subList(2, lines.size())) {
                String[] f = line.split("\t", -1);
                if (f.length != 4 || !ContentHash.isPlainMd5(f[2]) || f[3].isEmpty()) continue;
                parts.put(Integer.parseInt(f[0]), new Part(Integer.parseInt(f[0]), Long.parseLong(f[1]), f[2], f[3]));
            }
            return new Pending(
                    h[0],
                    Long.parseLong(h[1]),
                    Long.parseLong(h[2]),
                    Long.parseLong(h[3]),
                    h[4],
                    URLDecoder.decode(h[5], StandardCharsets.UTF_8),
                    parts);
        } catch (IllegalArgumentException e) { // a bad number or a bad %-escape: damaged
            return null;
        }
    }

    /**
     * The lines a writer finished. A last line without its newline was cut off mid-append (a kill):
     * it may hold half an ETag or half an offset, so it is not trusted.
     */
    static List<String> completeLines(String text) {
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    /** A new upload of content {@code md5} from file {@code rel}: replaces whatever was recorded before. */
    public void begin(String uploadId, long partSize, long size, long mtime, String md5, String rel)
            throws IOException {
        StateDir.create(root);
        Files.createDirectories(file.getParent());
        Files.writeString(
                file,
                HEADER + "\n" + uploadId + "\t" + partSize + "\t" + size + "\t" + mtime + "\t" + md5 + "\t"
                        + URLEncoder.encode(rel, StandardCharsets.UTF_8) + "\n",
                StandardCharsets.UTF_8);
    }

    /** The journals of every store in this repo (each read with {@link #pending}); none without a repo. */
    public static List<UploadJournal> all(Path root) {
        Path dir = StateDir.uploads(root);
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tsv"))
                    .sorted()
                    .map(f -> new UploadJournal(root, f))
                    .toList();
        } catch (IOException e) {
            return List.of(); // none yet
        }
    }

    /** Whether this is the journal {@link #of} gives for {@code key} in that store. */
    public boolean isOf(String storeIdentity, String key) {
        UploadJournal mine = of(root, storeIdentity, key);
        return mine != null && mine.file.equals(file);
    }

    /** One more part landed. */
    public synchronized void finished(Part p) throws IOException {
        Files.writeString(
                file,
                p.number() + "\t" + p.size() + "\t" + p.md5() + "\t" + p.etag() + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    /** The upload completed or was aborted: nothing to resume. */
    public void forget() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stale journal is checked against the server before it is used
        }
    }
}
