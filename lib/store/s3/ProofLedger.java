package lib.store.s3;

import java.util.Collection;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import lib.store.Store;

/**
 * What this run saw and wrote that its {@link ProofManifest} needs: the objects listed (to drop
 * stale proofs, only when the listing was whole) and the uploads to prove.
 */
final class ProofLedger {
    private final Queue<ProofManifest.Entry> uploaded = new ConcurrentLinkedQueue<>();
    private final Map<String, Store.Remote> listed = new ConcurrentHashMap<>();
    private volatile boolean listedInFull;

    void listed(Store.Remote r) {
        listed.put(r.rel(), r);
    }

    /** Whether the last listing covered the whole prefix: only then may stale entries be dropped. */
    void listedInFull(boolean whole) {
        listedInFull = whole;
    }

    void uploaded(ProofManifest.Entry e) {
        uploaded.add(e);
    }

    boolean nothingUploaded() {
        return uploaded.isEmpty();
    }

    /** The manifest to write: the previous entries still true, and this run's uploads. */
    Map<String, ProofManifest.Entry> next(Collection<ProofManifest.Entry> previous) {
        return ProofManifest.next(previous, listedInFull ? listed : null, uploaded);
    }
}
