package lib.sync;

import java.time.Duration;
import lib.common.BandwidthLimit;
import lib.config.SyncConfig;
import lib.store.DirStore;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.s3.BucketTrash;
import lib.store.s3.S3Clients;
import lib.store.s3.S3Failures;
import lib.store.s3.S3Listing;
import lib.store.s3.S3Store;

/**
 * Opens the far side named by the config: a mounted directory (SYNC_TARGET) or a bucket. A value,
 * so tests hand the engine their own knobs through {@code LambdaSync}'s seams instead of
 * JVM-wide system properties.
 *
 * @param fixed the store every run uses instead, whatever the config names (tests: one kept in
 *              memory, which outlives each run's {@code close}); null for the real one
 */
public record StoreFactory(Tuning tuning, Store fixed) {
    public static final StoreFactory DEFAULT = new StoreFactory(Tuning.DEFAULT, null);

    public StoreFactory tuned(Tuning t) {
        return new StoreFactory(t, fixed);
    }

    /**
     * Knobs that are not user settings: tests turn them so a few files reach what thousands
     * would (a split listing) and a stalled server is given up on in seconds, not a minute.
     *
     * @param firstPageKeys keys asked for in a data dir's first listing page
     * @param socketTimeout silence on a connection after which a request is given up and retried
     * @param copyLimit the largest object one CopyObject copies into the bucket's trash; larger ones
     *                  are copied in parts of this size (S3's 5 GiB; tests: a few MiB)
     */
    public record Tuning(int firstPageKeys, Duration socketTimeout, long copyLimit) {
        public static final Tuning DEFAULT = new Tuning(S3Listing.FIRST_PAGE_KEYS, S3Clients.SOCKET_TIMEOUT);

        public Tuning(int firstPageKeys, Duration socketTimeout) {
            this(firstPageKeys, socketTimeout, BucketTrash.MAX_COPY);
        }

        public Tuning copyingInParts(long limit) {
            return new Tuning(firstPageKeys, socketTimeout, limit);
        }
    }

    /** Opens the store; a client the SDK cannot build (a bad region, a CA bundle it refuses) is a typed failure. */
    public Store open(SyncConfig config, int jobs) throws StoreException {
        if (fixed != null) return fixed;
        long rate = config.bwlimit();
        BandwidthLimit limit = rate > 0 ? new BandwidthLimit(rate) : null; // one for all of the run's threads
        if (config.target() != null) return new DirStore(config.target(), config.prefix(), limit);
        String endpoint = config.endpoint();
        // Small files want many connections; large files use up to 8 parallel parts each.
        var s3 = S3Failures.call(
                "opening " + endpoint,
                () -> S3Clients.create(
                        endpoint,
                        config.region(),
                        config.accessKeyId(),
                        config.secretAccessKey(),
                        jobs + 16,
                        config.caBundle(),
                        tuning.socketTimeout(),
                        limit));
        S3Store store = new S3Store(
                s3, endpoint, config.bucket(), config.prefix(), Math.max(8, jobs), tuning.firstPageKeys(), limit);
        store.bucketTrash().copyLimit = tuning.copyLimit();
        return store;
    }
}
