import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket on an S3-compatible server. Object key = prefix + repo-relative path, so a bucket
 * the bash tool filled lines up key for key. Relies only on: ListObjectsV2 (with delimiter),
 * Put/Get (with Range)/Head/DeleteObject, multipart upload, Content-MD5 and user metadata.
 * We store the source mtime and MD5 as metadata named as rclone names them ("mtime",
 * "md5chksum"), so a multipart object's content can still be proven without reading it.
 */
final class S3Store implements Store {
    static final long PART_SIZE = 16L * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final String endpoint;
    private final ExecutorService parts;

    S3Store(S3Client s3, String endpoint, String bucket, String prefix, int partJobs) {
        this.s3 = s3;
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.prefix = prefix;
        this.parts = Executors.newFixedThreadPool(partJobs, WorkerPool.daemon("part"));
    }

    @Override
    public String describe() {
        return "bucket '" + bucket + "'" + (prefix.isEmpty() ? "" : " under " + prefix) + " at " + endpoint;
    }

    @Override
    public String identity() {
        return "s3:" + endpoint + "/" + bucket + "/" + prefix;
    }

    // ---- listing: top level, then each X/, then every data dir's folders, concurrently ---------

    /** A big data dir with more folders than this is listed at once (a request per folder would be too many). */
    static final int SPLIT_LIMIT = 256;

    @Override
    public void list(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException {
        if (!scopes.isEmpty()) {
            parallel(scopes, p -> listRest(new Folder(p, null, null), sink));
            return;
        }
        List<String> tops = new ArrayList<>();
        listLevel("", tops, o -> reject(rel(o), outside));
        List<String> dataPrefixes = new ArrayList<>();
        parallel(tops, top -> {
            List<String> subs = new ArrayList<>();
            listLevel(top, subs, o -> reject(rel(o), outside));
            return subs.stream().filter(s -> DataDirs.NAMES.contains(s.substring(top.length(), s.length() - 1))
                    || reject(s, outside)).toList();
        }).forEach(dataPrefixes::addAll);
        // A data dir's first page (up to 1,000 keys) usually holds all of it. A bigger one is then
        // listed folder by folder, side by side: a filesystem-backed server (S3Proxy, maybe the
        // Lambda adapter) walks the whole tree again for every page, so one data dir of 10,000
        // keys cost ~1 s a page; by folder, the 100,000-file no-op of tests/bench went 19.3 s -> 6.1 s.
        List<Folder> rest = new ArrayList<>();
        parallel(dataPrefixes, p -> firstPage(p, sink)).forEach(rest::addAll);
        parallel(rest, f -> listRest(f, sink));
    }

    /** Lists a data dir's first page and, if there is more, its own files; returns what is left to list. */
    private List<Folder> firstPage(String dir, Consumer<Remote> sink) {
        // Tests make the first page small (-Dlambda.sync.firstPageKeys=N) to reach the split with few files.
        int keys = Integer.getInteger("lambda.sync.firstPageKeys", 1000);
        ListObjectsV2Response first = s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix + dir).maxKeys(keys).encodingType(EncodingType.URL));
        first.contents().forEach(o -> sink(sink, o));
        if (!Boolean.TRUE.equals(first.isTruncated()) || first.contents().isEmpty()) return List.of();
        // What the first page had is not sent again, whatever order or start-after the server keeps.
        Set<String> seen = ConcurrentHashMap.newKeySet();
        first.contents().forEach(o -> seen.add(o.key()));
        String after = first.contents().get(first.contents().size() - 1).key();
        List<String> folders = new ArrayList<>();
        listLevel(dir, folders, o -> {
            if (seen.add(o.key())) sink(sink, o);
        });
        if (folders.size() > SPLIT_LIMIT) return List.of(new Folder(dir, after, seen)); // too many: the rest at once
        Set<String> complete = completeFolders(first.contents(), dir);
        return folders.stream().filter(f -> !complete.contains(f)).map(f -> new Folder(f, after, seen)).toList();
    }

    /**
     * The folders a first page holds whole. S3 lists keys in lexicographic order, where a folder's
     * keys are contiguous: every folder the page shows is complete but the last one. Checked: a
     * folder that shows up twice, apart, means another order, and then none is taken as complete.
     */
    private Set<String> completeFolders(List<S3Object> page, String dir) {
        Set<String> complete = new HashSet<>();
        String current = null;
        for (S3Object o : page) {
            String f = folderOf(rel(o), dir);
            if (f.equals(current)) continue;
            if (!complete.add(f)) return Set.of();
            current = f;
        }
        complete.remove(current);
        return complete;
    }

    /** The folder directly under {@code dir} that holds {@code rel} ("exp/data/run-1/" for "exp/data/run-1/a/b"), or "" for a file in {@code dir}. */
    private static String folderOf(String rel, String dir) {
        int slash = rel.indexOf('/', dir.length());
        return slash < 0 ? "" : rel.substring(0, slash + 1);
    }

    /** Keys under {@code prefix}, after {@code after} and not in {@code seen} when those are given (the rest of a big data dir). */
    private record Folder(String prefix, String after, Set<String> seen) {}

    private Void listRest(Folder f, Consumer<Remote> sink) {
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + f.prefix).startAfter(f.after)
                .encodingType(EncodingType.URL))) {
            for (S3Object o : page.contents()) if (f.seen == null || f.seen.add(o.key())) sink(sink, o);
        }
        return null;
    }

    private String rel(S3Object o) {
        return o.key().substring(prefix.length());
    }

    private void sink(Consumer<Remote> sink, S3Object o) {
        Remote r = new Remote(rel(o), o.size(), ContentHash.normalizeEtag(o.eTag()));
        synchronized (sink) {
            sink.accept(r);
        }
    }

    private static boolean reject(String relPrefix, Consumer<String> outside) {
        synchronized (outside) {
            outside.accept(relPrefix);
        }
        return false;
    }

    /**
     * One delimited level: sub-prefixes go to {@code dirs}, objects to {@code objects}. Listings
     * ask for URL-encoded keys: a key with a control character is not valid in XML 1.0, and one
     * such key in a raw listing would make the whole bucket unlistable. The SDK decodes them
     * again, and only when the server says it encoded them, so servers that ignore it are fine.
     */
    private void listLevel(String relPrefix, List<String> dirs, Consumer<S3Object> objects) {
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + relPrefix).delimiter("/")
                .encodingType(EncodingType.URL))) {
            for (CommonPrefix cp : page.commonPrefixes()) dirs.add(cp.prefix().substring(prefix.length()));
            page.contents().forEach(objects);
        }
    }

    private <A, B> List<B> parallel(List<A> items, WorkerPool.IoFunction<A, B> fn) throws IOException {
        return WorkerPool.map(parts, items, fn);
    }

    // ---- upload ------------------------------------------------------------------------------

    @Override
    public Remote put(String rel, Path file, long mtime, String md5Hex) throws IOException {
        long size = Files.size(file);
        String key = prefix + rel;
        Map<String, String> meta = Map.of("mtime", mtimeMeta(mtime), "md5chksum", ContentHash.hexToBase64(md5Hex));
        String etag;
        if (size <= PART_SIZE) {
            // Content-MD5 makes the server refuse a body that is not what we hashed.
            etag = s3.putObject(b -> b.bucket(bucket).key(key).metadata(meta).contentMD5(ContentHash.hexToBase64(md5Hex)).contentLength(size),
                    RequestBody.fromContentProvider(() -> slice(file, 0, size), size, "application/octet-stream")).eTag();
        } else {
            etag = putMultipart(key, file, size, meta);
        }
        String tag = ContentHash.normalizeEtag(etag);
        // An MD5 ETag that is not the hash we sent means the file changed under us, unless the
        // file is still as hashed (then the server's ETags are simply not MD5s).
        if (Files.size(file) != size || size <= PART_SIZE && ContentHash.isPlainMd5(tag) && !tag.equals(md5Hex)
                && !md5Hex.equals(ContentHash.md5Hex(file))) {
            throw new IOException(rel + " changed while it was being uploaded; run again");
        }
        return new Remote(rel, size, tag);
    }

    private String putMultipart(String key, Path file, long size, Map<String, String> meta) throws IOException {
        abortEarlierUploads(key);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).metadata(meta)).uploadId();
        try {
            List<CompletedPart> done = parallel(partRanges(size), r -> {
                int n = (int) (r[0] / PART_SIZE) + 1;
                String partMd5 = ContentHash.hexToBase64(HexFormat.of().formatHex(ContentHash.md5Of(file, r[0], r[1]).digest()));
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(n).contentLength(r[1]).contentMD5(partMd5),
                        RequestBody.fromContentProvider(() -> slice(file, r[0], r[1]), r[1], "application/octet-stream")).eTag();
                return CompletedPart.builder().partNumber(n).eTag(etag).build();
            });
            return s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done))).eTag();
        } catch (IOException | RuntimeException e) {
            // Never leave a dangling upload behind (it costs storage and is invisible).
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (RuntimeException ignored) {
                // the server is likely gone; the original error says more
            }
            throw e;
        }
    }

    /**
     * A run that lost the server mid-upload (or was killed) could not abort its multipart upload,
     * whose parts then stay stored and invisible. This upload replaces the key anyway, so
     * unfinished uploads of exactly this key are aborted first (FaultTest found them dangling).
     * Best effort: a server without ListMultipartUploads just keeps them.
     */
    private void abortEarlierUploads(String key) {
        try {
            for (MultipartUpload u : s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads()) {
                if (u.key().equals(key)) s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(u.uploadId()));
            }
        } catch (SdkException ignored) {
            // not supported, or already gone: nothing we can do about it here
        }
    }

    /** The {offset, length} of each PART_SIZE part of an object of this size: upload parts and download ranges alike. */
    static List<long[]> partRanges(long size) {
        List<long[]> out = new ArrayList<>();
        for (long off = 0; off < size; off += PART_SIZE) out.add(new long[] {off, Math.min(PART_SIZE, size - off)});
        return out;
    }

    /** A stream over part of a file; the SDK opens a fresh one on every retry. */
    static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(offset);
            InputStream in = Channels.newInputStream(ch);
            return new FilterInputStream(in) {
                long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) return -1;
                    int b = super.read();
                    if (b >= 0) left--;
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    if (left <= 0) return -1;
                    int n = super.read(buf, off, (int) Math.min(len, left));
                    if (n > 0) left -= n;
                    return n;
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** rclone's format: seconds since the epoch with a fraction. */
    static String mtimeMeta(long millis) {
        return String.format("%d.%03d", Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000));
    }

    static long parseMtime(String meta, long fallback) {
        if (meta == null) return fallback;
        try {
            return Math.round(Double.parseDouble(meta) * 1000);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    // ---- download ----------------------------------------------------------------------------

    @Override
    public Fetched get(Remote remote, Path dest) throws IOException {
        String key = prefix + remote.rel();
        GetObjectResponse resp;
        MessageDigest md = ContentHash.md5();
        if (remote.size() <= PART_SIZE) {
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
                 var out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                resp = in.response();
                new DigestInputStream(in, md).transferTo(out);
            }
        } else {
            resp = getRanges(key, remote, dest, md);
        }
        String md5 = HexFormat.of().formatHex(md.digest());
        String etag = ContentHash.normalizeEtag(resp.eTag());
        long size = Files.size(dest);
        if (resp.contentLength() != null && remote.size() <= PART_SIZE && size != resp.contentLength()) {
            throw new IOException(remote.rel() + ": got " + size + " of " + resp.contentLength() + " bytes");
        }
        if (!verify(remote.rel(), etag, resp.metadata().get("md5chksum"), dest, size, md5)) {
            // No checksum to hold it against (a multipart object from another tool with a part size
            // we cannot guess, or a server whose ETags are not MD5s): read it once more, writing
            // nothing. Two transfers that agree were not corrupted in transit; before this, a
            // corrupted body of such an object landed silently (FaultTest found it).
            String again;
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key).ifMatch(quoted(etag)))) {
                again = ContentHash.md5Hex(in);
            }
            if (!again.equals(md5)) throw new IOException(remote.rel() + ": two downloads of it differ (corrupted in transit)");
        }
        long mtime = parseMtime(resp.metadata().get("mtime"), resp.lastModified() == null ? System.currentTimeMillis() : resp.lastModified().toEpochMilli());
        return new Fetched(new Remote(remote.rel(), size, etag), mtime, md5);
    }

    /**
     * Parallel ranged GETs into one file, all pinned to the same ETag (If-Match). The file's MD5
     * is computed here, range by range in order as they land, so no second pass over it is needed.
     */
    private GetObjectResponse getRanges(String key, Remote remote, Path dest, MessageDigest md) throws IOException {
        try (FileChannel ch = FileChannel.open(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            List<GetObjectResponse> resps = WorkerPool.map(parts, partRanges(remote.size()), r -> {
                String range = "bytes=" + r[0] + "-" + (r[0] + r[1] - 1);
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key).range(range).ifMatch(quoted(remote.tag())))) {
                    byte[] buf = new byte[256 * 1024];
                    long pos = r[0], got = 0;
                    for (int n; (n = in.read(buf)) > 0; ) {
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        while (bb.hasRemaining()) pos += ch.write(bb, pos);
                        got += n;
                    }
                    if (got != r[1]) throw new IOException(remote.rel() + ": range " + range + " returned " + got + " bytes");
                    return in.response();
                }
            }, (r, resp) -> ContentHash.update(md, ch, r[0], r[1]));
            return resps.get(0);
        }
    }

    private static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    /**
     * Proves the downloaded bytes are the object's, with whatever proof the server offers.
     * @return false when the server offers no proof to check against (then only the length was checked)
     */
    private static boolean verify(String rel, String etag, String md5Meta, Path file, long size, String md5) throws IOException {
        String expected = md5Meta == null ? null : ContentHash.base64ToHex(md5Meta);
        if (expected == null && ContentHash.isPlainMd5(etag)) expected = etag;
        if (expected != null) {
            if (!expected.equals(md5)) throw new IOException(rel + ": downloaded content does not match its checksum (corrupted in transit)");
            return true;
        }
        return ContentHash.multipartCount(etag) > 0 && ContentHash.multipartMatches(etag, file, size, PART_SIZE);
    }

    @Override
    public void delete(String rel) {
        s3.deleteObject(b -> b.bucket(bucket).key(prefix + rel));
    }

    // ---- same content without state ------------------------------------------------------------

    @Override
    public boolean sameContent(Remote remote, Path local, String localMd5) throws IOException {
        if (remote.tag().equals(localMd5)) return true;
        if (ContentHash.multipartMatches(remote.tag(), local, remote.size(), PART_SIZE)) return true;
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(prefix + remote.rel()));
        String meta = head.metadata().get("md5chksum");
        if (meta != null && ContentHash.base64ToHex(meta) != null) return localMd5.equals(ContentHash.base64ToHex(meta));
        if (ContentHash.isPlainMd5(remote.tag())) return false; // an MD5 ETag that differs
        // No proof on offer: read the object and compare, writing nothing.
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(prefix + remote.rel()))) {
            return ContentHash.md5Hex(in).equals(localMd5);
        }
    }

    @Override
    public void close() {
        parts.shutdownNow();
        s3.close();
    }
}
