package lib.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import lib.common.ContentHash;
import lib.common.WorkerPool;
import lib.state.SyncState;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * What {@link S3Store}'s parts (listing, upload, download, probe, trash, manifests) share: the
 * client and where in the bucket, the pool that moves parts, and the run's mutable state, each in
 * a small object of its own ({@link S3Session}, {@link ProofLedger}). Built once by S3Store.
 *
 * @param direct whole-object GETs without the S3Client's pipeline (https), or null: through {@code s3}
 * @param firstPageKeys keys asked for in a data dir's first listing page
 */
record S3Context(
        S3Client s3,
        DirectGet direct,
        String endpoint,
        String bucket,
        String prefix,
        ExecutorService parts,
        int firstPageKeys,
        S3Session session,
        ProofLedger proofs) {

    String identity() {
        return "s3:" + SyncState.sameEndpoint(endpoint) + "/" + bucket + "/" + prefix;
    }

    StoreProfile profile() {
        return session.profile();
    }

    Path root() {
        return session.root();
    }

    void notice(String line) {
        session.notice(line);
    }

    /** A store operation that may throw. */
    interface IoCall<T> {
        T run() throws IOException;
    }

    /**
     * The seam's promise (see {@link Store}): whatever the SDK lets slip out of an operation, the
     * engine sees a {@link StoreException} with a typed kind, never the SDK's own exceptions.
     */
    <T> T guard(String what, IoCall<T> op) throws IOException {
        try {
            return op.run();
        } catch (SdkException | UncheckedIOException e) {
            throw S3Failures.typed(e, what);
        }
    }

    /** Runs an SDK call, turning its failures into typed ones. */
    <T> T call(String what, Supplier<T> request) throws StoreException {
        try {
            return request.get();
        } catch (SdkException | UncheckedIOException e) {
            throw S3Failures.typed(e, what);
        }
    }

    <A, B> List<B> parallel(List<A> items, WorkerPool.IoFunction<A, B> fn) throws IOException {
        return WorkerPool.map(parts, items, fn);
    }

    /**
     * Where the server ignores conditional writes: a HEAD right before the write. Another machine's
     * write that lands between this HEAD and ours is still lost (SYNC.md states the window).
     */
    void expectUnchanged(String rel, String key, Store.Remote planned) throws StoreException {
        HeadObjectResponse now;
        try {
            now = s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            StoreException se = S3Failures.of(e, rel);
            if (se.kind != StoreException.Kind.NOT_FOUND) throw se;
            now = null;
        }
        boolean same = planned == null
                ? now == null
                : now != null
                        && now.contentLength() == planned.size()
                        && ContentHash.normalizeEtag(now.eTag()).equals(planned.tag());
        if (!same) throw S3Store.raced(rel);
    }

    void learnEtag(String tag, String md5Hex) {
        StoreProfile profile = profile();
        if (!ContentHash.isPlainMd5(tag) && ContentHash.multipartCount(tag) < 0) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, false);
        } else if (ContentHash.isPlainMd5(tag)) {
            profile.learn(StoreProfile.Feature.ETAG_MD5, tag.equalsIgnoreCase(md5Hex));
        }
    }

    /** Reads an object through and hashes it, writing nothing: where the server offers no proof of its content. */
    String md5OfObject(String key) throws IOException {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            return ContentHash.md5Hex(in);
        }
    }
}
