package lib.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.state.StateDir;

/**
 * The trash a store keeps itself (SYNC.md, "The trash"): before a run deletes or overwrites an
 * object there, the store keeps a copy in a folder of the run ({@code <yyyymmdd-hhmmss UTC>-<machine>}),
 * whose {@code .why.tsv} says why, as the local trash does. {@link Store#bucketTrash} gives it, or
 * null where the store keeps none.
 */
public interface StoreTrash {
    /** A folder's time, UTC; the local trash names its folders the same way. */
    DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** "2024-05-01 14:03:00": a folder's time as people read it, seconds always shown (LocalTime's toString drops ":00"). */
    DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** Each trash folder's file of reasons: path, tab, {@link Why} name, one line per file. */
    String WHY_FILE = ".why.tsv";

    /** Why a copy went to a trash (local or the store's); recorded by name, rendered into words for people. */
    enum Why {
        OVERWRITTEN_BY_DOWNLOAD("overwritten by download"),
        DELETED_BY_DELETE("deleted by --delete"),
        CONFLICT_FORCED("conflict overwritten by --force"),
        MADE_ROOM("replaced by a folder or file of the same name"),
        BUCKET_COPY_BEFORE_DELETE("bucket copy kept before it was deleted there"),
        BUCKET_COPY_BEFORE_OVERWRITE("bucket copy kept before --force overwrote it");

        public final String words;

        Why(String words) {
            this.words = words;
        }
    }

    /** An object in the store's trash: its folder, path, key, size, tag, and why (null: not recorded). */
    record Entry(String folder, String rel, String key, long size, String tag, Why why) {
        /** When its run started (the folder's name, UTC). */
        public Instant when() {
            return time(folder);
        }

        public String machine() {
            return folder.length() > 16 ? folder.substring(16) : "?";
        }
    }

    /** What a run kept, for its folder's .why.tsv. */
    record Kept(String rel, Why why) {}

    /** When a folder's run started, from its name. */
    static Instant time(String folder) {
        return LocalDateTime.parse(folder.substring(0, 15), TIME).toInstant(ZoneOffset.UTC);
    }

    /** A .why.tsv's lines: path, tab, reason (a reason this version does not know is left out). */
    static Map<String, Why> parseWhys(String text) {
        Map<String, Why> why = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] p = line.split("\t", -1);
            if (p.length != 2) continue;
            try {
                why.put(StateDir.unescape(p[0]), Why.valueOf(p[1]));
            } catch (IllegalArgumentException newerVersion) {
                // a reason this version does not know: shown as not recorded
            }
        }
        return why;
    }

    /** This run's folder name: its start in UTC and this machine. */
    String folderName(Instant start, Path root);

    /**
     * Keeps a copy of the object as the plan saw it in {@code folder}; false where the store cannot
     * (the caller downloads it instead). An object changed since the plan is a PRECONDITION failure.
     */
    boolean keep(Store.Remote planned, String folder) throws IOException;

    /** Writes the folder's .why.tsv: one line per object kept, path and reason. */
    void record(String folder, List<Kept> kept) throws IOException;

    /** Everything in the trash, by folder (oldest first), then path. */
    List<Entry> list() throws IOException;

    /** Brings a trashed object into {@code dest} (a fresh temp file), verified as any download, with its mtime. */
    Store.Fetched fetch(Entry e, Path dest) throws IOException;

    /** Deletes a trashed object (restored, or pruned) by its key; one already gone is fine. */
    void delete(String key) throws IOException;

    /** The key of a folder's .why.tsv (to delete it with the folder). */
    String whyKey(String folder);
}
