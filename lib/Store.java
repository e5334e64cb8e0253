import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The far side of a sync: a bucket ({@link S3Store}) or a mounted directory ({@link DirStore}).
 * Keys are repo-relative paths; the store adds and removes its own prefix. Every transfer
 * is verified end to end before it returns.
 */
interface Store extends AutoCloseable {
    /** An object as listed: {@code tag} changes whenever the content may have (an ETag). */
    record Remote(String rel, long size, String tag) {}

    /** What a download brought: the object as read, its source mtime (ms) and content MD5 (hex). */
    record Fetched(Remote remote, long mtime, String md5) {}

    /** "bucket 'x' at https://…" or "directory /mnt/…", for plans and errors. */
    String describe();

    /** An identity for the last-sync state: the same store, the same string. */
    String identity();

    /**
     * Lists the objects under each data dir (every {@code X/data/} and {@code X/reports/}),
     * or under the given scopes. Keys that are not under a data dir are passed to
     * {@code outside} (as a key or a key prefix ending in '/'), not examined further.
     */
    void list(java.util.List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException;

    /** Uploads a file whose MD5 is known; returns the object as now stored. */
    Remote put(String rel, Path file, long mtime, String md5Hex) throws IOException;

    /** Downloads an object into {@code dest} (a fresh temp file), verified. */
    Fetched get(Remote remote, Path dest) throws IOException;

    void delete(String rel) throws IOException;

    /** Whether the object holds exactly this local content; may read it, never writes. */
    boolean sameContent(Remote remote, Path local, String localMd5) throws IOException;

    @Override
    void close();
}
