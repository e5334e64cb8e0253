package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.Console;
import lib.common.StopException;
import lib.common.Units;
import lib.local.SyncIgnore;
import lib.plan.PlanPrinter;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreTrash;

/**
 * The {@code trash} command's side of the bucket's trash (SYNC.md, "The trash"): what it lists,
 * restores into the working tree and prunes there, beside this machine's trash ({@link Trash}).
 */
public final class BucketTrashCommand {
    private static final int SHOWN = 10;

    private BucketTrashCommand() {}

    /** The bucket trash's entries; none where there is no bucket, or (said once) where it cannot be read. */
    static List<StoreTrash.Entry> entries(StoreTrash bucket, Console console) {
        if (bucket == null) return List.of();
        try {
            return bucket.list();
        } catch (IOException e) {
            console.warn("the bucket's trash (" + StateDir.TRASH_SHOWN + " in the bucket) could not be read: "
                    + Transfer.describe(e) + "; only this machine's trash is shown");
            return List.of();
        }
    }

    /** Folder name -> its entries, oldest folder first. */
    private static Map<String, List<StoreTrash.Entry>> byFolder(List<StoreTrash.Entry> entries) {
        Map<String, List<StoreTrash.Entry>> out = new LinkedHashMap<>();
        for (StoreTrash.Entry e : entries)
            out.computeIfAbsent(e.folder(), f -> new ArrayList<>()).add(e);
        return out;
    }

    private static long bytes(List<StoreTrash.Entry> entries) {
        return entries.stream().mapToLong(StoreTrash.Entry::size).sum();
    }

    /** "bucket trash: …", then each folder: when (UTC), which machine, and each object with its size and why. */
    static void list(Store store, Console console) {
        StoreTrash bucket = store == null ? null : store.bucketTrash();
        if (bucket == null) return;
        List<StoreTrash.Entry> entries = entries(bucket, console);
        String where = StateDir.TRASH_SHOWN + " in " + store.describe();
        if (entries.isEmpty()) {
            console.info("bucket trash: empty (" + where + ")");
            return;
        }
        Map<String, List<StoreTrash.Entry>> folders = byFolder(entries);
        console.info(
                "bucket trash: " + Units.files(entries.size()) + ", " + Units.bytes(bytes(entries)) + " in "
                        + folders.size() + " folder(s) of " + where
                        + " (trash restore <path or folder> brings back here; trash prune --older-than 30d empties old folders)");
        folders.forEach((folder, in) -> {
            LocalDateTime t = LocalDateTime.ofInstant(StoreTrash.time(folder), ZoneOffset.UTC);
            console.info(folder + "  " + t.format(StoreTrash.SHOWN) + " UTC by "
                    + in.get(0).machine() + ": " + Units.files(in.size()) + ", " + Units.bytes(bytes(in)));
            int shown = console.verbose ? in.size() : Math.min(SHOWN, in.size());
            for (StoreTrash.Entry e : in.subList(0, shown))
                console.info("  " + PlanPrinter.shown(e.rel()) + " (" + Units.bytes(e.size()) + ")  "
                        + (e.why() == null ? "why not recorded" : e.why().words));
            if (shown < in.size()) console.info("  ... and " + (in.size() - shown) + " more (-v lists all)");
        });
    }

    /** One file and bytes line for doctor: what the bucket's trash holds. */
    public static String held(List<StoreTrash.Entry> entries) {
        return Units.files(entries.size()) + ", " + Units.bytes(bytes(entries)) + " in "
                + byFolder(entries).size() + " folder(s)";
    }

    /**
     * Downloads a bucket-trash object back to its path, with its modification time, never over a
     * file that differs (checked by size first, so a refusal moves no bytes); then removes it from
     * the bucket's trash.
     */
    static Trash.Restored restore(Path root, Console console, StoreTrash bucket, StoreTrash.Entry e) {
        Path dest = root.resolve(e.rel());
        Path tmp = dest.resolveSibling(
                SyncIgnore.TEMP_PREFIX + Long.toHexString(System.nanoTime()) + "-" + dest.getFileName());
        try {
            Trash.refuseLinks(root, dest.getParent());
            boolean there = Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
            if (there && (!Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS) || Files.size(dest) != e.size())) {
                Trash.refusal(console, e.rel());
                return Trash.Restored.REFUSED;
            }
            if (!Files.isDirectory(dest.getParent())) Files.createDirectories(dest.getParent());
            Store.Fetched f = bucket.fetch(e, tmp);
            if (there) {
                if (Files.mismatch(dest, tmp) != -1) {
                    Trash.refusal(console, e.rel());
                    return Trash.Restored.REFUSED;
                }
                bucket.delete(e.key());
                console.info(
                        "already there (same content), removed from the bucket's trash: " + PlanPrinter.shown(e.rel()));
                return Trash.Restored.ALREADY_THERE;
            }
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(f.mtime()));
            Files.move(tmp, dest); // never over a file that appeared meanwhile
            bucket.delete(e.key());
            console.info("restored: " + PlanPrinter.shown(e.rel()) + " (" + Units.bytes(e.size()) + ", from "
                    + e.folder() + " in the bucket's trash"
                    + (f.verified() ? "" : "; unverified: the server offered no checksum, only its length was checked")
                    + ")");
            return Trash.Restored.BACK;
        } catch (IOException x) {
            throw StopException.failure(
                    "could not restore " + e.rel() + " from the bucket's trash: " + Transfer.describe(x), x);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a temp file the next run removes
            }
        }
    }

    /** A bucket folder whose objects all went back loses its .why.tsv too. */
    static void tidy(StoreTrash bucket, List<Trash.Copy> copies, List<StoreTrash.Entry> gone) {
        if (bucket == null || gone.isEmpty()) return;
        Set<String> goneKeys = new HashSet<>();
        gone.forEach(e -> goneKeys.add(e.key()));
        Set<String> left = new HashSet<>();
        for (Trash.Copy c : copies)
            if (c.bucket() != null && !goneKeys.contains(c.bucket().key())) left.add(c.folder());
        for (StoreTrash.Entry e : gone) {
            if (left.contains(e.folder())) continue;
            try {
                bucket.delete(bucket.whyKey(e.folder()));
                left.add(e.folder()); // once
            } catch (IOException ignored) {
                // an orphan .why.tsv is listed as nothing and pruned with its folder
            }
        }
    }

    /**
     * Deletes the bucket folders whose run started before {@code before} (by their name, as the
     * local trash), object by object, and says what that freed. Another machine pruning at the
     * same time deletes the same old objects (a delete of one already gone is fine) and nothing
     * newer: only keys listed in an old folder are ever deleted.
     */
    static void prune(Store store, Console console, Instant before) {
        StoreTrash bucket = store == null ? null : store.bucketTrash();
        if (bucket == null) return;
        List<StoreTrash.Entry> entries;
        try {
            entries = bucket.list();
        } catch (IOException e) {
            throw StopException.failure(
                    "could not list the bucket's trash to prune it: " + Transfer.describe(e)
                            + " (this machine's trash was pruned; run the same command again)",
                    e);
        }
        long files = 0, bytes = 0;
        int pruned = 0, kept = 0;
        for (var f : byFolder(entries).entrySet()) {
            if (!StoreTrash.time(f.getKey()).isBefore(before)) {
                kept++;
                continue;
            }
            try {
                for (StoreTrash.Entry e : f.getValue()) bucket.delete(e.key());
                bucket.delete(bucket.whyKey(f.getKey()));
            } catch (IOException e) {
                throw StopException.failure(
                        "could not prune " + f.getKey() + " in the bucket's trash: " + Transfer.describe(e)
                                + " (run the same command again)",
                        e);
            }
            console.info("pruned " + f.getKey() + " in the bucket: "
                    + Units.files(f.getValue().size()) + ", " + Units.bytes(bytes(f.getValue())));
            files += f.getValue().size();
            bytes += bytes(f.getValue());
            pruned++;
        }
        console.summary("freed " + Units.bytes(bytes) + " in the bucket (" + Units.files(files) + " in " + pruned
                + " folder(s)); " + kept + " folder(s) kept there");
    }
}
