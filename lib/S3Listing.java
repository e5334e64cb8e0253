import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Listing a bucket for {@link S3Store}: the top level, then each {@code X/}, then every data dir's
 * folders, concurrently; the proof manifests alongside where ETags prove nothing. Only listings,
 * never a request per object.
 */
final class S3Listing {
    private final S3Store store;
    private final S3Client s3;
    private final String bucket, prefix;

    S3Listing(S3Store store) {
        this.store = store;
        this.s3 = store.s3;
        this.bucket = store.bucket;
        this.prefix = store.prefix;
    }

    /** A big data dir with more folders than this is listed at once (a request per folder would be too many). */
    static final int SPLIT_LIMIT = 256;
    /** Keys asked for in a data dir's first page: S3's most (tests ask for fewer, see StoreFactory.Tuning). */
    static final int FIRST_PAGE_KEYS = 1000;

    void list(List<String> scopes, Consumer<Store.Remote> sink, Consumer<String> outside) throws IOException {
        // Where ETags prove nothing, the proof manifests are read while the data is listed, and the
        // listing is kept to drop this machine's stale proofs afterwards.
        boolean proofsNeeded = !store.profile.is(StoreProfile.Feature.ETAG_MD5);
        Consumer<Store.Remote> into = !proofsNeeded
                ? sink
                : r -> {
                    store.listed.put(r.rel(), r);
                    sink.accept(r);
                };
        try {
            var manifests = proofsNeeded ? store.parts.submit(this::readManifests) : null;
            listData(scopes, into, outside);
            store.listedInFull = scopes.isEmpty();
            if (manifests != null) manifests.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IOException("listing the proof manifests: " + e, e);
        }
    }

    private void listData(List<String> scopes, Consumer<Store.Remote> sink, Consumer<String> outside)
            throws IOException {
        if (!scopes.isEmpty()) {
            store.parallel(scopes, p -> listRest(new Folder(p, null, null), sink));
            return;
        }
        List<String> tops = new ArrayList<>();
        listLevel("", tops, o -> reject(rel(o), outside));
        tops.remove(S3Store.OWN_DIR);
        List<String> dataPrefixes = new ArrayList<>();
        store.parallel(tops, top -> {
                    List<String> subs = new ArrayList<>();
                    listLevel(top, subs, o -> reject(rel(o), outside));
                    String topName = top.substring(0, top.length() - 1);
                    return subs.stream()
                            .filter(s -> DataDirs.isDataDir(topName, s.substring(top.length(), s.length() - 1))
                                    || reject(s, outside))
                            .toList();
                })
                .forEach(dataPrefixes::addAll);
        // A data dir's first page (up to 1,000 keys) usually holds all of it. A bigger one is then
        // listed folder by folder, side by side: a filesystem-backed server (S3Proxy, maybe the
        // Lambda adapter) walks the whole tree again for every page, so one data dir of 10,000
        // keys cost ~1 s a page; by folder, the 100,000-file no-op of tests/bench went 19.3 s -> 6.1 s.
        List<Folder> rest = new ArrayList<>();
        store.parallel(dataPrefixes, p -> firstPage(p, sink)).forEach(rest::addAll);
        store.parallel(rest, f -> listRest(f, sink));
    }

    /**
     * A page that says more follows but gives no way to ask for it would end the listing early,
     * and whatever it left out would read as "deleted in bucket": refused instead (SYNC.md,
     * "When things go wrong").
     */
    private void whole(ListObjectsV2Response page) {
        String token = page.nextContinuationToken();
        if (Boolean.TRUE.equals(page.isTruncated()) && (token == null || token.isEmpty())) {
            throw new java.io.UncheckedIOException(
                    new StoreException(
                            StoreException.Kind.SERVER_ERROR,
                            "the server cut a listing of "
                                    + (page.prefix() == null ? "the bucket" : page.prefix())
                                    + " short (more to come, but no way to ask for it): nothing"
                                    + " was read as deleted and nothing was changed; run again, and if it repeats the server cannot list this folder"));
        }
    }

    /** Reads every machine's proof manifest; a missing or unreadable one only means fewer proofs. */
    Void readManifests() {
        try {
            String dir = prefix + ProofManifest.DIR;
            String id = store.root == null ? null : ProofManifest.machineId(store.root, false);
            String mine = id == null ? null : dir + id + ".tsv";
            for (ListObjectsV2Response page :
                    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(dir))) {
                for (S3Object o : page.contents()) {
                    String text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(o.key()))
                            .asUtf8String();
                    for (ProofManifest.Entry e : ProofManifest.parse(text)) {
                        store.proofs.put(ProofManifest.key(e.rel(), e.size(), e.tag()), e.md5());
                        if (o.key().equals(mine)) store.ownPrevious.add(e);
                    }
                }
            }
        } catch (IOException | SdkException | UncheckedIOException e) {
            // no proofs from the manifests: contents are compared by download instead
        }
        store.manifestsRead = true;
        return null;
    }

    /** Lists a data dir's first page and, if there is more, its own files; returns what is left to list. */
    private List<Folder> firstPage(String dir, Consumer<Store.Remote> sink) {
        int keys = store.firstPageKeys;
        ListObjectsV2Response first = s3.listObjectsV2(
                b -> b.bucket(bucket).prefix(prefix + dir).maxKeys(keys).encodingType(EncodingType.URL));
        whole(first);
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
        return folders.stream()
                .filter(f -> !complete.contains(f))
                .map(f -> new Folder(f, after, seen))
                .toList();
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

    private Void listRest(Folder f, Consumer<Store.Remote> sink) {
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b ->
                b.bucket(bucket).prefix(prefix + f.prefix).startAfter(f.after).encodingType(EncodingType.URL))) {
            whole(page);
            for (S3Object o : page.contents()) if (f.seen == null || f.seen.add(o.key())) sink(sink, o);
        }
        return null;
    }

    private String rel(S3Object o) {
        return o.key().substring(prefix.length());
    }

    private void sink(Consumer<Store.Remote> sink, S3Object o) {
        Store.Remote r = new Store.Remote(rel(o), o.size(), ContentHash.normalizeEtag(o.eTag()));
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
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(
                b -> b.bucket(bucket).prefix(prefix + relPrefix).delimiter("/").encodingType(EncodingType.URL))) {
            whole(page);
            for (CommonPrefix cp : page.commonPrefixes()) dirs.add(cp.prefix().substring(prefix.length()));
            page.contents().forEach(objects);
        }
    }
}
