import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import lib.common.ContentHash;
import lib.local.DataDirs;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.s3.S3Store;

/**
 * The far side kept in a map, for engine tests that do not test S3 itself (the sync rules, the
 * deletion bound): what {@link Store} promises and nothing more. Every write gets a new tag, as
 * an ETag would; {@code planned} preconditions are honoured, so a lost race is a PRECONDITION.
 * Like a server that keeps objects as files (S3Proxy, the Lambda adapter), a key cannot be both
 * a file and a folder ({@code k} and {@code k/x}). One instance stands for one bucket shared by
 * every clone that runs against it ({@link Repo#withStore}); closing it keeps its contents.
 */
final class MemoryStore implements Store, FarSide {
    private record Obj(byte[] bytes, long mtime, String tag) {}

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, Obj> objects = new TreeMap<>();
    private final AtomicLong writes = new AtomicLong();

    /** A config file (mode 600) the tool accepts; its bucket and endpoint are never contacted. */
    static Path config(Path dir) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("memory.sync.env");
            Files.writeString(
                    file,
                    "BUCKET_NAME=memory\nLAMBDA_ACCESS_KEY_ID=unused\nLAMBDA_SECRET_ACCESS_KEY=unused\n"
                            + "LAMBDA_REGION=us-east-1\nLAMBDA_ENDPOINT_URL=http://127.0.0.1:9\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Repo repo(Path dir) {
        return Repo.init(dir, config(dir.resolveSibling(dir.getFileName() + "-config")))
                .withStore(this);
    }

    // ---- as another machine or tool sees it ----------------------------------------------------

    /** Writes an object as another machine would (a new tag, as any write gives). */
    @Override
    public synchronized void put(String key, String text) {
        objects.put(key, new Obj(text.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis(), nextTag()));
    }

    @Override
    public synchronized void delete(String key) {
        objects.remove(key);
    }

    @Override
    public synchronized String text(String key) {
        Obj o = objects.get(key);
        return o == null ? null : new String(o.bytes, StandardCharsets.UTF_8);
    }

    /** Its tag: every write gives a new one. */
    @Override
    public synchronized Object version(String key) {
        Obj o = objects.get(key);
        return o == null ? null : o.tag;
    }

    /** Every key with its content as {@link Repo#describe} shows it: comparable with {@link Repo#dataFiles}. */
    synchronized Map<String, String> contents() {
        Map<String, String> out = new TreeMap<>();
        objects.forEach((k, o) -> out.put(k, Repo.describe(o.bytes)));
        return out;
    }

    // ---- the Store contract ---------------------------------------------------------------------

    @Override
    public String describe() {
        return "memory store " + id;
    }

    @Override
    public String identity() {
        return "memory:" + id;
    }

    @Override
    public synchronized void list(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) {
        for (var e : objects.entrySet()) {
            String key = e.getKey();
            String[] parts = key.split("/");
            boolean data = parts.length > 2 && !parts[0].startsWith(".") && DataDirs.NAMES.contains(parts[1]);
            if (!data) {
                if (!key.startsWith(S3Store.OWN_DIR)) outside.accept(key);
            } else if (scopes.isEmpty()
                    || scopes.stream()
                            .anyMatch(s ->
                                    s.endsWith("/") ? key.startsWith(s) : key.equals(s) || key.startsWith(s + "/"))) {
                sink.accept(remote(key, e.getValue()));
            }
        }
    }

    @Override
    public synchronized Stored put(String rel, Path file, long mtime, String md5Hex, Remote planned)
            throws IOException {
        expect(rel, planned);
        for (String k : objects.keySet()) {
            if (k.startsWith(rel + "/") || rel.startsWith(k + "/")) {
                throw new StoreException(
                        StoreException.Kind.REFUSED, rel + ": a file and a folder of the same name (" + k + ")");
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        String md5 = ContentHash.md5Hex(bytes);
        if (md5Hex != null && !md5Hex.equals(md5)) {
            throw new StoreException(
                    StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being sent");
        }
        Obj o = new Obj(bytes, mtime, nextTag());
        objects.put(rel, o);
        return new Stored(remote(rel, o), md5);
    }

    @Override
    public synchronized Fetched get(Remote remote, Path dest) throws IOException {
        Obj o = objects.get(remote.rel());
        if (o == null) throw new StoreException(StoreException.Kind.NOT_FOUND, remote.rel() + ": no such object");
        // As If-Match on GET: the object the plan saw, or a lost race.
        if (!o.tag.equals(remote.tag()))
            throw new StoreException(
                    StoreException.Kind.PRECONDITION, remote.rel() + ": changed since the plan was made");
        Files.write(dest, o.bytes);
        return new Fetched(remote(remote.rel(), o), o.mtime, ContentHash.md5Hex(o.bytes), true);
    }

    @Override
    public synchronized void delete(Remote planned) throws IOException {
        expect(planned.rel(), planned);
        objects.remove(planned.rel());
    }

    @Override
    public synchronized boolean sameContent(Remote remote, Path local, String localMd5) {
        Obj o = objects.get(remote.rel());
        return o != null && ContentHash.md5Hex(o.bytes).equals(localMd5);
    }

    @Override
    public void close() {
        // The "bucket" outlives each run: the next run (or another clone) sees what this one left.
    }

    /** The object is still what the plan saw (null: absent), else another writer won. */
    private void expect(String rel, Remote planned) throws StoreException {
        Obj o = objects.get(rel);
        Remote now = o == null ? null : remote(rel, o);
        if (planned == null ? now != null : !planned.equals(now)) {
            throw new StoreException(
                    StoreException.Kind.PRECONDITION, rel + ": changed in the store since the plan was made");
        }
    }

    private String nextTag() {
        return id + "-" + writes.incrementAndGet();
    }

    private static Remote remote(String rel, Obj o) {
        return new Remote(rel, o.bytes.length, o.tag);
    }
}
