package lib.state;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.common.ContentHash;
import lib.local.LocalTree;

/**
 * What both sides held when they were last equal, per file: local size and mtime, the
 * store's tag (ETag) and the content MD5 (for a large download proven range by range, the multipart
 * ETag of its 16 MiB parts' MD5s instead). One versioned text file per store under
 * {@code .lambda-sync/state/}, written new-then-rename so a crash leaves the old one whole.
 */
public final class SyncState {
    public static final String HEADER = "# lambda-sync state v1";

    public record Entry(long size, long mtime, String tag, String md5) {}

    public final Path root, file;
    final String identity;
    public final Map<String, Entry> entries;
    /** Why the state file could not be used (then {@link #entries} is empty), or null. */
    public final String damage;

    private SyncState(Path root, Path file, String identity, Map<String, Entry> entries, String damage) {
        this.root = root;
        this.file = file;
        this.identity = identity;
        this.entries = entries;
        this.damage = damage;
    }

    /**
     * Reads the state for a store. A damaged file is not guessed at: the run treats every path as
     * never synced (so same content is recorded again and different content is a conflict:
     * nothing is overwritten or deleted on its account), and the first save keeps it aside.
     */
    public static SyncState load(Path root, String identity) {
        Path file = StateDir.state(root).resolve(ContentHash.shortId(identity, 16) + ".tsv");
        Map<String, Entry> entries = new HashMap<>();
        String damage = null;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (!HEADER.equals(r.readLine())) damage = "not a lambda-sync v1 state file";
            for (int lineNo = 2; damage == null; lineNo++) {
                String line = r.readLine();
                if (line == null) break;
                if (line.startsWith("#") || line.isEmpty()) continue;
                String[] f = line.split("\t", -1);
                try {
                    if (f.length != 5) throw new NumberFormatException("expected 5 fields, found " + f.length);
                    entries.put(
                            StateDir.unescape(f[0]), new Entry(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], f[4]));
                } catch (NumberFormatException e) {
                    damage = "line " + lineNo + " is damaged";
                }
            }
        } catch (NoSuchFileException e) {
            // first sync with this store
        } catch (IOException e) {
            damage = "cannot be read: " + e.getMessage();
        }
        if (damage == null) return new SyncState(root, file, identity, entries, null);
        return new SyncState(
                root,
                file,
                identity,
                new HashMap<>(),
                "the last-sync state " + file + " is unusable (" + damage + "): this run"
                        + " treats every file as never synced, so nothing is overwritten or deleted on its account (same content is"
                        + " recorded again, different content is a conflict); it is kept as "
                        + aside(file).getFileName()
                        + " when this run saves the state. To fix: nothing, or move a good copy back over it");
    }

    /**
     * One spelling per endpoint, for the names derived from a store's identity (the state file):
     * scheme and host in lower case, no default port (:443 for https, :80 for http), no trailing
     * slash. An endpoint spelled so already comes back unchanged, so existing state keeps its name.
     */
    public static String sameEndpoint(String url) {
        try {
            java.net.URI u = new java.net.URI(url.strip());
            if (u.getScheme() == null || u.getHost() == null) return url;
            String scheme = u.getScheme().toLowerCase(java.util.Locale.ROOT);
            int port = u.getPort();
            if ((scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80)) port = -1;
            String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
            return scheme + "://" + u.getHost().toLowerCase(java.util.Locale.ROOT) + (port < 0 ? "" : ":" + port)
                    + path;
        } catch (java.net.URISyntaxException e) {
            return url;
        }
    }

    private static Path aside(Path file) {
        return file.resolveSibling(file.getFileName() + ".damaged");
    }

    /** Writes all entries to a temp file, then renames it over the old one. */
    public synchronized void save() throws IOException {
        StateDir.create(root);
        Files.createDirectories(file.getParent());
        if (damage != null && Files.exists(file) && !Files.exists(aside(file))) Files.move(file, aside(file));
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        List<String> keys = new ArrayList<>(entries.keySet());
        keys.sort(null);
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(HEADER + "\n# store " + identity.replace('\n', ' ') + "\n");
            for (String k : keys) {
                Entry e = entries.get(k);
                w.write(StateDir.escape(k) + "\t" + e.size() + "\t" + e.mtime() + "\t" + e.tag() + "\t" + e.md5()
                        + "\n");
            }
        }
        LocalTree.replace(tmp, file);
    }

    public synchronized void put(String rel, Entry e) {
        entries.put(rel, e);
    }

    public synchronized void remove(String rel) {
        entries.remove(rel);
    }

    synchronized Entry get(String rel) {
        return entries.get(rel);
    }
}
