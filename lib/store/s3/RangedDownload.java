package lib.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import lib.common.ContentHash;
import lib.common.WorkerPool;
import lib.state.PartialDownload;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * One large download as parallel ranged GETs into one file, pinned to the planned ETag. Ranges
 * land in a {@link PartialDownload} kept across runs, so a download cut off (network, kill -9)
 * fetches only what is missing next time; the finished file is then moved into place.
 *
 * <p>How it is hashed: where the object's ETag is a multipart ETag of our own part layout (what
 * lambda-sync's uploads leave on servers with MD5 ETags), each range is hashed by the thread that
 * fetched it, from the bytes in hand ({@link #parts}): the ranges are hashed in parallel and
 * nothing is read back, and the ETag recomputed from them proves the file. Otherwise the whole
 * file's MD5 is taken in order as the ranges land ({@link #whole}), read back from the file.
 */
final class RangedDownload {
    private final S3Context ctx;
    private final String key;
    private final Store.Remote remote;
    private final List<long[]> ranges;
    private final boolean ifMatch;
    /** Each range's MD5, by range; null where the whole file's MD5 is taken instead. */
    final String[] parts;
    /** The whole file's MD5, in order (only where {@link #parts} is null). */
    final MessageDigest whole = ContentHash.md5();

    private PartialDownload partial;
    private Map<Long, String> done = Map.of();
    private FileChannel ch;
    private boolean fresh, refused;

    RangedDownload(S3Context ctx, String key, Store.Remote remote) {
        this.ctx = ctx;
        this.key = key;
        this.remote = remote;
        this.ranges = S3Store.partRanges(remote.size());
        this.ifMatch = !ctx.profile().isNot(StoreProfile.Feature.IF_MATCH_GET);
        boolean perPart = ContentHash.multipartCount(remote.tag()) == ranges.size()
                && !ctx.profile().isNot(StoreProfile.Feature.ETAG_MD5);
        this.parts = perPart ? new String[ranges.size()] : null;
    }

    /** The multipart ETag of the ranges as they arrived (null where they were not hashed one by one). */
    String partsEtag() {
        return parts == null ? null : ContentHash.multipartEtag(Arrays.asList(parts));
    }

    /**
     * Fetches the missing ranges into {@code dest}. The first goes alone: a server that ignores
     * Range (sends the whole object) or refuses it is learned from it.
     *
     * @return null when the server does not serve ranges (then the object comes as one stream)
     */
    @SuppressWarnings("try") // the channel is closed early, before the finished file is moved into place
    S3Download.Answer run(Path dest) throws IOException {
        partial = PartialDownload.of(ctx.root(), ctx.identity(), key);
        if (partial != null) done = partial.finished(remote.tag(), remote.size());
        if (partial != null && done.isEmpty()) partial.begin(remote.tag(), remote.size());
        // A file begun in this run holds nothing yet: zero blocks need not be written (read back,
        // a hole is zeros), so a sparse checkpoint comes back sparse. A resumed one may hold an
        // earlier attempt's bytes where a range is unfinished: there every byte is written.
        fresh = done.isEmpty();
        boolean keep = false;
        try (FileChannel c = FileChannel.open(
                partial == null ? dest : partial.data,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            ch = c;
            if (fresh && remote.size() > 0) ch.write(ByteBuffer.allocate(1), remote.size() - 1); // its length
            S3Download.Answer answer = fetchAll();
            if (refused) return null;
            keep = true;
            if (partial != null) {
                ch.close();
                Files.move(partial.data, dest, StandardCopyOption.REPLACE_EXISTING);
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

    /** The first missing range alone, then the others in parallel; sets {@link #refused} where ranges are not served. */
    private S3Download.Answer fetchAll() throws IOException {
        long[] firstMissing =
                ranges.stream().filter(r -> !done.containsKey(r[0])).findFirst().orElse(null);
        S3Download.Answer first;
        try {
            first = firstMissing == null ? null : fetch(firstMissing);
        } catch (RangesRefused e) {
            ctx.profile().learn(StoreProfile.Feature.RANGE_GET, false);
            refused = true;
            return null;
        }
        ctx.profile().learn(StoreProfile.Feature.RANGE_GET, true);
        WorkerPool.map(ctx.parts(), ranges, r -> r == firstMissing ? first : fetch(r), (r, answer) -> {
            if (parts == null) ContentHash.update(whole, ch, r[0], r[1]); // in order, as they land
        });
        return first != null ? first : headAnswer();
    }

    /** Range {@code r}: fetched, written, hashed where ranges are hashed one by one, and journaled. */
    private S3Download.Answer fetch(long[] r) throws IOException {
        int n = (int) (r[0] / S3Store.PART_SIZE);
        if (done.containsKey(r[0])) {
            if (parts != null) parts[n] = done.get(r[0]).isEmpty() ? hashOnDisk(r) : done.get(r[0]);
            return null;
        }
        String range = "bytes=" + r[0] + "-" + (r[0] + r[1] - 1);
        try (ResponseInputStream<GetObjectResponse> in = ctx.s3().getObject(b -> {
            b.bucket(ctx.bucket()).key(key).range(range);
            if (ifMatch) b.ifMatch(S3Store.quoted(remote.tag()));
        })) {
            if (in.response().contentRange() == null) {
                in.abort(); // the whole object is coming: do not read it
                throw new RangesRefused();
            }
            MessageDigest md = parts == null ? null : ContentHash.md5();
            long got = write(in, r[0], md);
            if (got != r[1])
                throw new StoreException(
                        StoreException.Kind.CORRUPTED,
                        remote.rel() + ": range " + range + " returned " + got + " bytes");
            String md5 = md == null ? "" : S3Store.hex(md);
            if (parts != null) parts[n] = md5;
            if (partial != null) {
                ch.force(false); // on disk before the journal says so
                partial.finished(r[0], md5);
            }
            return S3Download.Answer.of(in.response());
        } catch (SdkException e) {
            if (S3Failures.unsupported(e)) throw new RangesRefused();
            throw S3Download.failure(e, remote);
        }
    }

    /** Copies a range's body to the file from {@code pos}, hashing it on the way where {@code md} is given. */
    private long write(InputStream in, long pos, MessageDigest md) throws IOException {
        byte[] buf = new byte[256 * 1024];
        long got = 0;
        for (int n; (n = in.read(buf)) > 0; got += n) {
            if (md != null) md.update(buf, 0, n);
            if (fresh) writeSkippingZeros(ch, buf, n, pos + got);
            else writeAll(ch, ByteBuffer.wrap(buf, 0, n), pos + got);
        }
        return got;
    }

    /** A range an earlier run brought without recording its MD5: hashed from the file. */
    private String hashOnDisk(long[] r) throws IOException {
        MessageDigest md = ContentHash.md5();
        ContentHash.update(md, ch, r[0], r[1]);
        return S3Store.hex(md);
    }

    /** Every range was already here: the object's metadata comes from a HEAD. */
    private S3Download.Answer headAnswer() throws StoreException {
        return S3Download.Answer.of(ctx.call(
                remote.rel(),
                () -> ctx.s3().headObject(b -> b.bucket(ctx.bucket()).key(key))));
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

    /** The server answered a ranged GET with the whole object, or refused it. */
    @SuppressWarnings("serial") // never serialized: a failure lives and dies within one run
    private static final class RangesRefused extends IOException {
        RangesRefused() {
            super("ranged GET not served", null);
        }
    }
}
