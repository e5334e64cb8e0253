import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
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
 * the bash tool filled lines up key for key. Needs only ListObjectsV2 (with delimiter) and
 * Put/Get/Head/DeleteObject; everything else (multipart, ranged and conditional requests,
 * metadata, MD5 ETags) is used where the {@link StoreProfile} says the server has it, and
 * degraded around where it does not (SYNC.md, "Servers that are not AWS"). We store the source
 * mtime and MD5 as metadata named as rclone names them ("mtime", "md5chksum"), and where ETags
 * are not MD5s, a {@link ProofManifest} per machine. SDK failures leave as {@link StoreException}.
 */
final class S3Store implements Store {
    static final long PART_SIZE = 16L * 1024 * 1024;
    /** S3's limit for one PUT: beyond it only multipart can store a file. */
    static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
    /** The tool's own keys (doctor's probe, the proof manifests): never data, never "outside". */
    static final String OWN_DIR = ".lambda-sync/";

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final String endpoint;
    private final ExecutorService parts;
    private volatile StoreProfile profile = StoreProfile.transientProfile();
    private volatile Path root;
    /** Proofs from every machine's manifest: {@link ProofManifest#key} -> content MD5. */
    private final Map<String, String> proofs = new ConcurrentHashMap<>();
    private final List<ProofManifest.Entry> ownPrevious = new ArrayList<>();
    private final Queue<ProofManifest.Entry> uploaded = new ConcurrentLinkedQueue<>();
    private final Map<String, Remote> listed = new ConcurrentHashMap<>();
    private volatile boolean listedInFull, manifestsRead;
    private final AtomicLong comparedFiles = new AtomicLong(), comparedBytes = new AtomicLong();
    private volatile boolean probed;

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
        return "s3:" + SyncState.sameEndpoint(endpoint) + "/" + bucket + "/" + prefix;
    }

    @Override
    public void open(Path root, Consumer<String> notice) {
        this.root = root;
        this.profile = StoreProfile.load(root, identity(), notice);
    }

    /** For doctor: a profile of its own (printed, and saved when there is a repo). */
    void useProfile(StoreProfile p) {
        this.profile = p;
    }

    @Override
    public StoreProfile profile() {
        return profile;
    }

    @Override
    public long[] compared() {
        return new long[] {comparedFiles.get(), comparedBytes.get()};
    }

    /** Saves what this run learned: the profile, and this machine's proofs where ETags prove nothing. */
    @Override
    public void finish() {
        profile.save();
        if (uploaded.isEmpty() || root == null || profile.is(StoreProfile.Feature.ETAG_MD5)) return;
        try {
            if (!manifestsRead) readManifests();
            var next = ProofManifest.next(ownPrevious, listedInFull ? listed : null, uploaded);
            byte[] body = ProofManifest.format(next.values()).getBytes(StandardCharsets.UTF_8);
            String key = prefix + ProofManifest.DIR + ProofManifest.machineId(root, true) + ".tsv";
            s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) body.length), RequestBody.fromBytes(body));
        } catch (IOException | SdkException e) {
            // Only proofs for other machines are lost: they fall back to a compare by download.
        }
    }

    /** Runs an SDK call, turning its failures into typed ones. */
    private <T> T call(String what, java.util.function.Supplier<T> request) throws StoreException {
        try {
            return request.get();
        } catch (SdkException e) {
            throw StoreException.of(e, what);
        } catch (UncheckedIOException e) {
            throw new StoreException(StoreException.Kind.UNREACHABLE, what + ": " + e.getCause().getMessage(), 0, "", e.getCause());
        }
    }

    // ---- listing: top level, then each X/, then every data dir's folders, concurrently ---------

    /** A big data dir with more folders than this is listed at once (a request per folder would be too many). */
    static final int SPLIT_LIMIT = 256;

    @Override
    public void list(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException {
        // Where ETags prove nothing, the proof manifests are read while the data is listed, and the
        // listing is kept to drop this machine's stale proofs afterwards.
        boolean proofsNeeded = !profile.is(StoreProfile.Feature.ETAG_MD5);
        Consumer<Remote> into = !proofsNeeded ? sink : r -> {
            listed.put(r.rel(), r);
            sink.accept(r);
        };
        try {
            var manifests = proofsNeeded ? parts.submit(this::readManifests) : null;
            listData(scopes, into, outside);
            listedInFull = scopes.isEmpty();
            if (manifests != null) manifests.get();
        } catch (SdkException e) {
            throw StoreException.of(e, "listing " + describe());
        } catch (UncheckedIOException e) {
            throw new StoreException(StoreException.Kind.UNREACHABLE, "listing " + describe() + ": " + e.getCause().getMessage(), 0, "", e);
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IOException("listing the proof manifests: " + e, e);
        }
    }

    private void listData(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException {
        if (!scopes.isEmpty()) {
            parallel(scopes, p -> listRest(new Folder(p, null, null), sink));
            return;
        }
        List<String> tops = new ArrayList<>();
        listLevel("", tops, o -> reject(rel(o), outside));
        tops.remove(OWN_DIR);
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

    /** Reads every machine's proof manifest; a missing or unreadable one only means fewer proofs. */
    private Void readManifests() {
        try {
            String dir = prefix + ProofManifest.DIR;
            String id = root == null ? null : ProofManifest.machineId(root, false);
            String mine = id == null ? null : dir + id + ".tsv";
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(dir))) {
                for (S3Object o : page.contents()) {
                    String text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(o.key())).asUtf8String();
                    for (ProofManifest.Entry e : ProofManifest.parse(text)) {
                        proofs.put(ProofManifest.key(e.rel(), e.size(), e.tag()), e.md5());
                        if (o.key().equals(mine)) ownPrevious.add(e);
                    }
                }
            }
        } catch (IOException | SdkException | UncheckedIOException e) {
            // no proofs from the manifests: contents are compared by download instead
        }
        manifestsRead = true;
        return null;
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
    public Stored put(String rel, Path file, long mtime, String md5Hex, Remote planned) throws IOException {
        probeOnce();
        long size = Files.size(file);
        String key = prefix + rel;
        boolean multipart = size > PART_SIZE && !profile.isNot(StoreProfile.Feature.MULTIPART);
        Stored s = null;
        if (multipart) s = putMultipart(rel, key, file, size, mtime, md5Hex, planned);
        if (s == null) {
            if (size > MAX_SINGLE_PUT) {
                throw new StoreException(StoreException.Kind.REFUSED, rel + " is " + Units.bytes(size) + ": the server does not support multipart"
                        + " upload and one PUT takes at most 5 GiB; split the file, or sync it with SYNC_TARGET on a mounted filesystem");
            }
            s = putSingle(rel, key, file, size, mtime, md5Hex == null ? ContentHash.md5Hex(file) : md5Hex, planned);
        }
        uploaded.add(new ProofManifest.Entry(rel, size, s.remote().tag(), s.md5()));
        return s;
    }

    private Stored putSingle(String rel, String key, Path file, long size, long mtime, String md5Hex, Remote planned) throws IOException {
        boolean meta = !profile.isNot(StoreProfile.Feature.METADATA);
        boolean conditional = profile.is(StoreProfile.Feature.CONDITIONAL_PUT);
        if (!conditional) expectUnchanged(rel, key, planned);
        AtomicReference<MessageDigest> sent = new AtomicReference<>();
        String etag;
        try {
            etag = s3.putObject(b -> {
                b.bucket(bucket).key(key).contentMD5(ContentHash.hexToBase64(md5Hex)).contentLength(size);
                if (meta) b.metadata(meta(mtime, md5Hex));
                if (conditional) condition(planned, b::ifMatch, b::ifNoneMatch);
            }, RequestBody.fromContentProvider(() -> digested(slice(file, 0, size), sent), size, "application/octet-stream")).eTag();
        } catch (SdkException e) {
            if (StoreException.unsupported(e) && meta && !profile.is(StoreProfile.Feature.METADATA)) {
                profile.learn(StoreProfile.Feature.METADATA, false, "uploads carry no metadata; contents are proven by MD5 ETags or the proof manifests");
                return putSingle(rel, key, file, size, mtime, md5Hex, planned);
            }
            if (StoreException.unsupported(e) && conditional) {
                profile.learn(StoreProfile.Feature.CONDITIONAL_PUT, false, "each write checks the object with a HEAD right before it");
                return putSingle(rel, key, file, size, mtime, md5Hex, planned);
            }
            String landed = conditional ? ownWriteLanded(e, key, size, md5Hex, null) : null;
            if (landed == null) throw uploadFailure(e, rel, file, size, mtime);
            etag = landed;
        }
        String tag = ContentHash.normalizeEtag(etag);
        // A server that does not check Content-MD5 stores whatever arrived: the bytes sent must be the hashed ones.
        if (!profile.is(StoreProfile.Feature.CONTENT_MD5) && sent.get() != null && !hex(sent.get()).equals(md5Hex)) {
            throw new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded").stored(tag);
        }
        learnEtag(tag, md5Hex);
        return new Stored(new Remote(rel, size, tag), md5Hex);
    }

    /**
     * Parts are read once for their MD5s (with the whole file's, in the same pass) and then sent
     * with those as Content-MD5, so a part that changed in between is refused (or, where the server
     * does not check, caught by the digest of what was sent). Before completing, the file must
     * still be as planned; on any change the upload is aborted and the previous object stays.
     * An upload cut off by a network failure or an interrupt is kept, with its {@link UploadJournal},
     * so the next run sends only the missing parts (SYNC.md, "Resuming").
     *
     * @return null when the server turned out not to support multipart (then a single PUT is used)
     */
    private Stored putMultipart(String rel, String key, Path file, long size, long mtime, String md5Hex, Remote planned) throws IOException {
        ContentHash.Parts hashes = ContentHash.parts(file, PART_SIZE);
        if (md5Hex != null && !hashes.md5().equals(md5Hex)) {
            throw new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded (since it was hashed)");
        }
        String md5 = hashes.md5();
        UploadJournal journal = UploadJournal.of(root, identity(), key);
        Map<Integer, String> reuse = new HashMap<>();
        String uploadId = resume(journal, rel, key, size, mtime, hashes, reuse);
        if (uploadId == null) {
            abortEarlierUploads(key, null);
            uploadId = createUpload(rel, key, mtime, md5);
            if (uploadId == null) return null;
            if (journal != null) journal.begin(uploadId, PART_SIZE, size, mtime);
        } else {
            abortEarlierUploads(key, uploadId);
        }
        String id = uploadId;
        boolean checkSent = !profile.is(StoreProfile.Feature.CONTENT_MD5);
        try {
            List<CompletedPart> done = parallel(partRanges(size), r -> {
                int n = (int) (r[0] / PART_SIZE) + 1;
                if (reuse.containsKey(n)) return CompletedPart.builder().partNumber(n).eTag(reuse.get(n)).build();
                String partMd5 = hashes.partMd5s().get(n - 1);
                AtomicReference<MessageDigest> sent = new AtomicReference<>();
                String etag = call(rel, () -> s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(n).contentLength(r[1])
                                .contentMD5(ContentHash.hexToBase64(partMd5)),
                        RequestBody.fromContentProvider(() -> checkSent ? digested(slice(file, r[0], r[1]), sent) : slice(file, r[0], r[1]),
                                r[1], "application/octet-stream")).eTag());
                if (checkSent && sent.get() != null && !hex(sent.get()).equals(partMd5)) {
                    throw new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded (part " + n + ")");
                }
                if (journal != null) journal.finished(new UploadJournal.Part(n, r[1], partMd5, etag));
                return CompletedPart.builder().partNumber(n).eTag(etag).build();
            });
            if (Files.size(file) != size || Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis() != mtime) {
                throw new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded");
            }
            boolean conditional = profile.is(StoreProfile.Feature.CONDITIONAL_PUT);
            if (!conditional) expectUnchanged(rel, key, planned);
            String etag;
            try {
                etag = s3.completeMultipartUpload(b -> {
                    b.bucket(bucket).key(key).uploadId(id).multipartUpload(m -> m.parts(done));
                    if (conditional) condition(planned, b::ifMatch, b::ifNoneMatch);
                }).eTag();
            } catch (SdkException e) {
                etag = ownWriteLanded(e, key, size, md5, ContentHash.multipartEtag(hashes.partMd5s()));
                if (etag == null) throw e;
            }
            if (journal != null) journal.forget();
            return new Stored(new Remote(rel, size, ContentHash.normalizeEtag(etag)), md5);
        } catch (IOException | RuntimeException e) {
            StoreException se = e instanceof SdkException sdk ? uploadFailure(sdk, rel, file, size, mtime) : e instanceof StoreException x ? x : null;
            // Cut off (network, server gone, interrupt): keep it to resume. Anything else: abort, so
            // nothing dangles (it costs storage and is invisible); the previous object stays.
            boolean keep = journal != null && (se == null ? e instanceof IOException : se.kind == StoreException.Kind.UNREACHABLE
                    || se.kind == StoreException.Kind.THROTTLED || se.kind == StoreException.Kind.SERVER_ERROR);
            if (!keep) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
                } catch (RuntimeException ignored) {
                    // the server is likely gone; the original error says more
                }
                if (journal != null) journal.forget();
            }
            if (se != null) throw se;
            throw e;
        }
    }

    /**
     * The upload an earlier run left for this key, if the file is as it was then and the server
     * still holds it: fills {@code reuse} with the parts that need not be sent again (recorded,
     * listed by the server with the same ETag, and still holding the same bytes here).
     *
     * @return its upload id, or null to start afresh (the old upload is aborted then)
     */
    private String resume(UploadJournal journal, String rel, String key, long size, long mtime, ContentHash.Parts hashes,
                          Map<Integer, String> reuse) {
        UploadJournal.Pending p = journal == null ? null : journal.pending();
        if (p == null) return null;
        boolean same = p.size() == size && p.mtime() == mtime && p.partSize() == PART_SIZE && !profile.isNot(StoreProfile.Feature.LIST_PARTS);
        Map<Integer, String> listed = new HashMap<>();
        if (same) {
            try {
                for (var page : s3.listPartsPaginator(b -> b.bucket(bucket).key(key).uploadId(p.uploadId()))) {
                    page.parts().forEach(part -> listed.put(part.partNumber(), ContentHash.normalizeEtag(part.eTag())));
                }
                profile.learn(StoreProfile.Feature.LIST_PARTS, true, null);
            } catch (SdkException e) {
                if (StoreException.unsupported(e)) {
                    profile.learn(StoreProfile.Feature.LIST_PARTS, false, "an interrupted large upload starts again from the first byte");
                }
                same = false; // gone (aborted, expired), or not listable: start afresh
            }
        }
        if (!same) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(p.uploadId()));
            } catch (SdkException ignored) {
                // already gone
            }
            journal.forget();
            return null;
        }
        for (UploadJournal.Part part : p.parts().values()) {
            boolean sameBytes = part.number() <= hashes.partMd5s().size() && hashes.partMd5s().get(part.number() - 1).equals(part.md5());
            if (sameBytes && ContentHash.normalizeEtag(part.etag()).equals(listed.get(part.number()))) reuse.put(part.number(), part.etag());
        }
        return p.uploadId();
    }

    /** Bytes of this file that an interrupted upload already left in the store (for the plan). */
    @Override
    public long resumable(String rel, long size, long mtime) {
        UploadJournal journal = UploadJournal.of(root, identity(), prefix + rel);
        UploadJournal.Pending p = journal == null ? null : journal.pending();
        return p != null && p.size() == size && p.mtime() == mtime && p.partSize() == PART_SIZE ? p.bytesDone() : 0;
    }

    /** @return the new upload's id, or null when the server has no multipart upload */
    private String createUpload(String rel, String key, long mtime, String md5) throws StoreException {
        boolean meta = !profile.isNot(StoreProfile.Feature.METADATA);
        try {
            String id = s3.createMultipartUpload(b -> {
                b.bucket(bucket).key(key);
                if (meta) b.metadata(meta(mtime, md5));
            }).uploadId();
            profile.learn(StoreProfile.Feature.MULTIPART, true, null);
            return id;
        } catch (SdkException e) {
            if (!StoreException.unsupported(e)) throw StoreException.of(e, rel);
        }
        if (meta && !profile.is(StoreProfile.Feature.METADATA)) {
            try {
                String id = s3.createMultipartUpload(c -> c.bucket(bucket).key(key)).uploadId();
                profile.learn(StoreProfile.Feature.METADATA, false, "uploads carry no metadata; contents are proven by MD5 ETags or the proof manifests");
                return id;
            } catch (SdkException again) {
                // multipart itself is missing
            }
        }
        profile.learn(StoreProfile.Feature.MULTIPART, false, "large files go up in one PUT each (at most 5 GiB)");
        return null;
    }

    /** The write's precondition: the object is still what the plan saw (absent: still absent). */
    private static void condition(Remote planned, Consumer<String> ifMatch, Consumer<String> ifNoneMatch) {
        if (planned == null) ifNoneMatch.accept("*");
        else ifMatch.accept(quoted(planned.tag()));
    }

    /**
     * Where the server ignores conditional writes: a HEAD right before the write. Another machine's
     * write that lands between this HEAD and ours is still lost (SYNC.md states the window).
     */
    private void expectUnchanged(String rel, String key, Remote planned) throws StoreException {
        HeadObjectResponse now;
        try {
            now = s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            StoreException se = StoreException.of(e, rel);
            if (se.kind != StoreException.Kind.NOT_FOUND) throw se;
            now = null;
        }
        boolean same = planned == null ? now == null
                : now != null && now.contentLength() == planned.size() && ContentHash.normalizeEtag(now.eTag()).equals(planned.tag());
        if (!same) throw raced(rel);
    }

    /**
     * A write refused as "not what the plan saw" (412), or a completion whose upload is gone (404),
     * may be our own write: the server stored the first attempt, its answer was lost, and the SDK's
     * retry met the object it had just written. It is ours when it holds our content by a proof
     * the profile trusts (our md5chksum, or an MD5 ETag); then the write succeeded.
     *
     * @return the stored ETag, or null when it is not (provably) ours
     */
    private String ownWriteLanded(SdkException e, String key, long size, String md5, String multipartEtag) {
        StoreException.Kind kind = StoreException.of(e, null).kind;
        if (kind != StoreException.Kind.PRECONDITION && kind != StoreException.Kind.NOT_FOUND) return null;
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key));
            if (h.contentLength() == null || h.contentLength() != size) return null;
            String tag = ContentHash.normalizeEtag(h.eTag());
            String meta = h.metadata().get("md5chksum");
            if (meta != null && md5.equals(ContentHash.base64ToHex(meta))) return tag;
            if (profile.is(StoreProfile.Feature.ETAG_MD5) && (tag.equalsIgnoreCase(md5) || tag.equalsIgnoreCase(multipartEtag))) return tag;
        } catch (SdkException gone) {
            // not there, or not reachable: not provably ours
        }
        return null;
    }

    private static StoreException raced(String rel) {
        return new StoreException(StoreException.Kind.PRECONDITION, rel + ": changed in the bucket since the plan was made (another machine?)");
    }

    /** A refused upload body is this file changing under us when it no longer is what was planned, else damage on the way. */
    private StoreException uploadFailure(SdkException e, String rel, Path file, long size, long mtime) {
        StoreException se = StoreException.of(e, rel);
        if (se.kind == StoreException.Kind.PRECONDITION) return raced(rel);
        if (se.code.equals("BadDigest") || se.code.equals("InvalidDigest")) {
            try {
                if (Files.size(file) != size || Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis() != mtime) {
                    return new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded");
                }
            } catch (IOException gone) {
                return new StoreException(StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " was removed while it was being uploaded");
            }
            return new StoreException(StoreException.Kind.CORRUPTED, rel + ": the server refused the body as damaged on the way (" + se.code + ")");
        }
        return se;
    }

    private void learnEtag(String tag, String md5Hex) {
        if (!ContentHash.isPlainMd5(tag) && ContentHash.multipartCount(tag) < 0) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, false, ETAG_INSTEAD);
        } else if (ContentHash.isPlainMd5(tag)) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, tag.equalsIgnoreCase(md5Hex), ETAG_INSTEAD);
        }
    }

    private static Map<String, String> meta(long mtime, String md5Hex) {
        return Map.of("mtime", mtimeMeta(mtime), "md5chksum", ContentHash.hexToBase64(md5Hex));
    }

    private static InputStream digested(InputStream in, AtomicReference<MessageDigest> holder) {
        MessageDigest md = ContentHash.md5();
        holder.set(md); // the SDK opens a fresh stream per attempt: the last one is what the server got
        return new DigestInputStream(in, md);
    }

    private static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Uploads of exactly this key that no journal of ours resumes (another run's that could not
     * abort, a killed run's whose file changed since) are invisible and cost storage: this upload
     * replaces the key anyway, so they are aborted first (FaultTest found them dangling). Best
     * effort: a server without ListMultipartUploads just keeps them.
     */
    private void abortEarlierUploads(String key, String keep) {
        if (profile.isNot(StoreProfile.Feature.MULTIPART)) return;
        try {
            for (MultipartUpload u : s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads()) {
                if (u.key().equals(key) && !u.uploadId().equals(keep)) s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(u.uploadId()));
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

    /** What a download's answer said besides its bytes: ETag, metadata, Last-Modified. */
    private record Answer(String etag, Map<String, String> meta, java.time.Instant lastModified) {
        static Answer of(GetObjectResponse r) {
            return new Answer(r.eTag(), r.metadata(), r.lastModified());
        }

        static Answer of(HeadObjectResponse r) {
            return new Answer(r.eTag(), r.metadata(), r.lastModified());
        }
    }

    @Override
    public Fetched get(Remote remote, Path dest) throws IOException {
        String key = prefix + remote.rel();
        MessageDigest md = ContentHash.md5();
        Answer resp = null;
        if (remote.size() > PART_SIZE && !profile.isNot(StoreProfile.Feature.RANGE_GET)) resp = getRanges(key, remote, dest, md);
        if (resp == null) resp = getWhole(key, remote, dest, md);
        String md5 = hex(md);
        String etag = ContentHash.normalizeEtag(resp.etag());
        long size = Files.size(dest);
        if (size != remote.size()) throw new StoreException(StoreException.Kind.CORRUPTED, remote.rel() + ": got " + size + " of " + remote.size() + " bytes");
        // Without If-Match, this is how a download knows the object is still the one planned.
        if (!etag.isEmpty() && !etag.equals(remote.tag())) throw raced(remote.rel());
        boolean verified = verify(remote, key, resp.meta().get("md5chksum"), dest, md5);
        long mtime = parseMtime(resp.meta().get("mtime"), resp.lastModified() == null ? System.currentTimeMillis() : resp.lastModified().toEpochMilli());
        return new Fetched(new Remote(remote.rel(), size, remote.tag()), mtime, md5, verified);
    }

    private Answer getWhole(String key, Remote remote, Path dest, MessageDigest md) throws IOException {
        boolean ifMatch = !profile.isNot(StoreProfile.Feature.IF_MATCH_GET);
        Files.deleteIfExists(dest); // a ranged attempt the server did not serve may have left it
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> {
                 b.bucket(bucket).key(key);
                 if (ifMatch) b.ifMatch(quoted(remote.tag()));
             });
             var out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            new DigestInputStream(in, md).transferTo(out);
            return Answer.of(in.response());
        } catch (SdkException e) {
            if (ifMatch && StoreException.unsupported(e)) {
                profile.learn(StoreProfile.Feature.IF_MATCH_GET, false, "downloads check the object's ETag in the answer instead");
                md.reset();
                return getWhole(key, remote, dest, md);
            }
            StoreException se = StoreException.of(e, remote.rel());
            throw se.kind == StoreException.Kind.PRECONDITION || se.kind == StoreException.Kind.NOT_FOUND ? raced(remote.rel()) : se;
        }
    }

    /**
     * Parallel ranged GETs into one file, pinned to the planned ETag. The file's MD5 is computed
     * here, range by range in order as they land, so no second pass over it is needed. The first
     * missing range goes alone: a server that ignores Range (sends the whole object) or refuses it
     * is learned from it, and then the object comes as one stream. Ranges land in a
     * {@link PartialDownload} kept across runs, so a download cut off (network, kill -9) fetches
     * only what is missing next time; the finished file is then moved to {@code dest}.
     *
     * @return null when the server does not serve ranges
     */
    private Answer getRanges(String key, Remote remote, Path dest, MessageDigest md) throws IOException {
        boolean ifMatch = !profile.isNot(StoreProfile.Feature.IF_MATCH_GET);
        List<long[]> ranges = partRanges(remote.size());
        PartialDownload partial = PartialDownload.of(root, identity(), key);
        Set<Long> done = partial == null ? Set.of() : partial.finished(remote.tag(), remote.size());
        if (partial != null && done.isEmpty()) partial.begin(remote.tag(), remote.size());
        Path target = partial == null ? dest : partial.data;
        boolean keep = false;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            WorkerPool.IoFunction<long[], Answer> fetch = r -> {
                if (done.contains(r[0])) return null;
                String range = "bytes=" + r[0] + "-" + (r[0] + r[1] - 1);
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> {
                    b.bucket(bucket).key(key).range(range);
                    if (ifMatch) b.ifMatch(quoted(remote.tag()));
                })) {
                    if (in.response().contentRange() == null) {
                        in.abort(); // the whole object is coming: do not read it
                        throw new RangesRefused();
                    }
                    byte[] buf = new byte[256 * 1024];
                    long pos = r[0], got = 0;
                    for (int n; (n = in.read(buf)) > 0; ) {
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        while (bb.hasRemaining()) pos += ch.write(bb, pos);
                        got += n;
                    }
                    if (got != r[1]) throw new StoreException(StoreException.Kind.CORRUPTED, remote.rel() + ": range " + range + " returned " + got + " bytes");
                    if (partial != null) {
                        ch.force(false); // on disk before the journal says so
                        partial.finished(r[0]);
                    }
                    return Answer.of(in.response());
                } catch (SdkException e) {
                    if (StoreException.unsupported(e)) throw new RangesRefused();
                    StoreException se = StoreException.of(e, remote.rel());
                    throw se.kind == StoreException.Kind.PRECONDITION || se.kind == StoreException.Kind.NOT_FOUND ? raced(remote.rel()) : se;
                }
            };
            long[] firstMissing = ranges.stream().filter(r -> !done.contains(r[0])).findFirst().orElse(null);
            Answer first;
            try {
                first = firstMissing == null ? null : fetch.apply(firstMissing);
            } catch (RangesRefused e) {
                profile.learn(StoreProfile.Feature.RANGE_GET, false, "large files are downloaded as one stream each");
                md.reset();
                if (partial != null) partial.forget();
                return null;
            }
            profile.learn(StoreProfile.Feature.RANGE_GET, true, null);
            WorkerPool.map(parts, ranges, r -> r == firstMissing ? first : fetch.apply(r), (r, resp) -> ContentHash.update(md, ch, r[0], r[1]));
            Answer answer = first != null ? first : headAnswer(key, remote);
            keep = true;
            if (partial != null) {
                ch.close();
                Files.move(partial.data, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                partial.forget();
            }
            return answer;
        } catch (StoreException e) {
            keep = e.kind == StoreException.Kind.UNREACHABLE || e.kind == StoreException.Kind.THROTTLED || e.kind == StoreException.Kind.SERVER_ERROR;
            throw e;
        } catch (RangesRefused e) {
            throw new StoreException(StoreException.Kind.SERVER_ERROR, remote.rel() + ": the server stopped serving ranges");
        } catch (IOException e) {
            keep = true; // interrupted, or the network: worth resuming
            throw e;
        } finally {
            // A download cut off is kept to resume; one that went wrong otherwise starts over next time.
            if (!keep && partial != null) partial.forget();
        }
    }

    /** Every range was already here: the object's metadata comes from a HEAD. */
    private Answer headAnswer(String key, Remote remote) throws StoreException {
        return Answer.of(call(remote.rel(), () -> s3.headObject(b -> b.bucket(bucket).key(key))));
    }

    /** The server answered a ranged GET with the whole object, or refused it. */
    private static final class RangesRefused extends IOException {
        RangesRefused() {
            super("ranged GET not served", null);
        }
    }

    /** Bytes of this object that an interrupted download already brought (for the plan). */
    @Override
    public long resumableDownload(Remote remote) {
        PartialDownload partial = remote.size() > PART_SIZE ? PartialDownload.of(root, identity(), prefix + remote.rel()) : null;
        return partial == null ? 0 : partial.bytesDone(remote.tag(), remote.size(), PART_SIZE);
    }

    private static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    /**
     * Proves the downloaded bytes are the object's, with the best proof the server offers: the
     * md5chksum we store as metadata, a proof manifest entry, an MD5 ETag (a multipart one is
     * recomputed), or two downloads that agree. Nothing the profile says is meaningless is used.
     *
     * @return false when no proof exists (then only the length was checked: "unverified")
     */
    private boolean verify(Remote remote, String key, String md5Meta, Path file, String md5) throws IOException {
        String rel = remote.rel(), etag = remote.tag();
        String expected = md5Meta == null ? null : ContentHash.base64ToHex(md5Meta);
        if (expected == null) {
            expected = proofs.get(ProofManifest.key(rel, remote.size(), etag));
            // A proof entry means lambda-sync wrote this very object, with metadata unless the server
            // refused it: an answer without it means the server does not keep metadata.
            if (expected != null && md5Meta == null) profile.learn(StoreProfile.Feature.METADATA, false, "contents are proven by MD5 ETags or the proof manifests");
        }
        if (expected != null) {
            if (!expected.equals(md5)) throw corrupted(rel);
            // Proven content is evidence about the server's ETags too.
            if (ContentHash.isPlainMd5(etag)) profile.learn(StoreProfile.Feature.ETAG_MD5, etag.equalsIgnoreCase(md5), ETAG_INSTEAD);
            return true;
        }
        if (profile.isNot(StoreProfile.Feature.ETAG_MD5)) return false;
        if (ContentHash.isPlainMd5(etag)) {
            if (etag.equalsIgnoreCase(md5)) {
                profile.learn(StoreProfile.Feature.ETAG_MD5, true, null);
                return true;
            }
            // Even where ETags were MD5s so far, a mismatch is read again before it is called corruption:
            // a server that fronts a filesystem may give other ETags to files written beside it.
        } else if (ContentHash.multipartCount(etag) > 0 && ContentHash.multipartMatches(etag, file, remote.size(), PART_SIZE)) {
            return true;
        }
        // No proof to hold it against (an ETag that may not be an MD5, or a multipart ETag of a part
        // size we cannot guess): read it once more, writing nothing. Two reads that agree were not
        // corrupted in transit; where the ETag was MD5-shaped, it is now known not to be one.
        String again;
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            again = ContentHash.md5Hex(in);
        } catch (SdkException e) {
            throw StoreException.of(e, rel);
        }
        if (!again.equals(md5)) throw new StoreException(StoreException.Kind.CORRUPTED, rel + ": two downloads of it differ (corrupted in transit)");
        if (ContentHash.isPlainMd5(etag) && profile.get(StoreProfile.Feature.ETAG_MD5) == StoreProfile.Support.UNKNOWN) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, false, ETAG_INSTEAD);
        }
        return true;
    }

    static final String ETAG_INSTEAD = "contents are proven by metadata or the proof manifests; downloads with neither are checked"
            + " for length only and reported unverified";

    private static StoreException corrupted(String rel) {
        return new StoreException(StoreException.Kind.CORRUPTED, rel + ": downloaded content does not match its checksum (corrupted in transit)");
    }

    /**
     * Deletes what the plan saw, and only that: a HEAD right before tells whether another machine
     * wrote the key since (then it is a conflict, not a delete).
     */
    @Override
    public void delete(Remote planned) throws IOException {
        String key = prefix + planned.rel();
        expectUnchanged(planned.rel(), key, planned);
        call(planned.rel(), () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    // ---- same content without state ------------------------------------------------------------

    @Override
    public boolean sameContent(Remote remote, Path local, String localMd5) throws IOException {
        String tag = remote.tag(), key = prefix + remote.rel();
        boolean etagsMayProve = !profile.isNot(StoreProfile.Feature.ETAG_MD5);
        if (etagsMayProve && tag.equalsIgnoreCase(localMd5)) return true;
        String proof = proofs.get(ProofManifest.key(remote.rel(), remote.size(), tag));
        if (proof != null) return proof.equals(localMd5);
        if (etagsMayProve && ContentHash.multipartMatches(tag, local, remote.size(), PART_SIZE)) return true;
        if (!profile.isNot(StoreProfile.Feature.METADATA)) {
            HeadObjectResponse head = call(remote.rel(), () -> s3.headObject(b -> b.bucket(bucket).key(key)));
            String meta = head.metadata().get("md5chksum");
            if (meta != null && ContentHash.base64ToHex(meta) != null) return localMd5.equals(ContentHash.base64ToHex(meta));
        }
        if (profile.is(StoreProfile.Feature.ETAG_MD5) && ContentHash.isPlainMd5(tag)) return false; // an MD5 ETag that differs
        // No proof on offer: read the object and compare, writing nothing.
        String md5;
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            md5 = ContentHash.md5Hex(in);
        } catch (SdkException e) {
            throw StoreException.of(e, remote.rel());
        }
        comparedFiles.incrementAndGet();
        comparedBytes.addAndGet(remote.size());
        if (md5.equals(localMd5) && ContentHash.isPlainMd5(tag)) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, false, ETAG_INSTEAD);
        }
        return md5.equals(localMd5);
    }

    // ---- learning the server -------------------------------------------------------------------

    /** Before the first write of a run: learn what the writes depend on, if no run has yet. */
    private void probeOnce() throws IOException {
        if (probed) return;
        synchronized (this) {
            if (probed) return;
            boolean known = true;
            for (var f : List.of(StoreProfile.Feature.ETAG_MD5, StoreProfile.Feature.METADATA, StoreProfile.Feature.CONTENT_MD5,
                    StoreProfile.Feature.CONDITIONAL_PUT)) {
                known &= profile.get(f) != StoreProfile.Support.UNKNOWN;
            }
            if (!known) probe(false);
            probed = true;
        }
    }

    /**
     * Asks the server, with a small object of our own under {@code .lambda-sync/}, what it does with
     * each feature: a few requests, once per store (the profile keeps the answers). A 501 or 400
     * means unsupported; for conditionals, only a 412 proves they are honoured (a server that
     * ignores them answers 200). With {@code multipart}, also multipart upload and ListParts (doctor).
     */
    void probe(boolean multipart) throws StoreException {
        String key = prefix + OWN_DIR + "probe-" + java.util.UUID.randomUUID().toString().substring(0, 12);
        byte[] body = ("lambda-sync probe " + key + "\n").getBytes(StandardCharsets.UTF_8);
        String md5 = ContentHash.md5Hex(body);
        Map<String, String> meta = meta(System.currentTimeMillis(), md5);
        try {
            String etag;
            try {
                etag = s3.putObject(b -> b.bucket(bucket).key(key).metadata(meta).contentMD5(ContentHash.hexToBase64(md5)), RequestBody.fromBytes(body)).eTag();
            } catch (SdkException e) {
                if (!StoreException.unsupported(e)) throw StoreException.of(e, "writing the probe " + key);
                profile.learn(StoreProfile.Feature.METADATA, false, "uploads carry no metadata");
                etag = s3.putObject(b -> b.bucket(bucket).key(key).contentMD5(ContentHash.hexToBase64(md5)), RequestBody.fromBytes(body)).eTag();
            }
            learnEtag(ContentHash.normalizeEtag(etag), md5);
            if (!profile.isNot(StoreProfile.Feature.METADATA)) {
                boolean kept = md5.equals(ContentHash.base64ToHex(String.valueOf(s3.headObject(b -> b.bucket(bucket).key(key)).metadata().get("md5chksum"))));
                profile.learn(StoreProfile.Feature.METADATA, kept, "contents are proven by MD5 ETags or the proof manifests");
            }
            String wrongMd5 = ContentHash.hexToBase64(ContentHash.md5Hex(new byte[] {1}));
            profile.learn(StoreProfile.Feature.CONTENT_MD5, refused(() -> s3.putObject(b -> b.bucket(bucket).key(key).contentMD5(wrongMd5),
                    RequestBody.fromBytes(body)), 400), "each upload's bytes are hashed again as they are sent");
            String wrongTag = quoted("0123456789abcdef0123456789abcdef");
            profile.learn(StoreProfile.Feature.IF_MATCH_GET, refused(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).ifMatch(wrongTag)), 412),
                    "downloads check the object's ETag in the answer instead");
            boolean ranged;
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=1-3"))) {
                ranged = in.response().contentRange() != null && in.readAllBytes().length == 3;
            } catch (SdkException | IOException e) {
                ranged = false;
            }
            profile.learn(StoreProfile.Feature.RANGE_GET, ranged, "large files are downloaded as one stream each");
            boolean conditional = refused(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body)), 412)
                    && refused(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(wrongTag), RequestBody.fromBytes(body)), 412);
            profile.learn(StoreProfile.Feature.CONDITIONAL_PUT, conditional, "each write checks the object with a HEAD right before it");
            if (multipart) probeMultipart(key, body);
        } catch (SdkException e) {
            throw StoreException.of(e, "probing the server with " + key);
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            } catch (SdkException ignored) {
                // the run's own error says more; doctor reports a probe left behind
            }
        }
    }

    private void probeMultipart(String key, byte[] body) {
        String id;
        try {
            id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        } catch (SdkException e) {
            if (!StoreException.unsupported(e)) throw e;
            profile.learn(StoreProfile.Feature.MULTIPART, false, "large files go up in one PUT each (at most 5 GiB)");
            return;
        }
        try {
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1), RequestBody.fromBytes(body)).eTag();
            boolean listed;
            try {
                listed = s3.listParts(b -> b.bucket(bucket).key(key).uploadId(id)).parts().stream().anyMatch(p -> p.partNumber() == 1);
            } catch (SdkException e) {
                if (!StoreException.unsupported(e)) throw e;
                listed = false;
            }
            profile.learn(StoreProfile.Feature.LIST_PARTS, listed, null);
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
            profile.learn(StoreProfile.Feature.MULTIPART, true, null);
        } catch (SdkException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (SdkException ignored) {
                // gone already
            }
            if (!StoreException.unsupported(e)) throw e;
            profile.learn(StoreProfile.Feature.MULTIPART, false, "large files go up in one PUT each (at most 5 GiB)");
        }
    }

    /** Whether the server refused this request with {@code status}; any other answer (a 2xx, 501, 400…) is false. */
    private static boolean refused(Runnable request, int status) {
        try {
            request.run();
            return false;
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            return e.statusCode() == status;
        }
    }

    @Override
    public void close() {
        parts.shutdownNow();
        s3.close();
    }
}
