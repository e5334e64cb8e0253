package lib.store.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import lib.common.ContentHash;
import lib.state.StateDir;
import lib.store.Store;

/**
 * Our own proof of content, for servers whose ETags are not MD5s and that keep no metadata (the
 * Lambda adapter may be one): each machine keeps one small object in the bucket,
 * {@code <prefix>.lambda-sync/manifest/<machine>.tsv}, listing what it uploaded (path, size, the
 * ETag the server gave, the content MD5), and every machine reads them all. An entry proves an
 * object's content only while the object's ETag and size are the ones written down: any other
 * write to the key changes the ETag, and then the entry says nothing.
 */
public final class ProofManifest {
    static final String DIR = S3Store.OWN_DIR + "manifest/";
    public static final String HEADER = "# lambda-sync proofs v1";

    public record Entry(String rel, long size, String tag, String md5) {}

    private ProofManifest() {}

    /** Entries of a manifest object; lines that do not parse are skipped (another version wrote them). */
    public static List<Entry> parse(String text) {
        List<Entry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            if (f.length != 4 || !ContentHash.isPlainMd5(f[3])) continue;
            try {
                out.add(new Entry(StateDir.unescape(f[0]), Long.parseLong(f[1]), f[2], f[3].toLowerCase()));
            } catch (NumberFormatException e) {
                // skip
            }
        }
        return out;
    }

    public static String format(Collection<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> a.rel().compareTo(b.rel()));
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Entry e : sorted)
            b.append(StateDir.escape(e.rel()))
                    .append('\t')
                    .append(e.size())
                    .append('\t')
                    .append(e.tag())
                    .append('\t')
                    .append(e.md5())
                    .append('\n');
        return b.toString();
    }

    /** The lookup key: an entry proves content only for this exact size and ETag. */
    public static String key(String rel, long size, String tag) {
        return rel + "\n" + size + "\n" + tag;
    }

    /**
     * This machine's next manifest: what it uploaded this run, plus earlier entries whose object is
     * still listed with the same size and ETag (the rest are stale and dropped).
     *
     * @param listed the store's listing by path, or null when it was not listed in full (then keep all)
     */
    public static Map<String, Entry> next(
            Collection<Entry> previous, Map<String, Store.Remote> listed, Collection<Entry> uploaded) {
        Map<String, Entry> out = new HashMap<>();
        for (Entry e : previous) {
            Store.Remote r = listed == null ? null : listed.get(e.rel());
            if (listed == null || r != null && r.size() == e.size() && r.tag().equals(e.tag())) out.put(e.rel(), e);
        }
        for (Entry e : uploaded) out.put(e.rel(), e);
        return out;
    }

    /**
     * A random id for this clone, kept in {@code .lambda-sync/machine-id}: one manifest per machine.
     *
     * @param create make one if there is none yet; else null then
     */
    public static String machineId(Path root, boolean create) throws IOException {
        Path file = StateDir.machineId(root);
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (id.matches("[0-9a-f]{12}")) return id;
        }
        if (!create) return null;
        StateDir.create(root);
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try {
            Files.writeString(
                    file, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException raced) {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        return id;
    }
}
