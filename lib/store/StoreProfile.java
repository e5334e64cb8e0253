package lib.store;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import lib.common.ContentHash;
import lib.common.Units;
import lib.local.LocalTree;
import lib.state.StateDir;

/**
 * What one S3-compatible server really does, learned from evidence rather than assumed (SYNC.md,
 * "Servers that are not AWS"). Lambda's Filesystem S3 Adapter fronts a POSIX filesystem and
 * documents only listing, transferring and deleting: its ETags look like MD5s but are not, and
 * nothing says whether it keeps metadata or honours If-Match, Range or multipart. Each feature
 * starts UNKNOWN and is set by the first answer that proves it either way; it is kept per store in
 * {@code .lambda-sync/profile/} so later runs start from what earlier ones learned.
 */
public final class StoreProfile {
    public enum Support {
        YES,
        NO,
        UNKNOWN
    }

    /** Each feature: its key, what having it means, and what is done instead where the server lacks it. */
    public enum Feature {
        ETAG_MD5(
                "etag-md5",
                "single-part ETags are the content's MD5",
                "contents are proven by metadata or the proof manifests; downloads with neither are checked"
                        + " for length only and reported unverified"),
        METADATA(
                "metadata",
                "keeps x-amz-meta-* (md5chksum, mtime)",
                "uploads carry no metadata; contents are proven by MD5 ETags or the proof manifests"),
        CONTENT_MD5(
                "content-md5",
                "checks Content-MD5 (refuses a body that does not match it)",
                "each upload's bytes are hashed again as they are sent"),
        IF_MATCH_GET(
                "if-match-get", "honours If-Match on GET", "downloads check the object's ETag in the answer instead"),
        CONDITIONAL_PUT(
                "conditional-put",
                "honours If-Match / If-None-Match on PUT",
                "each write checks the object with a HEAD right before it"),
        RANGE_GET("range-get", "serves ranged GETs", "large files are downloaded as one stream each"),
        MULTIPART("multipart", "multipart upload", "large files go up in one PUT each (at most 5 GiB)"),
        LIST_PARTS("list-parts", "ListParts", "an interrupted large upload starts again from the first byte"),
        LIST_FOLDERS(
                "list-folders",
                "lists every folder with delimiter=/ (also one holding only folders)",
                "the bucket is listed flat, every key in one listing (slower on a big bucket, never incomplete)"),
        COPY(
                "copy-object",
                "CopyObject (a copy made by the server)",
                "a bucket object a run deletes or overwrites is first downloaded into " + StateDir.TRASH_SHOWN + " here"
                        + " (not copied into the bucket's trash)"),
        COPY_METADATA(
                "copy-metadata",
                "keeps x-amz-meta-* on a copy",
                "a bucket object a run deletes or overwrites is first downloaded into " + StateDir.TRASH_SHOWN + " here"
                        + " (a copy in the bucket's trash would lose its mtime and checksum)");
        final String key, meaning, instead;

        Feature(String key, String meaning, String instead) {
            this.key = key;
            this.meaning = meaning;
            this.instead = instead;
        }
    }

    private final Path root, file;
    private final Map<Feature, Support> known = new EnumMap<>(Feature.class);
    /** The smallest single PUT the server refused as too large (bytes; none seen: Long.MAX_VALUE). */
    private long putLimit = Long.MAX_VALUE;

    private final Consumer<String> notice;
    private boolean changed;

    private StoreProfile(Path root, Path file, Consumer<String> notice) {
        this.root = root;
        this.file = file;
        this.notice = notice;
        for (Feature f : Feature.values()) known.put(f, Support.UNKNOWN);
    }

    /** A profile that is never saved (tests, doctor without a repo). */
    public static StoreProfile transientProfile() {
        return new StoreProfile(null, null, m -> {});
    }

    /**
     * The profile kept for this store in the repo, or an empty one.
     *
     * @param notice told once, in words, about each feature found missing (for the run's output)
     */
    public static StoreProfile load(Path root, String identity, Consumer<String> notice) {
        StoreProfile p = new StoreProfile(
                root, StateDir.profile(root).resolve(ContentHash.shortId(identity, 16) + ".properties"), notice);
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p.file, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (NoSuchFileException e) {
            return p;
        } catch (IOException | IllegalArgumentException e) {
            return p; // a damaged profile is only lost knowledge: it is learned again
        }
        for (Feature f : Feature.values()) {
            try {
                p.known.put(f, Support.valueOf(props.getProperty(f.key, "UNKNOWN")));
            } catch (IllegalArgumentException e) {
                // unknown value: keep UNKNOWN
            }
        }
        try {
            p.putLimit = Long.parseLong(props.getProperty(PUT_LIMIT, String.valueOf(Long.MAX_VALUE)));
        } catch (NumberFormatException e) {
            // learned again
        }
        return p;
    }

    public synchronized Support get(Feature f) {
        return known.get(f);
    }

    public synchronized boolean is(Feature f) {
        return known.get(f) == Support.YES;
    }

    public synchronized boolean isNot(Feature f) {
        return known.get(f) == Support.NO;
    }

    /** Records what an answer proved. A feature found missing is said once, with what is done instead. */
    public void learn(Feature f, boolean works) {
        learn(f, works, f.instead);
    }

    /** As {@link #learn(Feature, boolean)}, saying {@code instead} (null: nothing) where the feature is missing. */
    public void learn(Feature f, boolean works, String instead) {
        Support s = works ? Support.YES : Support.NO;
        synchronized (this) {
            if (known.get(f) == s) return;
            known.put(f, s);
            changed = true;
        }
        if (!works && instead != null)
            notice.accept("the server "
                    + switch (f) {
                        case ETAG_MD5 -> "does not give content MD5s as ETags";
                        case LIST_FOLDERS -> "leaves folders out of its listings with delimiter=/";
                        default -> "does not support " + f.meaning.replaceFirst("^(honours|serves|keeps|checks) ", "");
                    }
                    + ": " + instead);
    }

    static final String PUT_LIMIT = "single-put-limit";

    public synchronized long putLimit() {
        return putLimit;
    }

    /** A single PUT of {@code size} bytes was refused as too large: files that large or larger go up in parts. */
    public void learnPutLimit(long size) {
        synchronized (this) {
            if (size >= putLimit) return;
            putLimit = size;
            changed = true;
        }
        notice.accept("the server refuses a single PUT of " + Units.bytes(size)
                + ": files that large or larger go up in parts (multipart upload)");
    }

    /** Writes the profile if this run learned something; best effort (it can be learned again). */
    public synchronized void save() {
        if (!changed || file == null) return;
        Properties props = new Properties();
        for (Feature f : Feature.values()) props.setProperty(f.key, known.get(f).name());
        if (putLimit != Long.MAX_VALUE) props.setProperty(PUT_LIMIT, String.valueOf(putLimit));
        try {
            StateDir.create(root);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                props.store(w, "lambda-sync: what this server was seen to support (delete the file to learn it again)");
            }
            LocalTree.replace(tmp, file);
            changed = false;
        } catch (IOException e) {
            // next run learns it again
        }
    }

    /** One line for status: "server profile: ETag=MD5 yes, metadata yes, …". */
    public synchronized String oneLine() {
        List<String> parts = new ArrayList<>();
        for (Feature f : Feature.values()) parts.add(f.key + " " + word(known.get(f)));
        return String.join(", ", parts);
    }

    /** The table doctor prints: one row per feature. */
    public synchronized List<String> table() {
        List<String> rows = new ArrayList<>();
        for (Feature f : Feature.values())
            rows.add(String.format("%-16s %-8s %s", f.key, word(known.get(f)), f.meaning));
        if (putLimit != Long.MAX_VALUE)
            rows.add(String.format(
                    "%-16s %-8s %s", PUT_LIMIT, Units.bytes(putLimit), "a single PUT this large was refused"));
        return rows;
    }

    static String word(Support s) {
        return switch (s) {
            case YES -> "yes";
            case NO -> "no";
            case UNKNOWN -> "unknown";
        };
    }
}
