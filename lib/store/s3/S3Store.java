package lib.store.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import lib.common.BandwidthLimit;
import lib.common.ContentHash;
import lib.common.WorkerPool;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A bucket on an S3-compatible server. Object key = prefix + repo-relative path, so a bucket
 * the bash tool filled lines up key for key. Needs only ListObjectsV2 (with delimiter) and
 * Put/Get/Head/DeleteObject; everything else (multipart, ranged and conditional requests,
 * metadata, MD5 ETags) is used where the {@link StoreProfile} says the server has it, and
 * degraded around where it does not (SYNC.md, "Servers that are not AWS"). We store the source
 * mtime and MD5 as metadata named as rclone names them ("mtime", "md5chksum"), and where ETags
 * are not MD5s, a {@link ProofManifest} per machine. SDK failures leave as {@link StoreException}.
 */
public final class S3Store implements Store {
    public static final long PART_SIZE = Store.PART_SIZE;
    /** S3's limit for one PUT: beyond it only multipart can store a file. */
    static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
    /**
     * The bucket's folder of the tool's own keys under the prefix (doctor's probe, the proof
     * manifests, the trash): never data, never "outside". Named as the local state folder is.
     */
    public static final String OWN_DIR = StateDir.NAME + "/";

    private final S3Context ctx;
    private final S3Session session = new S3Session();
    private final ProofLedger proofs = new ProofLedger();
    /** --bwlimit, applied by the S3 client to every body (null: none); kept here to be shown. */
    private final BandwidthLimit limit;

    private final AtomicLong comparedFiles = new AtomicLong(), comparedBytes = new AtomicLong();

    private final S3Listing listing;
    private final S3Upload upload;
    private final S3Download download;
    private final ServerProbe probe;
    private final BucketTrash trash;
    /** Every machine's proof manifest, read when a decision first needs a proof. */
    private final ManifestReader manifests;

    public S3Store(S3Client s3, String endpoint, String bucket, String prefix, int partJobs) {
        this(s3, endpoint, bucket, prefix, partJobs, S3Listing.FIRST_PAGE_KEYS, null);
    }

    /**
     * @param firstPageKeys keys asked for in a data dir's first listing page
     * @param limit --bwlimit, which the client applies (null: none); kept to be shown
     */
    public S3Store(
            S3Client s3,
            String endpoint,
            String bucket,
            String prefix,
            int partJobs,
            int firstPageKeys,
            BandwidthLimit limit) {
        ExecutorService parts = Executors.newFixedThreadPool(partJobs, WorkerPool.daemon("part"));
        this.ctx = new S3Context(
                s3, S3Clients.direct(s3), endpoint, bucket, prefix, parts, firstPageKeys, session, proofs);
        this.limit = limit;
        this.listing = new S3Listing(ctx);
        this.manifests = new ManifestReader(ctx, listing);
        this.probe = new ServerProbe(ctx);
        this.upload = new S3Upload(ctx, probe);
        this.download = new S3Download(ctx, manifests);
        this.trash = new BucketTrash(ctx, probe, download);
    }

    @Override
    public String describe() {
        String prefix = ctx.prefix();
        return "bucket '" + ctx.bucket() + "'" + (prefix.isEmpty() ? "" : " under " + prefix) + " at " + ctx.endpoint();
    }

    @Override
    public String identity() {
        return ctx.identity();
    }

    @Override
    public void open(Path root, Consumer<String> notice) {
        session.open(root, StoreProfile.load(root, identity(), notice), notice);
    }

    /** For doctor: a profile of its own (printed, and saved when there is a repo). */
    public void useProfile(StoreProfile p) {
        session.useProfile(p);
    }

    /** For doctor: the repo whose upload journals tell which unfinished uploads this clone can resume. */
    public void useRoot(Path root) {
        session.useRoot(root);
    }

    @Override
    public String serverSummary() {
        return session.profile().oneLine();
    }

    @Override
    public long bandwidthLimit() {
        return limit == null ? 0 : limit.bytesPerSecond;
    }

    @Override
    public Compared compared() {
        return new Compared(comparedFiles.get(), comparedBytes.get());
    }

    /** Saves what this run learned: the profile, and this machine's proofs where ETags prove nothing. */
    @Override
    public void finish() {
        StoreProfile profile = session.profile();
        Path root = session.root();
        profile.save();
        if (proofs.nothingUploaded() || root == null || profile.is(StoreProfile.Feature.ETAG_MD5)) return;
        try {
            var previous = manifests.ownForRewrite();
            if (previous == null) return; // not readable: rewriting it would lose its earlier proofs
            var next = proofs.next(previous);
            byte[] body = ProofManifest.format(next.values()).getBytes(StandardCharsets.UTF_8);
            String key = ctx.prefix() + ProofManifest.DIR + ProofManifest.machineId(root, true) + ".tsv";
            ctx.s3()
                    .putObject(
                            b -> b.bucket(ctx.bucket()).key(key).contentLength((long) body.length),
                            RequestBody.fromBytes(body));
        } catch (IOException | SdkException e) {
            // Only proofs for other machines are lost: they fall back to a compare by download.
        }
    }

    @Override
    public void list(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException {
        ctx.guard("listing " + describe(), () -> {
            listing.list(scopes, sink, outside);
            return null;
        });
    }

    @Override
    public void confirm(
            java.util.Set<String> knownDirs,
            java.util.Set<String> missing,
            Consumer<Remote> sink,
            Consumer<String> outside)
            throws IOException {
        ctx.guard("listing " + describe(), () -> {
            listing.confirm(knownDirs, missing, sink, outside);
            return null;
        });
    }

    @Override
    public boolean keysElsewhere() throws IOException {
        String prefix = ctx.prefix();
        if (prefix.isEmpty()) return false;
        return ctx
                .call(
                        "listing " + describe(),
                        () -> ctx.s3().listObjectsV2(b -> b.bucket(ctx.bucket()).maxKeys(100)))
                .contents()
                .stream()
                .anyMatch(o -> !o.key().startsWith(prefix));
    }

    @Override
    public Stored put(String rel, Path file, long mtime, String md5Hex, Remote planned) throws IOException {
        return ctx.guard(rel, () -> upload.put(rel, file, mtime, md5Hex, planned));
    }

    /** Asked only for a file over one part (as the plan always asked): a smaller one goes up in one request. */
    @Override
    public Resume interruptedUpload(String rel, long size, long mtime) {
        if (size <= PART_SIZE) return Resume.NONE;
        long done = upload.resumable(rel, size, mtime);
        return done == S3Upload.OTHER_CONTENT ? new Resume(0, true) : new Resume(done, false);
    }

    @Override
    public List<Unfinished> unfinishedUploads() {
        return PendingUploads.onServer(ctx);
    }

    @Override
    public void dropStaleUploads(Consumer<String> say) {
        PendingUploads.dropStale(ctx, say);
    }

    @Override
    public Fetched get(Remote remote, Path dest) throws IOException {
        return ctx.guard(remote.rel(), () -> download.get(remote, dest));
    }

    @Override
    public long interruptedDownload(Remote remote) {
        return download.resumableDownload(remote);
    }

    /** doctor: whether delimiter listings show every folder, learned by reading only (see {@link S3Listing#probeFolders}). */
    public void probeListing() throws StoreException {
        ctx.call("listing " + describe(), () -> {
            listing.probeFolders();
            return null;
        });
    }

    /** What doctor's bucket check saw: whether anything is under the prefix, and the server's Date. */
    public record Glance(boolean holdsObjects, Instant serverDate) {}

    /** doctor: asks for one key under the prefix; a failure carries the server's Date where it answered. */
    public Glance glance() throws StoreException {
        try {
            var r = ctx.s3()
                    .listObjectsV2(
                            b -> b.bucket(ctx.bucket()).prefix(ctx.prefix()).maxKeys(1));
            return new Glance(r.keyCount() != null && r.keyCount() > 0, S3Failures.date(r.sdkHttpResponse()));
        } catch (SdkException e) {
            throw S3Failures.of(e, null);
        }
    }

    @Override
    public BucketTrash bucketTrash() {
        return trash;
    }

    /** Asks the server what it supports (see {@link ServerProbe}); doctor's "profile" check. */
    public void probe(boolean multipart) throws StoreException {
        probe.probe(multipart);
    }

    /** The write's precondition: the object is still what the plan saw (absent: still absent). */
    static void condition(Remote planned, Consumer<String> ifMatch, Consumer<String> ifNoneMatch) {
        if (planned == null) ifNoneMatch.accept("*");
        else ifMatch.accept(quoted(planned.tag()));
    }

    static StoreException raced(String rel) {
        return new StoreException(
                StoreException.Kind.PRECONDITION,
                rel + ": changed in the bucket since the plan was made (another machine?)");
    }

    static Map<String, String> meta(long mtime, String md5Hex) {
        return Map.of("mtime", mtimeMeta(mtime), "md5chksum", ContentHash.hexToBase64(md5Hex));
    }

    static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
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
        // Not String.format: parsing its pattern cost more than the rest of building the request's metadata.
        long ms = Math.floorMod(millis, 1000);
        return Math.floorDiv(millis, 1000) + (ms < 10 ? ".00" : ms < 100 ? ".0" : ".") + ms;
    }

    static long parseMtime(String meta, java.util.function.LongSupplier fallback) {
        if (meta == null) return fallback.getAsLong();
        try {
            return Math.round(Double.parseDouble(meta) * 1000);
        } catch (NumberFormatException e) {
            return fallback.getAsLong();
        }
    }

    static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    /**
     * Deletes what the plan saw, and only that: a HEAD right before tells whether another machine
     * wrote the key since (then it is a conflict, not a delete).
     */
    @Override
    public void delete(Remote planned) throws IOException {
        ctx.guard(planned.rel(), () -> {
            deleteUnchanged(planned);
            return null;
        });
    }

    private void deleteUnchanged(Remote planned) throws IOException {
        String key = ctx.prefix() + planned.rel();
        ctx.expectUnchanged(planned.rel(), key, planned);
        ctx.call(
                planned.rel(),
                () -> ctx.s3().deleteObject(b -> b.bucket(ctx.bucket()).key(key)));
    }

    // ---- same content without state ------------------------------------------------------------

    @Override
    public boolean sameContent(Remote remote, Path local, String localMd5) throws IOException {
        return ctx.guard(remote.rel(), () -> compare(remote, local, localMd5));
    }

    private boolean compare(Remote remote, Path local, String localMd5) throws IOException {
        String tag = remote.tag(), key = ctx.prefix() + remote.rel();
        StoreProfile profile = session.profile();
        boolean etagsMayProve = !profile.isNot(StoreProfile.Feature.ETAG_MD5);
        if (etagsMayProve && tag.equalsIgnoreCase(localMd5)) return true;
        ManifestReader.Proof proof = manifests.proof(remote.rel(), remote.size(), tag);
        if (proof != null) return proof.md5().equals(localMd5);
        if (etagsMayProve && ContentHash.multipartMatches(tag, local, remote.size(), PART_SIZE)) return true;
        if (!profile.isNot(StoreProfile.Feature.METADATA)) {
            String meta = metadata(remote.rel(), key).get("md5chksum");
            if (meta != null && ContentHash.base64ToHex(meta) != null)
                return localMd5.equals(ContentHash.base64ToHex(meta));
        }
        if (profile.is(StoreProfile.Feature.ETAG_MD5) && ContentHash.isPlainMd5(tag))
            return false; // an MD5 ETag that differs
        // No proof on offer: read the object and compare, writing nothing.
        String md5 = ctx.md5OfObject(key);
        comparedFiles.incrementAndGet();
        comparedBytes.addAndGet(remote.size());
        if (md5.equals(localMd5) && ContentHash.isPlainMd5(tag)) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, false);
        }
        return md5.equals(localMd5);
    }

    /** An object's x-amz-meta-* from a HEAD: without the S3Client's pipeline where there is a direct path (https). */
    private Map<String, String> metadata(String rel, String key) throws IOException {
        if (ctx.direct() == null)
            return ctx.call(
                            rel,
                            () -> ctx.s3()
                                    .headObject(b -> b.bucket(ctx.bucket()).key(key)))
                    .metadata();
        try (DirectGet.Response head = ctx.direct().head(ctx.bucket(), key, rel)) {
            return head.metadata();
        }
    }

    @Override
    public void close() {
        ctx.parts().shutdownNow();
        S3Clients.close(ctx.s3());
    }
}
