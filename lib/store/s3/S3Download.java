package lib.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import lib.common.ContentHash;
import lib.state.PartialDownload;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Downloads for {@link S3Store}: one stream, or parallel ranges for large objects (resumable across
 * runs, {@link PartialDownload}), pinned to the planned ETag, and proven with the best proof the
 * server offers, or reported unverified where it offers none (SYNC.md, "Servers that are not AWS").
 */
final class S3Download {
    private final S3Context ctx;
    private final S3Client s3;
    private final String bucket, prefix;
    private final ManifestReader manifests;

    S3Download(S3Context ctx, ManifestReader manifests) {
        this.ctx = ctx;
        this.s3 = ctx.s3();
        this.bucket = ctx.bucket();
        this.prefix = ctx.prefix();
        this.manifests = manifests;
    }

    /** What a download's answer said besides its bytes: ETag, metadata, Last-Modified. */
    record Answer(String etag, Map<String, String> meta, Supplier<Instant> lastModified) {
        static Answer of(GetObjectResponse r) {
            return new Answer(r.eTag(), r.metadata(), () -> S3Clients.lastModified(r));
        }

        static Answer of(HeadObjectResponse r) {
            return new Answer(r.eTag(), r.metadata(), r::lastModified);
        }
    }

    Store.Fetched get(Store.Remote remote, Path dest) throws IOException {
        String key = prefix + remote.rel();
        MessageDigest md = ContentHash.md5();
        Answer resp = null;
        RangedDownload ranged = null;
        if (remote.size() > S3Store.PART_SIZE && !ctx.profile().isNot(StoreProfile.Feature.RANGE_GET)) {
            ranged = new RangedDownload(ctx, key, remote);
            resp = ranged.run(dest);
            if (resp != null) md = ranged.whole;
            else {
                Files.deleteIfExists(dest); // what the ranged attempt the server did not serve left
                ranged = null;
            }
        }
        if (resp == null) resp = getWhole(key, remote, dest, md);
        String etag = ContentHash.normalizeEtag(resp.etag());
        // Without If-Match, this is how a download knows the object is still the one planned (before
        // its size is held to the plan's: another object's size says it changed, not that it was damaged).
        if (!etag.isEmpty() && !etag.equals(remote.tag())) throw S3Store.raced(remote.rel());
        long size = Files.size(dest);
        if (size != remote.size())
            throw new StoreException(
                    StoreException.Kind.CORRUPTED, remote.rel() + ": got " + size + " of " + remote.size() + " bytes");
        // Ranges hashed one by one that make up the object's multipart ETag prove it, and stand for
        // its MD5 in the state (SyncState.Entry); else the whole file's MD5 is held to the best proof.
        String md5 = ranged == null ? null : ranged.partsEtag();
        boolean verified = md5 != null && md5.equalsIgnoreCase(remote.tag());
        if (!verified) {
            if (md5 != null) md = ContentHash.md5Of(dest, 0, Long.MAX_VALUE); // not hashed in order: read it once
            md5 = S3Store.hex(md);
            verified = verify(remote, key, resp.meta().get("md5chksum"), dest, md5);
        }
        Answer answer = resp;
        long mtime = S3Store.parseMtime(resp.meta().get("mtime"), () -> {
            Instant lastModified = answer.lastModified().get();
            return lastModified == null ? System.currentTimeMillis() : lastModified.toEpochMilli();
        });
        return new Store.Fetched(new Store.Remote(remote.rel(), size, remote.tag()), mtime, md5, verified);
    }

    /** One read buffer per transfer thread, not one per download: small files come by the thousand. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    private Answer getWhole(String key, Store.Remote remote, Path dest, MessageDigest md) throws IOException {
        boolean ifMatch = !ctx.profile().isNot(StoreProfile.Feature.IF_MATCH_GET);
        if (ctx.direct() != null) return getDirect(key, remote, dest, md, ifMatch);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> {
                    b.bucket(bucket).key(key);
                    if (ifMatch) b.ifMatch(S3Store.quoted(remote.tag()));
                });
                var out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // The HTTP client reads straight into a buffer this large: a small file is a read or two,
            // hashed and written once (transferTo's 8 KiB chunks were a syscall pair per 8 KiB).
            byte[] buf = BUFFER.get();
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
            }
            return Answer.of(in.response());
        } catch (SdkException e) {
            if (ifMatch && S3Failures.unsupported(e)) {
                ctx.profile().learn(StoreProfile.Feature.IF_MATCH_GET, false);
                md.reset();
                Files.deleteIfExists(dest); // should the refusal have come after the file was opened
                return getWhole(key, remote, dest, md);
            }
            throw failure(e, remote);
        }
    }

    /** {@link #getWhole} without the S3Client's pipeline (https): the same request, the same rules. */
    private Answer getDirect(String key, Store.Remote remote, Path dest, MessageDigest md, boolean ifMatch)
            throws IOException {
        DirectGet.Response r;
        try {
            r = ctx.direct().get(bucket, key, ifMatch ? S3Store.quoted(remote.tag()) : null, remote.rel());
        } catch (StoreException e) {
            if (ifMatch && S3Failures.unsupported(e.status, e.code)) {
                ctx.profile().learn(StoreProfile.Feature.IF_MATCH_GET, false);
                return getDirect(key, remote, dest, md, false);
            }
            throw raced(e, remote);
        }
        try (r;
                var out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = BUFFER.get();
            for (int n; (n = r.body().read(buf)) > 0; ) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        return new Answer(r.etag(), r.metadata(), r::lastModified);
    }

    /** A GET pinned to the planned ETag that failed: an object gone or changed since the plan is a lost race, not an error. */
    static StoreException failure(SdkException e, Store.Remote remote) {
        return raced(S3Failures.of(e, remote.rel()), remote);
    }

    static StoreException raced(StoreException se, Store.Remote remote) {
        return se.kind == StoreException.Kind.PRECONDITION || se.kind == StoreException.Kind.NOT_FOUND
                ? S3Store.raced(remote.rel())
                : se;
    }

    /** Bytes of this object that an interrupted download already brought (for the plan). */
    long resumableDownload(Store.Remote remote) {
        PartialDownload partial = remote.size() > S3Store.PART_SIZE
                ? PartialDownload.of(ctx.root(), ctx.identity(), prefix + remote.rel())
                : null;
        return partial == null ? 0 : partial.bytesDone(remote.tag(), remote.size(), S3Store.PART_SIZE);
    }

    /**
     * Proves the downloaded bytes are the object's, with the best proof the server offers: the
     * md5chksum we store as metadata, a proof manifest entry, an MD5 ETag (a multipart one is
     * recomputed), or two downloads that agree. Nothing the profile says is meaningless is used.
     *
     * @return false when no proof exists (then only the length was checked: "unverified")
     */
    private boolean verify(Store.Remote remote, String key, String md5Meta, Path file, String md5) throws IOException {
        String rel = remote.rel(), etag = remote.tag();
        String expected = md5Meta == null ? null : ContentHash.base64ToHex(md5Meta);
        if (expected == null) {
            ManifestReader.Proof proof = manifests.proof(rel, remote.size(), etag);
            // A proof entry means lambda-sync wrote this very object, with metadata unless the server
            // refused it: an answer without it means the server does not keep metadata.
            if (proof != null && md5Meta == null) ctx.profile().learn(StoreProfile.Feature.METADATA, false);
            if (proof != null && !proof.md5().equals(md5)) return contradicted(remote, key, proof, md5);
            expected = proof == null ? null : proof.md5();
        }
        if (expected != null) {
            if (!expected.equals(md5)) throw corrupted(rel);
            // Proven content is evidence about the server's ETags too.
            if (ContentHash.isPlainMd5(etag))
                ctx.profile().learn(StoreProfile.Feature.ETAG_MD5, etag.equalsIgnoreCase(md5));
            return true;
        }
        if (ctx.profile().isNot(StoreProfile.Feature.ETAG_MD5)) return false;
        if (ContentHash.isPlainMd5(etag)) {
            if (etag.equalsIgnoreCase(md5)) {
                ctx.profile().learn(StoreProfile.Feature.ETAG_MD5, true);
                return true;
            }
            // Even where ETags were MD5s so far, a mismatch is read again before it is called corruption:
            // a server that fronts a filesystem may give other ETags to files written beside it.
        } else if (ContentHash.multipartCount(etag) > 0
                && ContentHash.multipartMatches(etag, file, remote.size(), S3Store.PART_SIZE)) {
            return true;
        }
        // No proof to hold it against (an ETag that may not be an MD5, or a multipart ETag of a part
        // size we cannot guess): read it once more, writing nothing. Two reads that agree were not
        // corrupted in transit; where the ETag was MD5-shaped, it is now known not to be one.
        String again = ctx.md5OfObject(key);
        if (!again.equals(md5))
            throw new StoreException(
                    StoreException.Kind.CORRUPTED, rel + ": two downloads of it differ (corrupted in transit)");
        if (ContentHash.isPlainMd5(etag)
                && ctx.profile().get(StoreProfile.Feature.ETAG_MD5) == StoreProfile.Support.UNKNOWN) {
            ctx.profile().learn(StoreProfile.Feature.ETAG_MD5, false);
        }
        return true;
    }

    /**
     * A manifest entry the downloaded bytes do not match: read once more. A second read that
     * matches the entry, or neither, means the first was damaged on the way (run again); one that
     * agrees with the first means the entry is wrong: it is not trusted, and its manifest is named,
     * instead of failing this file on every run. Two reads that agree are then its proof.
     */
    private boolean contradicted(Store.Remote remote, String key, ManifestReader.Proof proof, String md5)
            throws IOException {
        String again = ctx.md5OfObject(key);
        if (!again.equals(md5)) throw corrupted(remote.rel());
        manifests.distrust(remote.rel(), remote.size(), remote.tag(), md5);
        return true;
    }

    private static StoreException corrupted(String rel) {
        return new StoreException(
                StoreException.Kind.CORRUPTED,
                rel + ": downloaded content does not match its checksum (corrupted in transit)");
    }
}
