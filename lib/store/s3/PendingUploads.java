package lib.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import lib.common.Units;
import lib.plan.PlanPrinter;
import lib.state.UploadJournal;
import lib.store.Store;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Housekeeping of interrupted multipart uploads (SYNC.md, "Resuming"): they hold storage on the
 * server that no listing shows. One whose file is gone or changed can never be resumed, so
 * {@code upload} aborts it and forgets its journal; {@code status} and {@code doctor} list what
 * is still pending on the server, and how big.
 */
public final class PendingUploads {
    /** At most this many pending uploads are sized (one ListParts each) for status and doctor. */
    static final int SIZED = 20;

    private PendingUploads() {}

    /** Aborts upload {@code uploadId} of {@code key} on the server (best effort: it may be gone) and forgets its journal. */
    static void discard(S3Context ctx, UploadJournal journal, String key, String uploadId) {
        try {
            ctx.s3().abortMultipartUpload(b -> b.bucket(ctx.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException ignored) {
            // already gone, or the server is: nothing else refers to it once the journal is gone
        }
        if (journal != null) journal.forget();
    }

    /**
     * Drops this store's interrupted uploads whose file is gone or no longer has the size and time
     * it had when the upload began (one line each to {@code say}), and journals nobody can read.
     * One whose file only changed in content, keeping size and time, is dropped when it is next
     * uploaded (its MD5 is compared then).
     */
    static void dropStale(S3Context ctx, Consumer<String> say) {
        if (ctx.root() == null) return;
        for (UploadJournal j : UploadJournal.all(ctx.root())) {
            UploadJournal.Pending p = j.pending();
            if (p == null) {
                j.forget(); // damaged, or an older version's: never resumed, by any store
                continue;
            }
            String key = ctx.prefix() + p.rel();
            if (!j.isOf(ctx.identity(), key)) continue; // another store's
            String why = staleness(ctx.root().resolve(p.rel()), p);
            if (why == null) continue;
            discard(ctx, j, key, p.uploadId());
            say.accept("dropped the interrupted upload of " + PlanPrinter.shown(p.rel()) + " ("
                    + Units.bytes(p.bytesDone()) + " sent): the file " + why + " since");
        }
    }

    /** Why an interrupted upload can no longer be resumed from this file, or null when it may be. */
    private static String staleness(Path file, UploadJournal.Pending p) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return "was deleted";
        try {
            return S3Upload.changedSince(file, p.size(), p.mtime()) ? "changed" : null;
        } catch (IOException e) {
            return null; // unreadable now: leave it to the next upload of it
        }
    }

    /**
     * The multipart uploads the server holds under this store's prefix, with the bytes their
     * parts take (the first {@link #SIZED}; the rest count as 0) and whether a journal here can
     * resume them. Empty where the server cannot list them.
     */
    static List<Store.Unfinished> onServer(S3Context ctx) {
        List<Store.Unfinished> out = new ArrayList<>();
        if (ctx.profile().isNot(StoreProfile.Feature.MULTIPART)) return out;
        try {
            for (var page : ctx.s3()
                    .listMultipartUploadsPaginator(b -> b.bucket(ctx.bucket()).prefix(ctx.prefix()))) {
                for (MultipartUpload u : page.uploads()) {
                    if (!u.key().startsWith(ctx.prefix())) continue;
                    String rel = u.key().substring(ctx.prefix().length());
                    long bytes = out.size() < SIZED ? bytes(ctx, u) : 0;
                    out.add(new Store.Unfinished(rel, bytes, resumableHere(ctx, u)));
                }
            }
        } catch (SdkException e) {
            // not supported, or not allowed: nothing to show
        }
        return out;
    }

    private static long bytes(S3Context ctx, MultipartUpload u) {
        long n = 0;
        try {
            for (var page : ctx.s3()
                    .listPartsPaginator(b -> b.bucket(ctx.bucket()).key(u.key()).uploadId(u.uploadId())))
                for (var part : page.parts()) n += part.size() == null ? 0 : part.size();
        } catch (SdkException e) {
            // gone meanwhile, or not listable: counted as 0
        }
        return n;
    }

    private static boolean resumableHere(S3Context ctx, MultipartUpload u) {
        UploadJournal j = UploadJournal.of(ctx.root(), ctx.identity(), u.key());
        UploadJournal.Pending p = j == null ? null : j.pending();
        return p != null && p.uploadId().equals(u.uploadId());
    }
}
