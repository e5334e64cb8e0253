import java.nio.file.Path;

/**
 * The far side as a test sees it from outside the tool, as another machine leaves it and as it
 * really holds: the suite's S3 server ({@link Bucket}) or a {@link MemoryStore}.
 */
interface FarSide {
    /** A fresh repo ({@link Repo#init}) whose runs of the tool use this far side. */
    Repo repo(Path dir);

    /** Writes an object as another machine would. */
    void put(String key, String text);

    void delete(String key);

    /** The object's content as text, or null when there is no such key. */
    String text(String key);

    /** What changes whenever the object is written, even with the same bytes. */
    Object version(String key);

    /** The newest copy of {@code rel} in the far side's own trash (a bucket's, SYNC.md "The trash"), or null. */
    default String trashed(String rel) {
        return null;
    }
}
