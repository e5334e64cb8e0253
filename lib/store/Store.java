package lib.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The far side of a sync: a bucket ({@code S3Store}) or a mounted directory ({@link DirStore}).
 * Keys are repo-relative paths; the store adds and removes its own prefix. Every transfer
 * is verified end to end before it returns (or says it could not be: {@link Fetched#verified}).
 * Failures are {@link StoreException}s with a typed kind.
 */
public interface Store extends AutoCloseable {
    /**
     * Files over this size move in parts of it where the store does parts (S3's multipart upload,
     * ranged GETs); the store hashes such a file in the same pass as its parts.
     */
    long PART_SIZE = 16L * 1024 * 1024;

    /** An object as listed: {@code tag} changes whenever the content may have (an ETag). */
    record Remote(String rel, long size, String tag) {}

    /**
     * What a download brought: the object as read, its source mtime (ms) and content MD5 (hex), or,
     * for a large object proven by the MD5s of its 16 MiB ranges, the multipart ETag they make up
     * (no pass over the whole file was needed; see ContentHash#sameAsRecorded); {@code verified} is
     * false when the server offered no proof of the content (length only).
     */
    record Fetched(Remote remote, long mtime, String md5, boolean verified) {}

    /** What an upload stored, and the MD5 of what was sent. */
    record Stored(Remote remote, String md5) {}

    /** "bucket 'x' at https://…" or "directory /mnt/…", for plans and errors. */
    String describe();

    /** An identity for the last-sync state: the same store, the same string. */
    String identity();

    /** Attaches the repo: where what the store learns about its server is kept ({@code notice}: said once). */
    default void open(Path root, Consumer<String> notice) {}

    /** Saves what this run learned (the server's profile, proofs for other machines); never throws. */
    default void finish() {}

    /** What the store learned of its server (what it supports), in one line; null for a store that is no server. */
    default String serverSummary() {
        return null;
    }

    /**
     * What an interrupted upload of a file left in the store: {@code bytes} to be reused (0: none);
     * {@code otherContent}: it was begun for other bytes of the same size and time, so the file is
     * sent whole.
     */
    record Resume(long bytes, boolean otherContent) {
        public static final Resume NONE = new Resume(0, false);
    }

    /** What an interrupted upload of this file (its size and mtime) already left in the store. */
    default Resume interruptedUpload(String rel, long size, long mtime) {
        return Resume.NONE;
    }

    /** A multipart upload the server holds unfinished: its file, the bytes its parts take, whether a journal here resumes it. */
    record Unfinished(String rel, long bytes, boolean resumable) {}

    /** Interrupted uploads on the server (SYNC.md, "Resuming"): for status and doctor. */
    default java.util.List<Unfinished> unfinishedUploads() {
        return java.util.List.of();
    }

    /** Aborts the interrupted uploads whose file is gone or changed, saying each to {@code say}. */
    default void dropStaleUploads(Consumer<String> say) {}

    /** Bytes of this object an interrupted download already brought here, to be reused (0: none). */
    default long interruptedDownload(Remote remote) {
        return 0;
    }

    /** The bandwidth limit its transfers keep to, in bytes per second (0: none; SYNC.md, "Bandwidth"). */
    default long bandwidthLimit() {
        return 0;
    }

    /** The trash kept in the store itself (SYNC.md, "The trash"), or null where there is none. */
    default StoreTrash bucketTrash() {
        return null;
    }

    /** Files and bytes read from the store only to compare contents (no other proof existed). */
    record Compared(long files, long bytes) {}

    default Compared compared() {
        return new Compared(0, 0);
    }

    /**
     * Lists the objects under each data dir (every {@code X/data/} and {@code X/reports/}),
     * or under the given scopes. Keys that are not under a data dir are passed to
     * {@code outside} (as a key or a key prefix ending in '/'), not examined further.
     */
    void list(java.util.List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException;

    /**
     * After {@link #list}, where absence would decide something: asks again, in a way the listing
     * cannot be fooled the same way, about the data dirs this machine knows ({@code knownDirs},
     * "exp/data/"), a store where no data key was found, and paths the last sync saw that were not
     * listed ({@code missing}); what it finds goes to the same sinks (SYNC.md, "Servers that are
     * not AWS"). A store whose listing is always complete does nothing.
     */
    default void confirm(
            java.util.Set<String> knownDirs,
            java.util.Set<String> missing,
            Consumer<Remote> sink,
            Consumer<String> outside)
            throws IOException {}

    /** Whether the store holds keys outside its prefix (asked only when nothing is under it). */
    default boolean keysElsewhere() throws IOException {
        return false;
    }

    /**
     * Uploads a file, only if the object is still what the plan saw ({@code planned}; null: absent),
     * else a {@link StoreException.Kind#PRECONDITION}. {@code md5Hex} is the file's MD5 when known
     * (null: the store hashes it).
     */
    Stored put(String rel, Path file, long mtime, String md5Hex, Remote planned) throws IOException;

    /** Downloads an object into {@code dest} (a fresh temp file), verified where the server allows. */
    Fetched get(Remote remote, Path dest) throws IOException;

    /** Deletes the object, only if it is still what the plan saw. */
    void delete(Remote planned) throws IOException;

    /** Whether the object holds exactly this local content; may read it, never writes. */
    boolean sameContent(Remote remote, Path local, String localMd5) throws IOException;

    @Override
    void close();
}
