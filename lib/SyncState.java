import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What both sides held when they were last equal, per file: local size and mtime, the
 * store's tag (ETag) and the content MD5. One versioned text file per store under
 * {@code .lambda-sync/state/}, written new-then-rename so a crash leaves the old one whole.
 */
final class SyncState {
    static final String HEADER = "# lambda-sync state v1";

    record Entry(long size, long mtime, String tag, String md5) {}

    final Path file;
    final String identity;
    final Map<String, Entry> entries;

    private SyncState(Path file, String identity, Map<String, Entry> entries) {
        this.file = file;
        this.identity = identity;
        this.entries = entries;
    }

    static Path dir(Path root) {
        return root.resolve(".lambda-sync");
    }

    static SyncState load(Path root, String identity) {
        Path file = dir(root).resolve("state").resolve(hash(identity) + ".tsv");
        Map<String, Entry> entries = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (!HEADER.equals(first)) {
                throw ExitException.usage(file + ": not a lambda-sync v1 state file; move it away to start afresh"
                        + " (the next run then compares contents instead)");
            }
            int lineNo = 1;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.startsWith("#") || line.isEmpty()) continue;
                String[] f = line.split("\t", -1);
                if (f.length != 5) throw ExitException.usage(file + ":" + lineNo + ": damaged state line; move the file away to start afresh");
                entries.put(unescape(f[0]), new Entry(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], f[4]));
            }
        } catch (NoSuchFileException e) {
            // first sync with this store
        } catch (IOException | NumberFormatException e) {
            throw ExitException.usage(file + ": cannot read the last-sync state (" + e.getMessage() + "); move it away to start afresh");
        }
        return new SyncState(file, identity, entries);
    }

    /** Writes all entries to a temp file, then renames it over the old one. */
    synchronized void save() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        List<String> keys = new ArrayList<>(entries.keySet());
        keys.sort(null);
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(HEADER + "\n# store " + identity.replace('\n', ' ') + "\n");
            for (String k : keys) {
                Entry e = entries.get(k);
                w.write(escape(k) + "\t" + e.size() + "\t" + e.mtime() + "\t" + e.tag() + "\t" + e.md5() + "\n");
            }
        }
        LocalTree.replace(tmp, file);
    }

    synchronized void put(String rel, Entry e) {
        entries.put(rel, e);
    }

    synchronized void remove(String rel) {
        entries.remove(rel);
    }

    synchronized Entry get(String rel) {
        return entries.get(rel);
    }

    private static String hash(String identity) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
