package lib.store.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import lib.plan.PlanPrinter;
import lib.store.StoreException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bucket's proof manifests ({@link ProofManifest}) as {@link S3Store} reads them: only when a
 * decision needs a proof (a no-op run sends listings only), one object at a time and leniently (an
 * unreadable one is skipped and named once, the others still count), and this machine's own
 * rewritten only from a read of it that worked, so its earlier proofs are merged, never lost
 * (SYNC.md, "Servers that are not AWS").
 */
final class ManifestReader {
    /** A manifest entry, and the manifest's key that holds it (named when the entry proves wrong). */
    record Proof(String md5, String manifest) {}

    /** What became of this machine's own manifest: not asked yet, none there, read, or not readable (then not rewritten). */
    private enum Own {
        UNKNOWN,
        ABSENT,
        READ,
        FAILED
    }

    private final S3Context ctx;
    private final S3Listing listing;
    private final Map<String, Proof> proofs = new ConcurrentHashMap<>();
    private final List<ProofManifest.Entry> own = new ArrayList<>();
    private final Set<String> named = ConcurrentHashMap.newKeySet();
    private Own ownState = Own.UNKNOWN;
    private boolean loaded;

    ManifestReader(S3Context ctx, S3Listing listing) {
        this.ctx = ctx;
        this.listing = listing;
    }

    /** The proof for an object as listed, or null; the first call reads every machine's manifest. */
    Proof proof(String rel, long size, String tag) {
        loadAll();
        return proofs.get(ProofManifest.key(rel, size, tag));
    }

    /**
     * An entry that the object's bytes contradict (two reads that agree): not trusted for the rest
     * of the run, dropped from this machine's manifest, and named once with its manifest.
     */
    void distrust(String rel, long size, String tag, String bytesMd5) {
        Proof p = proofs.remove(ProofManifest.key(rel, size, tag));
        if (p == null) return;
        synchronized (this) {
            own.removeIf(e -> e.rel().equals(rel) && e.size() == size && e.tag().equals(tag));
        }
        ctx.notice("the proof manifest " + p.manifest() + " says " + PlanPrinter.shown(rel) + " has MD5 "
                + p.md5() + ", but two reads of the object agree on " + bytesMd5
                + ": that entry is not trusted (the object was replaced outside lambda-sync, or the manifest is"
                + " wrong); delete the manifest to have it written anew");
    }

    /** This machine's earlier entries, to merge this run's into; null when its manifest could not be read (then it is left as it is). */
    synchronized List<ProofManifest.Entry> ownForRewrite() throws IOException {
        String key = ownKey(true);
        if (ownState == Own.UNKNOWN) readOne(key, key);
        return ownState == Own.FAILED ? null : List.copyOf(own);
    }

    private synchronized void loadAll() {
        if (loaded) return;
        loaded = true;
        String dir = ctx.prefix() + ProofManifest.DIR, mine;
        try {
            mine = ownKey(false);
        } catch (IOException e) {
            mine = null;
        }
        String ownKey = mine;
        try {
            List<String> keys = new ArrayList<>();
            listing.pages(
                    ListObjectsV2Request.builder()
                            .bucket(ctx.bucket())
                            .prefix(dir)
                            .build(),
                    page -> page.contents().stream().map(S3Object::key).forEach(keys::add));
            if (ownState == Own.UNKNOWN && ownKey != null && !keys.contains(ownKey)) ownState = Own.ABSENT;
            for (String key : keys) readOne(key, ownKey);
        } catch (SdkException | java.io.UncheckedIOException e) {
            // Not listable now: no proofs from the manifests (contents are compared by download),
            // and this machine's own is not rewritten, for its earlier entries could not be kept.
            if (ownState == Own.UNKNOWN) ownState = Own.FAILED;
            say("the proof manifests could not be listed (" + e.getMessage() + "): no proofs from them this run");
        }
    }

    /** Reads one manifest; a failure skips it (and, for this machine's own, keeps it from being rewritten). */
    private synchronized void readOne(String key, String ownKey) {
        boolean mine = key.equals(ownKey);
        if (mine && ownState == Own.READ) return;
        String text;
        try {
            text = strictUtf8(ctx.s3()
                    .getObjectAsBytes(b -> b.bucket(ctx.bucket()).key(key))
                    .asByteArray());
        } catch (CharacterCodingException e) {
            if (mine) ownState = Own.FAILED;
            say("the proof manifest " + key + " is not valid UTF-8: skipped, its proofs are not used"
                    + (mine ? " and it is not rewritten (delete it to have it written anew)" : ""));
            return;
        } catch (SdkException e) {
            StoreException se = S3Failures.of(e, key);
            if (mine) ownState = se.kind == StoreException.Kind.NOT_FOUND ? Own.ABSENT : Own.FAILED;
            if (se.kind != StoreException.Kind.NOT_FOUND)
                say("the proof manifest " + key + " could not be read (" + se.getMessage() + "): skipped");
            return;
        }
        for (ProofManifest.Entry e : ProofManifest.parse(text)) {
            proofs.put(ProofManifest.key(e.rel(), e.size(), e.tag()), new Proof(e.md5(), key));
            if (mine) own.add(e);
        }
        if (mine) ownState = Own.READ;
    }

    private String ownKey(boolean create) throws IOException {
        String id = ctx.root() == null ? null : ProofManifest.machineId(ctx.root(), create);
        return id == null ? null : ctx.prefix() + ProofManifest.DIR + id + ".tsv";
    }

    private void say(String line) {
        if (named.add(line)) ctx.notice(line);
    }

    /** Text only if it is valid UTF-8: a manifest mangled on the way is skipped, not half-believed. */
    static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
