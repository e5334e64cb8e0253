package lib.sync;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import lib.common.Units;
import lib.plan.SyncPlan;

/**
 * Before a download, the plan's bytes against the usable space of the file system they land
 * on (per data dir: one may be a mount of its own). Short of space, the run stops up front,
 * rather than letting parallel downloads all fail half-way (SYNC.md "When things go wrong").
 */
public final class DiskSpace {
    private DiskSpace() {}

    /** The line naming both numbers and the fix when a download plan does not fit, else null (always for uploads). */
    static String problem(Path root, SyncPlan plan) {
        if (plan.direction != SyncPlan.Direction.DOWNLOAD) return null;
        Map<FileStore, long[]> need = new LinkedHashMap<>(); // file system -> {bytes, usable}
        Map<FileStore, Path> where = new LinkedHashMap<>();
        // Looked up once per data dir, not per file: each lookup reads the mount table.
        Map<Path, FileStore> byDataDir = new HashMap<>();
        for (SyncPlan.Item i : plan.of(SyncPlan.Action.GET)) {
            String[] parts = i.rel().split("/");
            Path dataDir = root.resolve(parts[0]).resolve(parts[1]);
            FileStore fs = byDataDir.get(dataDir);
            if (fs == null) {
                Path dir = existing(dataDir);
                try {
                    fs = Files.getFileStore(dir);
                } catch (IOException e) {
                    return null; // cannot tell: the downloads report a full disk file by file, as before
                }
                byDataDir.put(dataDir, fs);
                where.putIfAbsent(fs, dir);
            }
            need.computeIfAbsent(fs, k -> new long[] {0, usable(k)})[0] += i.bytes();
        }
        for (Map.Entry<FileStore, long[]> e : need.entrySet()) {
            String problem = shortfall(e.getValue()[0], e.getValue()[1], where.get(e.getKey()));
            if (problem != null) return problem;
        }
        return null;
    }

    /** The message when {@code bytes} do not fit in {@code usable}, else null. */
    public static String shortfall(long bytes, long usable, Path where) {
        if (usable < 0 || bytes <= usable) return null;
        return "not enough disk space: this download brings " + Units.bytes(bytes) + " (" + bytes
                + " bytes), and the file system of "
                + where + " has " + Units.bytes(usable) + " (" + usable
                + " bytes) free; nothing was downloaded. Free space"
                + " (df -h " + where + ") or download fewer paths (download <top>/data/<folder>)";
    }

    private static long usable(FileStore fs) {
        try {
            return fs.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The data dir, or its nearest existing parent (a fresh clone has none yet). */
    private static Path existing(Path p) {
        while (p != null && !Files.exists(p)) p = p.getParent();
        return p;
    }
}
