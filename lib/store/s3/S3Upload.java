package lib.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import lib.common.ContentHash;
import lib.common.Units;
import lib.state.UploadJournal;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * Uploads for {@link S3Store}: one PUT, or a multipart upload for files over the part size, each
 * conditional on what the plan saw, verified end to end, and resumable across runs
 * ({@link UploadJournal}). Degrades where the server lacks a feature ({@link StoreProfile}).
 */
final class S3Upload {
    private final S3Context ctx;
    private final S3Client s3;
    private final String bucket, prefix;
    private final ServerProbe probe;
    /** What {@link #resumable} says of an interrupted upload begun for other content than the file holds now. */
    static final long OTHER_CONTENT = -1;

    S3Upload(S3Context ctx, ServerProbe probe) {
        this.ctx = ctx;
        this.s3 = ctx.s3();
        this.bucket = ctx.bucket();
        this.prefix = ctx.prefix();
        this.probe = probe;
    }

    Store.Stored put(String rel, Path file, long mtime, String md5Hex, Store.Remote planned) throws IOException {
        probe.probeOnce();
        long size = Files.size(file);
        String key = prefix + rel;
        boolean multipart = (size > S3Store.PART_SIZE || size >= ctx.profile().putLimit())
                && !ctx.profile().isNot(StoreProfile.Feature.MULTIPART);
        Store.Stored s = null;
        if (multipart) s = putMultipart(rel, key, file, size, mtime, md5Hex, planned);
        if (s == null) {
            if (size > S3Store.MAX_SINGLE_PUT) {
                throw new StoreException(
                        StoreException.Kind.REFUSED,
                        rel + " is " + Units.bytes(size) + ": the server does not support multipart"
                                + " upload and one PUT takes at most 5 GiB; split the file, or sync it with SYNC_TARGET on a mounted filesystem");
            }
            s = putSingle(rel, key, file, size, mtime, md5Hex == null ? ContentHash.md5Hex(file) : md5Hex, planned);
            // Refused as too large (learned): in parts, where the server has multipart upload.
            if (s == null) s = putMultipart(rel, key, file, size, mtime, md5Hex, planned);
            if (s == null) throw tooLarge(rel, size);
        }
        ctx.proofs().uploaded(new ProofManifest.Entry(rel, size, s.remote().tag(), s.md5()));
        return s;
    }

    private Store.Stored putSingle(
            String rel, String key, Path file, long size, long mtime, String md5Hex, Store.Remote planned)
            throws IOException {
        boolean meta = !ctx.profile().isNot(StoreProfile.Feature.METADATA);
        boolean conditional = ctx.profile().is(StoreProfile.Feature.CONDITIONAL_PUT);
        if (!conditional) ctx.expectUnchanged(rel, key, planned);
        // A server that checks Content-MD5 refuses bytes other than the hashed ones: no second hash of what is sent.
        boolean checkSent = !ctx.profile().is(StoreProfile.Feature.CONTENT_MD5);
        AtomicReference<MessageDigest> sent = new AtomicReference<>();
        String etag;
        try {
            etag = s3.putObject(
                            b -> {
                                b.bucket(bucket)
                                        .key(key)
                                        .contentMD5(ContentHash.hexToBase64(md5Hex))
                                        .contentLength(size);
                                if (meta) b.metadata(S3Store.meta(mtime, md5Hex));
                                if (conditional) S3Store.condition(planned, b::ifMatch, b::ifNoneMatch);
                            },
                            RequestBody.fromContentProvider(
                                    () -> checkSent
                                            ? digested(S3Store.slice(file, 0, size), sent)
                                            : S3Store.slice(file, 0, size),
                                    size,
                                    "application/octet-stream"))
                    .eTag();
        } catch (SdkException e) {
            if (S3Failures.unsupported(e) && meta && !ctx.profile().is(StoreProfile.Feature.METADATA)) {
                ctx.profile().learn(StoreProfile.Feature.METADATA, false);
                return putSingle(rel, key, file, size, mtime, md5Hex, planned);
            }
            if (S3Failures.unsupported(e) && conditional) {
                ctx.profile().learn(StoreProfile.Feature.CONDITIONAL_PUT, false);
                return putSingle(rel, key, file, size, mtime, md5Hex, planned);
            }
            if (S3Failures.tooLarge(e) && !ctx.profile().isNot(StoreProfile.Feature.MULTIPART)) {
                ctx.profile().learnPutLimit(size);
                return null;
            }
            String landed = conditional ? ownWriteLanded(e, key, size, md5Hex, null) : null;
            if (landed == null) throw uploadFailure(S3Failures.of(e, rel), rel, file, size, mtime);
            etag = landed;
        }
        String tag = ContentHash.normalizeEtag(etag);
        // A server that does not check Content-MD5 stores whatever arrived: the bytes sent must be the hashed ones.
        if (checkSent && sent.get() != null && !S3Store.hex(sent.get()).equals(md5Hex)) {
            throw new StoreException(
                            StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded")
                    .stored(tag);
        }
        ctx.learnEtag(tag, md5Hex);
        return new Store.Stored(new Store.Remote(rel, size, tag), md5Hex);
    }

    private static StoreException tooLarge(String rel, long size) {
        return new StoreException(
                StoreException.Kind.REFUSED,
                rel + " is " + Units.bytes(size) + ": the server refuses a PUT that large and does not support"
                        + " multipart upload; split the file, or sync it with SYNC_TARGET on a mounted filesystem");
    }

    /**
     * The file is read once for its MD5 (the upload's {@code md5chksum}, fixed when it is created);
     * each part is then hashed by the thread that sends it, right before it goes, and sent with that
     * as Content-MD5, so a part that changed in between is refused (or, where the server does not
     * check, caught by the digest of what was sent). Before completing, the file must still be as
     * planned; on any change the upload is aborted and the previous object stays. An upload cut off
     * by a network failure or an interrupt is kept, with its {@link UploadJournal}, so the next run
     * sends only the missing parts (SYNC.md, "Resuming"), but only for exactly the same content: the
     * upload's metadata (MD5, mtime) was fixed when it was created.
     *
     * @return null when the server turned out not to support multipart (then a single PUT is used)
     */
    private Store.Stored putMultipart(
            String rel, String key, Path file, long size, long mtime, String md5Hex, Store.Remote planned)
            throws IOException {
        String md5 = ContentHash.md5Hex(file);
        if (md5Hex != null && !md5.equals(md5Hex)) {
            throw new StoreException(
                    StoreException.Kind.CHANGED_WHILE_UPLOADING,
                    rel + " changed while it was being uploaded (since it was hashed)");
        }
        Upload u = new Upload(
                rel,
                key,
                file,
                size,
                mtime,
                md5,
                new String[S3Store.partRanges(size).size()],
                planned);
        UploadJournal journal = UploadJournal.of(ctx.root(), ctx.identity(), key);
        UploadJournal.Pending p = journal == null ? null : journal.pending();
        // Only an upload of this very content is worth its parts' MD5s (ListParts is held to them).
        Map<Integer, String> reuse = p == null || !p.isFor(size, mtime, S3Store.PART_SIZE, md5)
                ? null
                : reusable(p, key, size, mtime, hashParts(u));
        if (reuse != null) {
            abortEarlierUploads(key, p.uploadId());
            try {
                return send(u, journal, p.uploadId(), reuse);
            } catch (StoreException e) {
                if (e.kind != StoreException.Kind.NOT_FOUND) throw e;
                // The server no longer has it (expired, aborted elsewhere): send() forgot it; start afresh now.
            }
        } else if (p != null) {
            PendingUploads.discard(ctx, journal, key, p.uploadId());
        }
        abortEarlierUploads(key, null);
        String id = createUpload(rel, key, mtime, md5);
        if (id == null) return null;
        if (journal != null) journal.begin(id, S3Store.PART_SIZE, size, mtime, md5, rel);
        return send(u, journal, id, Map.of());
    }

    /**
     * One file's multipart upload: what it sends, and what it must still be when it completes.
     * {@code partMd5s} fills in as the parts are hashed (each by the thread that sends it).
     */
    private record Upload(
            String rel,
            String key,
            Path file,
            long size,
            long mtime,
            String md5,
            String[] partMd5s,
            Store.Remote planned) {}

    /** Every part's MD5, hashed in parallel (to resume an upload: ListParts is held to them). */
    private ContentHash.Parts hashParts(Upload u) throws IOException {
        ctx.parallel(S3Store.partRanges(u.size()), r -> partMd5(u, r));
        return new ContentHash.Parts(u.md5(), List.of(u.partMd5s()));
    }

    /** The MD5 of part range {@code r}, read from the file (once; then remembered). */
    private static String partMd5(Upload u, long[] r) throws IOException {
        int n = (int) (r[0] / S3Store.PART_SIZE);
        if (u.partMd5s()[n] == null) u.partMd5s()[n] = S3Store.hex(ContentHash.md5Of(u.file(), r[0], r[1]));
        return u.partMd5s()[n];
    }

    /** Sends the parts not in {@code reuse} into upload {@code id} and completes it. */
    private Store.Stored send(Upload u, UploadJournal journal, String id, Map<Integer, String> reuse)
            throws IOException {
        try {
            List<CompletedPart> done = ctx.parallel(S3Store.partRanges(u.size()), r -> {
                int n = (int) (r[0] / S3Store.PART_SIZE) + 1;
                String etag = reuse.containsKey(n) ? reuse.get(n) : sendPart(u, journal, id, n, r);
                return CompletedPart.builder().partNumber(n).eTag(etag).build();
            });
            if (changedSince(u.file(), u.size(), u.mtime()))
                throw new StoreException(
                        StoreException.Kind.CHANGED_WHILE_UPLOADING, u.rel() + " changed while it was being uploaded");
            String etag = complete(u, id, done);
            if (journal != null) journal.forget();
            return new Store.Stored(new Store.Remote(u.rel(), u.size(), ContentHash.normalizeEtag(etag)), u.md5());
        } catch (IOException | RuntimeException e) {
            // A part's failure arrives typed already (ctx.call): its BadDigest is read the same way.
            StoreException se = e instanceof SdkException sdk
                    ? uploadFailure(S3Failures.of(sdk, u.rel()), u.rel(), u.file(), u.size(), u.mtime())
                    : e instanceof StoreException x ? uploadFailure(x, u.rel(), u.file(), u.size(), u.mtime()) : null;
            // Cut off (network, server gone, interrupt): keep it to resume. Anything else: abort, so
            // nothing dangles (it costs storage and is invisible); the previous object stays.
            boolean keep = journal != null && (se == null ? e instanceof IOException : se.kind.cutOff());
            if (!keep) PendingUploads.discard(ctx, journal, u.key(), id);
            if (se != null) throw se;
            throw e;
        }
    }

    /** Sends part {@code n} (range {@code r}) and journals it as soon as the server confirms it. */
    private String sendPart(Upload u, UploadJournal journal, String id, int n, long[] r) throws IOException {
        boolean checkSent = !ctx.profile().is(StoreProfile.Feature.CONTENT_MD5);
        String partMd5 = partMd5(u, r);
        AtomicReference<MessageDigest> sent = new AtomicReference<>();
        String etag = ctx.call(
                u.rel(),
                () -> s3.uploadPart(
                                b -> b.bucket(bucket)
                                        .key(u.key())
                                        .uploadId(id)
                                        .partNumber(n)
                                        .contentLength(r[1])
                                        .contentMD5(ContentHash.hexToBase64(partMd5)),
                                RequestBody.fromContentProvider(
                                        () -> checkSent
                                                ? digested(S3Store.slice(u.file(), r[0], r[1]), sent)
                                                : S3Store.slice(u.file(), r[0], r[1]),
                                        r[1],
                                        "application/octet-stream"))
                        .eTag());
        if (checkSent && sent.get() != null && !S3Store.hex(sent.get()).equals(partMd5)) {
            throw new StoreException(
                    StoreException.Kind.CHANGED_WHILE_UPLOADING,
                    u.rel() + " changed while it was being uploaded (part " + n + ")");
        }
        if (journal != null) journal.finished(new UploadJournal.Part(n, r[1], partMd5, etag));
        return etag;
    }

    /** Completes the upload, conditional on the object still being what the plan saw; returns its ETag. */
    private String complete(Upload u, String id, List<CompletedPart> done) throws StoreException {
        boolean conditional = ctx.profile().is(StoreProfile.Feature.CONDITIONAL_PUT);
        if (!conditional) ctx.expectUnchanged(u.rel(), u.key(), u.planned());
        try {
            return s3.completeMultipartUpload(b -> {
                        b.bucket(bucket).key(u.key()).uploadId(id).multipartUpload(m -> m.parts(done));
                        if (conditional) S3Store.condition(u.planned(), b::ifMatch, b::ifNoneMatch);
                    })
                    .eTag();
        } catch (SdkException e) {
            String etag = ownWriteLanded(
                    e, u.key(), u.size(), u.md5(), ContentHash.multipartEtag(Arrays.asList(u.partMd5s())));
            if (etag == null) throw e;
            return etag;
        }
    }

    /**
     * The parts of an earlier run's upload {@code p} that already hold this content, by their
     * ETags as the server lists them (ListParts decides: a part journaled but not listed is sent
     * again; one listed but not journaled yet, the run killed between the server's answer and the
     * journal line, is reused where it is provably ours: its ETag is its MD5, or the server checks
     * Content-MD5). Null when it cannot be resumed: it was begun for other content (its metadata
     * would not prove what completing it stores), or the server no longer has it or cannot list it.
     */
    private Map<Integer, String> reusable(
            UploadJournal.Pending p, String key, long size, long mtime, ContentHash.Parts hashes) {
        if (!p.isFor(size, mtime, S3Store.PART_SIZE, hashes.md5())
                || ctx.profile().isNot(StoreProfile.Feature.LIST_PARTS)) return null;
        Map<Integer, String> reuse = new HashMap<>();
        try {
            for (var page : s3.listPartsPaginator(b -> b.bucket(bucket).key(key).uploadId(p.uploadId()))) {
                for (Part part : page.parts()) {
                    int n = part.partNumber() == null ? 0 : part.partNumber();
                    if (n < 1 || n > hashes.partMd5s().size() || part.size() == null) continue;
                    if (part.size() != Math.min(S3Store.PART_SIZE, size - (n - 1) * S3Store.PART_SIZE)) continue;
                    String md5 = hashes.partMd5s().get(n - 1), tag = ContentHash.normalizeEtag(part.eTag());
                    UploadJournal.Part mine = p.parts().get(n);
                    boolean journaled = mine != null
                            && mine.md5().equals(md5)
                            && ContentHash.normalizeEtag(mine.etag()).equals(tag);
                    if (journaled || tag.equalsIgnoreCase(md5) || ctx.profile().is(StoreProfile.Feature.CONTENT_MD5))
                        reuse.put(n, part.eTag());
                }
            }
            ctx.profile().learn(StoreProfile.Feature.LIST_PARTS, true);
            return reuse;
        } catch (SdkException e) {
            if (S3Failures.unsupported(e)) ctx.profile().learn(StoreProfile.Feature.LIST_PARTS, false);
            return null; // gone (aborted, expired), or not listable: start afresh
        }
    }

    /**
     * Bytes of this file that an interrupted upload already left in the store and that its upload
     * will reuse (for the plan). Only an upload of this very content counts, so the file is read
     * for its MD5s here and the server asked which parts it holds: the plan never promises bytes
     * that are then sent again. {@link #OTHER_CONTENT}: the upload was of other bytes.
     */
    long resumable(String rel, long size, long mtime) {
        UploadJournal journal = UploadJournal.of(ctx.root(), ctx.identity(), prefix + rel);
        UploadJournal.Pending p = journal == null ? null : journal.pending();
        if (p == null || !p.isFor(size, mtime, S3Store.PART_SIZE)) return 0;
        try {
            ContentHash.Parts hashes = ContentHash.parts(ctx.root().resolve(rel), S3Store.PART_SIZE);
            if (!p.md5().equals(hashes.md5())) return OTHER_CONTENT;
            Map<Integer, String> reuse = reusable(p, prefix + rel, size, mtime, hashes);
            if (reuse == null) return 0;
            return reuse.keySet().stream()
                    .mapToLong(n -> Math.min(S3Store.PART_SIZE, size - (n - 1) * S3Store.PART_SIZE))
                    .sum();
        } catch (IOException e) {
            return 0; // unreadable now: the upload will say so
        }
    }

    /** @return the new upload's id, or null when the server has no multipart upload */
    private String createUpload(String rel, String key, long mtime, String md5) throws StoreException {
        boolean meta = !ctx.profile().isNot(StoreProfile.Feature.METADATA);
        try {
            String id = s3.createMultipartUpload(b -> {
                        b.bucket(bucket).key(key);
                        if (meta) b.metadata(S3Store.meta(mtime, md5));
                    })
                    .uploadId();
            ctx.profile().learn(StoreProfile.Feature.MULTIPART, true);
            return id;
        } catch (SdkException e) {
            if (!S3Failures.unsupported(e)) throw S3Failures.of(e, rel);
        }
        if (meta && !ctx.profile().is(StoreProfile.Feature.METADATA)) {
            try {
                String id =
                        s3.createMultipartUpload(c -> c.bucket(bucket).key(key)).uploadId();
                ctx.profile().learn(StoreProfile.Feature.METADATA, false);
                return id;
            } catch (SdkException again) {
                // multipart itself is missing
            }
        }
        ctx.profile().learn(StoreProfile.Feature.MULTIPART, false);
        return null;
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
        StoreException.Kind kind = S3Failures.of(e, null).kind;
        if (kind != StoreException.Kind.PRECONDITION && kind != StoreException.Kind.NOT_FOUND) return null;
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key));
            if (h.contentLength() == null || h.contentLength() != size) return null;
            String tag = ContentHash.normalizeEtag(h.eTag());
            String meta = h.metadata().get("md5chksum");
            if (meta != null && md5.equals(ContentHash.base64ToHex(meta))) return tag;
            if (ctx.profile().is(StoreProfile.Feature.ETAG_MD5)
                    && (tag.equalsIgnoreCase(md5) || tag.equalsIgnoreCase(multipartEtag))) return tag;
        } catch (SdkException gone) {
            // not there, or not reachable: not provably ours
        }
        return null;
    }

    /** Whether the file no longer has the size and time the plan saw. */
    static boolean changedSince(Path file, long size, long mtime) throws IOException {
        return Files.size(file) != size
                || Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis() != mtime;
    }

    /** A refused upload body is this file changing under us when it no longer is what was planned, else damage on the way. */
    private StoreException uploadFailure(StoreException se, String rel, Path file, long size, long mtime) {
        if (se.kind == StoreException.Kind.PRECONDITION) return S3Store.raced(rel);
        if (se.code.equals("BadDigest") || se.code.equals("InvalidDigest")) {
            try {
                if (changedSince(file, size, mtime))
                    return new StoreException(
                            StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being uploaded");
            } catch (IOException gone) {
                return new StoreException(
                        StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " was removed while it was being uploaded");
            }
            return new StoreException(
                    StoreException.Kind.CORRUPTED,
                    rel + ": the server refused the body as damaged on the way (" + se.code + ")");
        }
        return se;
    }

    private static InputStream digested(InputStream in, AtomicReference<MessageDigest> holder) {
        MessageDigest md = ContentHash.md5();
        holder.set(md); // the SDK opens a fresh stream per attempt: the last one is what the server got
        return new DigestInputStream(in, md);
    }

    /**
     * Uploads of exactly this key that no journal of ours resumes (another run's that could not
     * abort, a killed run's whose file changed since) are invisible and cost storage: this upload
     * replaces the key anyway, so they are aborted first (FaultTest found them dangling). Best
     * effort: a server without ListMultipartUploads just keeps them.
     */
    private void abortEarlierUploads(String key, String keep) {
        if (ctx.profile().isNot(StoreProfile.Feature.MULTIPART)) return;
        try {
            for (MultipartUpload u :
                    s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads()) {
                if (u.key().equals(key) && !u.uploadId().equals(keep))
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(u.uploadId()));
            }
        } catch (SdkException ignored) {
            // not supported, or already gone: nothing we can do about it here
        }
    }
}
