package lib.store.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lib.common.ContentHash;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import lib.store.StoreTrash;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bucket's trash (SYNC.md, "The trash"): before a run deletes or overwrites an object, the
 * server copies it (CopyObject, pinned to the ETag the plan saw; no byte through this machine)
 * to {@code <prefix>.lambda-sync/trash/<yyyymmdd-hhmmss UTC>-<machine>/<path>}, with its
 * metadata; each folder's {@code .why.tsv} says why, one line per object. Listing skips
 * {@code .lambda-sync/}, so none of it is ever synced as data. Where the server cannot copy, or
 * its copies drop metadata ({@link StoreProfile}), {@link #keep} says no and the caller downloads
 * the object into the local trash instead.
 */
public final class BucketTrash implements StoreTrash {
    static final String DIR = S3Store.OWN_DIR + "trash/";
    /** CopyObject's limit (S3's); a larger object is copied in parts (UploadPartCopy) of this size. */
    public static final long MAX_COPY = S3Store.MAX_SINGLE_PUT;

    private final S3Context ctx;
    private final S3Client s3;
    private final String bucket, prefix;
    private final ServerProbe probe;
    private final S3Download download;
    /** The largest object one CopyObject copies (a seam: see StoreFactory.Tuning). */
    public long copyLimit = MAX_COPY;

    BucketTrash(S3Context ctx, ServerProbe probe, S3Download download) {
        this.ctx = ctx;
        this.s3 = ctx.s3();
        this.bucket = ctx.bucket();
        this.prefix = ctx.prefix();
        this.probe = probe;
        this.download = download;
    }

    /** A run's folder name: its start in UTC, and this machine ({@code host-<6 hex of its machine id>}). */
    @Override
    public String folderName(Instant start, Path root) {
        String host = System.getenv("HOSTNAME");
        try {
            if (host == null || host.isBlank())
                host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            host = "machine";
        }
        host = host.replaceAll("[^A-Za-z0-9.-]", "").toLowerCase(Locale.ROOT);
        if (host.isEmpty()) host = "machine";
        if (host.length() > 40) host = host.substring(0, 40);
        String id;
        try {
            id = ProofManifest.machineId(root, true).substring(0, 6);
        } catch (IOException e) {
            id = "000000";
        }
        return LocalDateTime.ofInstant(start, ZoneOffset.UTC).format(TIME) + "-" + host + "-" + id;
    }

    /** Whether this server keeps trash copies: CopyObject, keeping metadata (asked once, then in the profile). */
    boolean usable() throws IOException {
        StoreProfile p = ctx.profile();
        if (p.get(StoreProfile.Feature.COPY) == StoreProfile.Support.UNKNOWN) {
            probe.probeOnce(); // metadata first: the copy probe compares it
            probe.probeCopyOnce();
        }
        return p.is(StoreProfile.Feature.COPY)
                && (p.is(StoreProfile.Feature.COPY_METADATA) || p.isNot(StoreProfile.Feature.METADATA));
    }

    /**
     * Copies the object as the plan saw it into {@code folder}; false where the server cannot (the
     * caller downloads it instead). An object changed since the plan is a PRECONDITION failure.
     */
    @Override
    public boolean keep(Store.Remote planned, String folder) throws IOException {
        if (!usable()) return false;
        String key = prefix + DIR + folder + "/" + planned.rel();
        if (planned.size() > copyLimit) return copyInParts(planned, key);
        return ctx.guard(planned.rel(), () -> {
            try {
                s3.copyObject(b -> b.sourceBucket(bucket)
                        .sourceKey(prefix + planned.rel())
                        .destinationBucket(bucket)
                        .destinationKey(key)
                        .copySourceIfMatch(S3Store.quoted(planned.tag())));
                return true;
            } catch (SdkException e) {
                StoreException se = S3Failures.of(e, planned.rel());
                if (se.kind == StoreException.Kind.PRECONDITION) throw S3Store.raced(planned.rel());
                if (!S3Failures.unsupported(e)) throw se;
                ctx.profile().learn(StoreProfile.Feature.COPY, false);
                return false;
            }
        });
    }

    /**
     * An object beyond one CopyObject (5 GiB on S3: a checkpoint) is copied part by part
     * (UploadPartCopy, each pinned to the planned ETag) into a multipart upload that carries its
     * metadata (a part copy does not bring it). False where the server has no multipart or no part
     * copy: the caller downloads it then.
     */
    private boolean copyInParts(Store.Remote planned, String key) throws IOException {
        if (ctx.profile().isNot(StoreProfile.Feature.MULTIPART)) return false;
        String src = prefix + planned.rel(), tag = S3Store.quoted(planned.tag());
        return ctx.guard(planned.rel(), () -> {
            String id = null;
            try {
                var meta = s3.headObject(b -> b.bucket(bucket).key(src).ifMatch(tag))
                        .metadata();
                id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).metadata(meta))
                        .uploadId();
                List<CompletedPart> parts = new ArrayList<>();
                for (long off = 0, n = 1; off < planned.size(); off += copyLimit, n++) {
                    String range = "bytes=" + off + "-" + (Math.min(off + copyLimit, planned.size()) - 1);
                    String upload = id;
                    int number = (int) n;
                    String etag = s3.uploadPartCopy(b -> b.sourceBucket(bucket)
                                    .sourceKey(src)
                                    .destinationBucket(bucket)
                                    .destinationKey(key)
                                    .uploadId(upload)
                                    .partNumber(number)
                                    .copySourceRange(range)
                                    .copySourceIfMatch(tag))
                            .copyPartResult()
                            .eTag();
                    parts.add(CompletedPart.builder()
                            .partNumber(number)
                            .eTag(etag)
                            .build());
                }
                String upload = id;
                s3.completeMultipartUpload(
                        b -> b.bucket(bucket).key(key).uploadId(upload).multipartUpload(m -> m.parts(parts)));
                return true;
            } catch (SdkException e) {
                abort(key, id);
                StoreException se = S3Failures.of(e, planned.rel());
                if (se.kind == StoreException.Kind.PRECONDITION) throw S3Store.raced(planned.rel());
                if (S3Failures.unsupported(e)) return false;
                throw se;
            }
        });
    }

    private void abort(String key, String uploadId) {
        if (uploadId == null) return;
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException ignored) {
            // an upload left behind: the next upload of this key's folder never meets it (a new name)
        }
    }

    /** Writes the folder's .why.tsv: one line per object kept, path and reason. */
    @Override
    public void record(String folder, List<Kept> kept) throws IOException {
        StringBuilder b = new StringBuilder();
        for (Kept k : kept)
            b.append(StateDir.escape(k.rel()))
                    .append('\t')
                    .append(k.why().name())
                    .append('\n');
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        String key = prefix + DIR + folder + "/" + WHY_FILE;
        ctx.call(key, () -> s3.putObject(b2 -> b2.bucket(bucket).key(key), RequestBody.fromBytes(body)));
    }

    /** Everything in the bucket's trash, by folder (oldest first), then path. */
    @Override
    public List<Entry> list() throws IOException {
        Map<String, S3Object> objects = new LinkedHashMap<>();
        ctx.guard("listing the bucket's trash", () -> {
            for (ListObjectsV2Response page :
                    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + DIR))) {
                for (S3Object o : page.contents()) objects.put(o.key(), o);
            }
            return null;
        });
        Map<String, Map<String, Why>> whys = new HashMap<>();
        List<Entry> out = new ArrayList<>();
        for (S3Object o : objects.values()) {
            String rest = o.key().substring(prefix.length() + DIR.length());
            int slash = rest.indexOf('/');
            if (slash < 0 || !rest.substring(0, slash).matches("\\d{8}-\\d{6}-.+")) continue; // not ours
            String folder = rest.substring(0, slash), rel = rest.substring(slash + 1);
            if (rel.equals(WHY_FILE)) continue;
            Why why = whys.computeIfAbsent(folder, this::whys).get(rel);
            out.add(new Entry(folder, rel, o.key(), o.size(), ContentHash.normalizeEtag(o.eTag()), why));
        }
        out.sort(java.util.Comparator.comparing(Entry::folder).thenComparing(Entry::rel));
        return out;
    }

    /** A folder's reasons; none where its .why.tsv is missing (a run cut off) or unreadable. */
    private Map<String, Why> whys(String folder) {
        String key = prefix + DIR + folder + "/" + WHY_FILE;
        try {
            String text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
            return StoreTrash.parseWhys(text);
        } catch (SdkException e) {
            return Map.of();
        }
    }

    /** Downloads a trashed object into {@code dest} (a fresh temp file), verified as any download, with its mtime. */
    @Override
    public Store.Fetched fetch(Entry e, Path dest) throws IOException {
        var remote = new Store.Remote(e.key().substring(prefix.length()), e.size(), e.tag());
        return ctx.guard(remote.rel(), () -> download.get(remote, dest));
    }

    /** Deletes a trashed object (restored, or pruned); one already gone is fine. */
    @Override
    public void delete(String key) throws IOException {
        try {
            ctx.call(key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (StoreException e) {
            if (e.kind != StoreException.Kind.NOT_FOUND) throw e; // another machine pruned it first
        }
    }

    /** The .why.tsv key of a folder. */
    @Override
    public String whyKey(String folder) {
        return prefix + DIR + folder + "/" + WHY_FILE;
    }
}
