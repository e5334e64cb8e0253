package lib.store.s3;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;
import lib.common.ContentHash;
import lib.local.DataDirs;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Listing a bucket for {@link S3Store}: the top level, then each {@code X/} with its two data dirs
 * ({@code X/data/}, {@code X/reports/}, listed flat whether or not the delimiter listing shows them),
 * then every data dir's folders, concurrently. Only listings, never a request per object.
 *
 * <p>A filesystem-backed server's delimiter listing can leave folders out (SYNC.md, "Servers that
 * are not AWS"), so nothing is concluded absent from one: {@link #confirm} asks again flat where a
 * bucket, a data dir or a known object looked absent, and a disagreement is learned
 * ({@link StoreProfile.Feature#LIST_FOLDERS}): from then on the bucket is listed flat.
 */
public final class S3Listing {
    private final S3Context ctx;
    private final S3Client s3;
    private final String bucket, prefix;

    S3Listing(S3Context ctx) {
        this.ctx = ctx;
        this.s3 = ctx.s3();
        this.bucket = ctx.bucket();
        this.prefix = ctx.prefix();
    }

    /** A big data dir with more folders than this is listed at once (a request per folder would be too many). */
    public static final int SPLIT_LIMIT = 256;
    /** Keys asked for in a data dir's first page: S3's most (tests ask for fewer, see StoreFactory.Tuning). */
    public static final int FIRST_PAGE_KEYS = 1000;

    /** What this run's listing covered, for {@link #confirm}: every key seen (sorted: "a key below a/?" is one lookup). */
    private final NavigableSet<String> seen = new ConcurrentSkipListSet<>();
    /** Data dirs ("exp/data/") listed flat in full; folders ("exp/data/run-1/") of the big ones listed flat. */
    private final Set<String> flatDirs = ConcurrentHashMap.newKeySet(), flatFolders = ConcurrentHashMap.newKeySet();
    /** Data dirs the delimiter listings showed; outside keys and prefixes already reported. */
    private final Set<String> shownDirs = ConcurrentHashMap.newKeySet(), reported = ConcurrentHashMap.newKeySet();

    /** Data dirs whose first page was asked for this run. */
    private final Set<String> listedDirs = ConcurrentHashMap.newKeySet();

    /**
     * wholeFlat: the whole prefix was listed flat; foundData: a key that is not a marker was listed
     * in a data dir; folderOnlyTop: the root's delimiter listing showed a folder holding only folders.
     */
    private volatile boolean wholeFlat, scoped, foundData, folderOnlyTop;

    void list(List<String> scopes, Consumer<Store.Remote> sink, Consumer<String> outside) throws IOException {
        Consumer<Store.Remote> into = keeping(sink);
        scoped = !scopes.isEmpty();
        if (scoped) {
            ctx.parallel(scopes, p -> listRest(new Folder(p, null), into));
        } else if (ctx.profile().isNot(StoreProfile.Feature.LIST_FOLDERS)) {
            listWhole(into, outside);
        } else {
            walk(into, outside);
        }
        ctx.proofs().listedInFull(!scoped);
    }

    /** Where ETags prove nothing, the listing is kept to drop this machine's stale proofs afterwards. */
    private Consumer<Store.Remote> keeping(Consumer<Store.Remote> sink) {
        if (ctx.profile().is(StoreProfile.Feature.ETAG_MD5)) return sink;
        return r -> {
            ctx.proofs().listed(r);
            sink.accept(r);
        };
    }

    private void walk(Consumer<Store.Remote> sink, Consumer<String> outside) throws IOException {
        Set<String> tops = new LinkedHashSet<>();
        listLevel("", tops, o -> other(o, sink, outside));
        tops.remove(S3Store.OWN_DIR);
        List<String> dataDirs = new ArrayList<>();
        ctx.parallel(new ArrayList<>(tops), top -> {
                    Set<String> subs = new LinkedHashSet<>();
                    boolean[] files = {false};
                    listLevel(top, subs, o -> {
                        files[0] |= !o.key().endsWith("/");
                        other(o, sink, outside);
                    });
                    if (!files[0] && !subs.isEmpty()) folderOnlyTop = true;
                    String topName = top.substring(0, top.length() - 1);
                    for (String s : subs) {
                        if (DataDirs.isDataDir(topName, s.substring(top.length(), s.length() - 1))) shownDirs.add(s);
                        else report(s, outside);
                    }
                    return DataDirs.NAMES.stream()
                            .filter(n -> DataDirs.isDataDir(topName, n))
                            .map(n -> top + n + "/")
                            .toList();
                })
                .forEach(dataDirs::addAll);
        listDataDirs(dataDirs, sink);
        disagreed(dataDirs);
    }

    /**
     * For doctor, reading only: the root's delimiter listing against a flat first page. A top
     * folder the flat page shows and the delimiter listing does not is "no"; one it shows that
     * holds only folders (the flat page being the whole bucket) is "yes"; else it stays unknown.
     */
    void probeFolders() {
        Set<String> tops = new HashSet<>();
        listLevel("", tops, o -> {});
        ListObjectsV2Response flat = s3.listObjectsV2(
                b -> b.bucket(bucket).prefix(prefix).maxKeys(FIRST_PAGE_KEYS).encodingType(EncodingType.URL));
        Set<String> withFiles = new HashSet<>(), withFolders = new HashSet<>();
        for (S3Object o : flat.contents()) {
            String rel = rel(o);
            int slash = rel.indexOf('/');
            if (slash < 0 || rel.startsWith(S3Store.OWN_DIR)) continue;
            String top = rel.substring(0, slash + 1);
            if (!tops.contains(top)) {
                ctx.profile().learn(StoreProfile.Feature.LIST_FOLDERS, false);
                return;
            }
            (rel.indexOf('/', slash + 1) < 0 ? withFiles : withFolders).add(top);
        }
        withFolders.removeAll(withFiles);
        if (!Boolean.TRUE.equals(flat.isTruncated()) && !withFolders.isEmpty())
            ctx.profile().learn(StoreProfile.Feature.LIST_FOLDERS, true);
    }

    /**
     * Each data dir's first page (up to 1,000 keys) usually holds all of it. A bigger one is then
     * listed folder by folder, side by side: a filesystem-backed server (S3Proxy, maybe the Lambda
     * adapter) walks the whole tree again for every page, so one data dir of 10,000 keys cost ~1 s
     * a page; by folder, the 100,000-file no-op of tests/bench went 19.3 s -> 6.1 s.
     */
    private void listDataDirs(List<String> dirs, Consumer<Store.Remote> sink) throws IOException {
        listedDirs.addAll(dirs);
        List<Folder> rest = new ArrayList<>();
        ctx.parallel(dirs, p -> firstPage(p, sink)).forEach(rest::addAll);
        ctx.parallel(rest, f -> listRest(f, sink));
    }

    /** A data dir found holding keys that its top's delimiter listing left out: learned. */
    private void disagreed(List<String> dataDirs) {
        if (dataDirs.stream().anyMatch(d -> !shownDirs.contains(d) && holdsKeys(d)))
            ctx.profile().learn(StoreProfile.Feature.LIST_FOLDERS, false);
    }

    /**
     * After the listing, where absence would decide something: the data dirs this machine knows
     * ({@code knownDirs}, "exp/data/") that were not listed, a bucket where no data key was found,
     * and paths the last sync saw that were not listed ({@code missing}) are asked again flat (the
     * folder holding each). A key found then means the delimiter listing left it out: learned, and
     * sent on like the others. A missing path that is also a folder of listed keys ({@code a} beside
     * {@code a/b}: some servers drop the key) is asked with a HEAD.
     */
    void confirm(Set<String> knownDirs, Set<String> missing, Consumer<Store.Remote> listed, Consumer<String> outside)
            throws IOException {
        Consumer<Store.Remote> sink = keeping(listed);
        if (!scoped && !wholeFlat) {
            int before = seen.size();
            listDataDirs(knownDirs.stream().filter(d -> !listedDirs.contains(d)).toList(), sink);
            // Looks empty, or shows only top folders that hold files (as a server that hides folders
            // holding only folders would, and every top folder lambda-sync fills is one): listed flat.
            if (!foundData || !folderOnlyTop) {
                listWhole(sink, outside);
            } else {
                List<String> folders = missing.stream()
                        .map(this::unlistedFolder)
                        .filter(f -> f != null)
                        .distinct()
                        .toList();
                ctx.parallel(folders, f -> {
                    flatFolders.add(f);
                    return listRest(new Folder(f, null), sink);
                });
            }
            if (seen.size() > before) ctx.profile().learn(StoreProfile.Feature.LIST_FOLDERS, false);
            // Once the delimiter listing is known to leave folders out, this run's listing is made whole at once.
            if (ctx.profile().isNot(StoreProfile.Feature.LIST_FOLDERS) && !wholeFlat) listWhole(sink, outside);
        }
        ctx.parallel(missing.stream().filter(this::isAlsoFolder).toList(), rel -> head(rel, sink));
    }

    private void listWhole(Consumer<Store.Remote> sink, Consumer<String> outside) {
        listFlat("", sink, outside);
        wholeFlat = true;
    }

    /** Whether a key was listed below this folder ("exp/data/"). */
    private boolean holdsKeys(String relFolder) {
        String below = prefix + relFolder, next = seen.ceiling(below);
        return next != null && next.startsWith(below);
    }

    /** The folder of a big data dir that holds {@code rel} when no flat listing covered it, else null. */
    private String unlistedFolder(String rel) {
        String[] parts = rel.split("/", 3);
        if (parts.length < 3) return null;
        String dir = parts[0] + "/" + parts[1] + "/";
        if (flatDirs.contains(dir) || !holdsKeys(dir)) return null;
        String folder = folderOf(rel, dir);
        return folder.isEmpty() || flatFolders.contains(folder) ? null : folder;
    }

    private boolean isAlsoFolder(String rel) {
        return !seen.contains(prefix + rel) && holdsKeys(rel + "/");
    }

    private Void head(String rel, Consumer<Store.Remote> sink) throws IOException {
        String key = prefix + rel;
        try {
            var h = s3.headObject(b -> b.bucket(bucket).key(key));
            Store.Remote r = new Store.Remote(rel, h.contentLength(), ContentHash.normalizeEtag(h.eTag()));
            if (seen.add(key)) {
                synchronized (sink) {
                    sink.accept(r);
                }
            }
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            StoreException se = S3Failures.of(e, rel);
            if (se.kind != StoreException.Kind.NOT_FOUND) throw se;
        }
        return null;
    }

    /** Every key under {@code relPrefix}, no delimiter: data keys to {@code sink}, the rest to {@code outside}. */
    private void listFlat(String relPrefix, Consumer<Store.Remote> sink, Consumer<String> outside) {
        pages(
                ListObjectsV2Request.builder()
                        .bucket(bucket)
                        .prefix(prefix + relPrefix)
                        .encodingType(EncodingType.URL)
                        .build(),
                page -> {
                    for (S3Object o : page.contents()) {
                        String rel = rel(o);
                        if (rel.startsWith(S3Store.OWN_DIR)) continue;
                        String[] parts = rel.split("/", 3);
                        if (DataDirs.isDataKey(rel) || rel.endsWith("/")) sink(sink, o);
                        else report(parts.length < 3 ? rel : parts[0] + "/" + parts[1] + "/", outside);
                    }
                });
    }

    /**
     * A page that says more follows but gives no way to ask for it would end the listing early,
     * and whatever it left out would read as "deleted in bucket": refused instead (SYNC.md,
     * "When things go wrong").
     */
    private static void whole(ListObjectsV2Response page) {
        String token = page.nextContinuationToken();
        if (Boolean.TRUE.equals(page.isTruncated()) && (token == null || token.isEmpty())) throw cutShort(page);
    }

    private static java.io.UncheckedIOException cutShort(ListObjectsV2Response page) {
        return new java.io.UncheckedIOException(
                new StoreException(
                        StoreException.Kind.SERVER_ERROR,
                        "the server cut a listing of "
                                + (page.prefix() == null || page.prefix().isEmpty() ? "the bucket" : page.prefix())
                                + " short (more to come, but no way to ask for it): nothing"
                                + " was read as deleted and nothing was changed; run again, and if it repeats the server cannot list this folder"));
    }

    /**
     * Every page of a listing. The SDK's paginator would ask for a continuation token the server
     * gives again forever (a server computing ETags lazily is documented to repeat them): a token
     * seen before is not asked for twice, the listing goes on after the last key instead.
     */
    void pages(ListObjectsV2Request first, Consumer<ListObjectsV2Response> each) {
        Set<String> tokens = new HashSet<>();
        ListObjectsV2Request req = first;
        String after = null;
        while (true) {
            ListObjectsV2Response page = s3.listObjectsV2(req);
            whole(page);
            each.accept(page);
            if (!Boolean.TRUE.equals(page.isTruncated())) return;
            String token = page.nextContinuationToken(), last = lastOf(page);
            if (tokens.add(token)) {
                req = first.toBuilder().continuationToken(token).build();
            } else {
                if (last == null || (after != null && last.compareTo(after) <= 0)) throw cutShort(page);
                req = first.toBuilder().startAfter(last).build();
            }
            if (last != null && (after == null || last.compareTo(after) > 0)) after = last;
        }
    }

    /** The greatest key a page holds; after a folder it showed, past everything in it. */
    private static String lastOf(ListObjectsV2Response page) {
        String last = null;
        for (S3Object o : page.contents()) if (last == null || o.key().compareTo(last) > 0) last = o.key();
        for (CommonPrefix cp : page.commonPrefixes()) {
            String past = cp.prefix() + "\uDBFF\uDFFF"; // U+10FFFF: after every key in the folder
            if (last == null || past.compareTo(last) > 0) last = past;
        }
        return last;
    }

    /** Lists a data dir's first page and, if there is more, its own files; returns what is left to list. */
    private List<Folder> firstPage(String dir, Consumer<Store.Remote> sink) {
        int keys = ctx.firstPageKeys();
        ListObjectsV2Response first = s3.listObjectsV2(
                b -> b.bucket(bucket).prefix(prefix + dir).maxKeys(keys).encodingType(EncodingType.URL));
        whole(first);
        first.contents().forEach(o -> sink(sink, o));
        if (!Boolean.TRUE.equals(first.isTruncated()) || first.contents().isEmpty()) {
            flatDirs.add(dir);
            return List.of();
        }
        String after = first.contents().get(first.contents().size() - 1).key();
        Set<String> folders = new LinkedHashSet<>();
        boolean wholeDir = ctx.profile().isNot(StoreProfile.Feature.LIST_FOLDERS);
        if (!wholeDir) listLevel(dir, folders, o -> sink(sink, o));
        Set<String> complete = completeFolders(first.contents(), dir);
        // The first page's folders must be among the delimiter listing's: one left out is learned.
        if (!wholeDir && !folders.containsAll(complete)) {
            ctx.profile().learn(StoreProfile.Feature.LIST_FOLDERS, false);
            wholeDir = true;
        }
        if (wholeDir || folders.size() > SPLIT_LIMIT) { // the rest at once
            flatDirs.add(dir);
            return List.of(new Folder(dir, after));
        }
        flatFolders.addAll(folders);
        return folders.stream()
                .filter(f -> !complete.contains(f))
                .map(f -> new Folder(f, after))
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
        complete.remove("");
        return complete;
    }

    /** The folder directly under {@code dir} that holds {@code rel} ("exp/data/run-1/" for "exp/data/run-1/a/b"), or "" for a file in {@code dir}. */
    private static String folderOf(String rel, String dir) {
        int slash = rel.indexOf('/', dir.length());
        return slash < 0 ? "" : rel.substring(0, slash + 1);
    }

    /** Keys under {@code prefix}, after {@code after} when given (the rest of a big data dir). */
    private record Folder(String prefix, String after) {}

    private Void listRest(Folder f, Consumer<Store.Remote> sink) {
        pages(
                ListObjectsV2Request.builder()
                        .bucket(bucket)
                        .prefix(prefix + f.prefix)
                        .startAfter(f.after)
                        .encodingType(EncodingType.URL)
                        .build(),
                page -> page.contents().forEach(o -> sink(sink, o)));
        return null;
    }

    private String rel(S3Object o) {
        return o.key().substring(prefix.length());
    }

    /** A key to the sink, once: pages a server repeats, and keys two listings share, are not sent twice. */
    private void sink(Consumer<Store.Remote> sink, S3Object o) {
        if (!seen.add(o.key())) return;
        if (!o.key().endsWith("/")) foundData = true; // only data-dir listings and flat ones come here with files
        Store.Remote r = new Store.Remote(rel(o), o.size(), ContentHash.normalizeEtag(o.eTag()));
        synchronized (sink) {
            sink.accept(r);
        }
    }

    /** An object a delimiter listing shows above the data dirs: a directory marker goes to the sink (said there), the rest is outside. */
    private void other(S3Object o, Consumer<Store.Remote> sink, Consumer<String> outside) {
        if (o.key().endsWith("/")) sink(sink, o);
        else report(rel(o), outside);
    }

    private void report(String relPrefix, Consumer<String> outside) {
        if (!reported.add(relPrefix)) return;
        synchronized (outside) {
            outside.accept(relPrefix);
        }
    }

    /**
     * One delimited level: sub-prefixes go to {@code dirs}, objects to {@code objects}. Listings
     * ask for URL-encoded keys: a key with a control character is not valid in XML 1.0, and one
     * such key in a raw listing would make the whole bucket unlistable. The SDK decodes them
     * again, and only when the server says it encoded them, so servers that ignore it are fine.
     */
    private void listLevel(String relPrefix, Set<String> dirs, Consumer<S3Object> objects) {
        pages(
                ListObjectsV2Request.builder()
                        .bucket(bucket)
                        .prefix(prefix + relPrefix)
                        .delimiter("/")
                        .encodingType(EncodingType.URL)
                        .build(),
                page -> {
                    for (CommonPrefix cp : page.commonPrefixes())
                        dirs.add(cp.prefix().substring(prefix.length()));
                    page.contents().forEach(objects);
                });
    }
}
