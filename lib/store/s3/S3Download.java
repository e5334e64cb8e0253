package lib.store.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import lib.common.ContentHash;
import lib.common.WorkerPool;
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
    private record Answer(String etag, Map<String, String> meta, Supplier<Instant> lastModified) {
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
        if (remote.size() > S3Store.PART_SIZE && !ctx.profile().isNot(StoreProfile.Feature.RANGE_GET)) {
            resp = getRanges(key, remote, dest, md);
            if (resp == null) Files.deleteIfExists(dest); // what the ranged attempt the server did not serve left
        }
        if (resp == null) resp = getWhole(key, remote, dest, md);
        String md5 = S3Store.hex(md);
        String etag = ContentHash.normalizeEtag(resp.etag());
        // Without If-Match, this is how a download knows the object is still the one planned (before
        // its size is held to the plan's: another object's size says it changed, not that it was damaged).
        if (!etag.isEmpty() && !etag.equals(remote.tag())) throw S3Store.raced(remote.rel());
        long size = Files.size(dest);
        if (size != remote.size())
            throw new StoreException(
                    StoreException.Kind.CORRUPTED, remote.rel() + ": got " + size + " of " + remote.size() + " bytes");
        boolean verified = verify(remote, key, resp.meta().get("md5chksum"), dest, md5);
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
    @SuppressWarnings("try") // the channel is closed early, before the finished file is moved into place
    private Answer getRanges(String key, Store.Remote remote, Path dest, MessageDigest md) throws IOException {
        boolean ifMatch = !ctx.profile().isNot(StoreProfile.Feature.IF_MATCH_GET);
        List<long[]> ranges = S3Store.partRanges(remote.size());
        PartialDownload partial = PartialDownload.of(ctx.root(), ctx.identity(), key);
        Set<Long> done = partial == null ? Set.of() : partial.finished(remote.tag(), remote.size());
        if (partial != null && done.isEmpty()) partial.begin(remote.tag(), remote.size());
        Path target = partial == null ? dest : partial.data;
        // A file begun in this run holds nothing yet: zero blocks need not be written (read back,
        // a hole is zeros), so a sparse checkpoint comes back sparse. A resumed one may hold an
        // earlier attempt's bytes where a range is unfinished: there every byte is written.
        boolean fresh = done.isEmpty();
        boolean keep = false;
        try (FileChannel ch = FileChannel.open(
                target,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (fresh && remote.size() > 0)
                ch.write(ByteBuffer.allocate(1), remote.size() - 1); // its length, for the hash
            WorkerPool.IoFunction<long[], Answer> fetch = r -> {
                if (done.contains(r[0])) return null;
                String range = "bytes=" + r[0] + "-" + (r[0] + r[1] - 1);
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> {
                    b.bucket(bucket).key(key).range(range);
                    if (ifMatch) b.ifMatch(S3Store.quoted(remote.tag()));
                })) {
                    if (in.response().contentRange() == null) {
                        in.abort(); // the whole object is coming: do not read it
                        throw new RangesRefused();
                    }
                    byte[] buf = new byte[256 * 1024];
                    long pos = r[0], got = 0;
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (fresh) writeSkippingZeros(ch, buf, n, pos);
                        else writeAll(ch, ByteBuffer.wrap(buf, 0, n), pos);
                        pos += n;
                        got += n;
                    }
                    if (got != r[1])
                        throw new StoreException(
                                StoreException.Kind.CORRUPTED,
                                remote.rel() + ": range " + range + " returned " + got + " bytes");
                    if (partial != null) {
                        ch.force(false); // on disk before the journal says so
                        partial.finished(r[0]);
                    }
                    return Answer.of(in.response());
                } catch (SdkException e) {
                    if (S3Failures.unsupported(e)) throw new RangesRefused();
                    throw failure(e, remote);
                }
            };
            long[] firstMissing = ranges.stream()
                    .filter(r -> !done.contains(r[0]))
                    .findFirst()
                    .orElse(null);
            Answer first;
            try {
                first = firstMissing == null ? null : fetch.apply(firstMissing);
            } catch (RangesRefused e) {
                ctx.profile().learn(StoreProfile.Feature.RANGE_GET, false);
                md.reset();
                if (partial != null) partial.forget();
                return null;
            }
            ctx.profile().learn(StoreProfile.Feature.RANGE_GET, true);
            WorkerPool.map(
                    ctx.parts(),
                    ranges,
                    r -> r == firstMissing ? first : fetch.apply(r),
                    (r, resp) -> ContentHash.update(md, ch, r[0], r[1]));
            Answer answer = first != null ? first : headAnswer(key, remote);
            keep = true;
            if (partial != null) {
                ch.close();
                Files.move(partial.data, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                partial.forget();
            }
            return answer;
        } catch (StoreException e) {
            keep = e.kind.cutOff();
            throw e;
        } catch (RangesRefused e) {
            throw new StoreException(
                    StoreException.Kind.SERVER_ERROR, remote.rel() + ": the server stopped serving ranges");
        } catch (IOException e) {
            keep = true; // interrupted, or the network: worth resuming
            throw e;
        } finally {
            // A download cut off is kept to resume; one that went wrong otherwise starts over next time.
            if (!keep && partial != null) partial.forget();
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer bb, long pos) throws IOException {
        while (bb.hasRemaining()) pos += ch.write(bb, pos);
    }

    /** Writes {@code buf[0..n)} at {@code pos}, leaving out each 4 KiB block of the file that would be all zeros. */
    static void writeSkippingZeros(FileChannel ch, byte[] buf, int n, long pos) throws IOException {
        int runStart = -1; // start of the non-zero blocks not yet written
        for (int i = 0; i < n; ) {
            int end = (int) Math.min(n, i + (4096 - (pos + i) % 4096)); // to the next block boundary
            boolean zeros = Arrays.mismatch(buf, i, end, ZEROS, 0, end - i) == -1;
            if (!zeros && runStart < 0) runStart = i;
            if (zeros && runStart >= 0) {
                writeAll(ch, ByteBuffer.wrap(buf, runStart, i - runStart), pos + runStart);
                runStart = -1;
            }
            i = end;
        }
        if (runStart >= 0) writeAll(ch, ByteBuffer.wrap(buf, runStart, n - runStart), pos + runStart);
    }

    private static final byte[] ZEROS = new byte[4096];

    /** A GET pinned to the planned ETag that failed: an object gone or changed since the plan is a lost race, not an error. */
    private static StoreException failure(SdkException e, Store.Remote remote) {
        StoreException se = S3Failures.of(e, remote.rel());
        return se.kind == StoreException.Kind.PRECONDITION || se.kind == StoreException.Kind.NOT_FOUND
                ? S3Store.raced(remote.rel())
                : se;
    }

    /** Every range was already here: the object's metadata comes from a HEAD. */
    private Answer headAnswer(String key, Store.Remote remote) throws StoreException {
        return Answer.of(
                ctx.call(remote.rel(), () -> s3.headObject(b -> b.bucket(bucket).key(key))));
    }

    /** The server answered a ranged GET with the whole object, or refused it. */
    @SuppressWarnings("serial") // never serialized: a failure lives and dies within one run
    private static final class RangesRefused extends IOException {
        RangesRefused() {
            super("ranged GET not served", null);
        }
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
