package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import lib.common.Console;
import lib.common.Units;
import lib.local.LocalTree;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreTrash;

/**
 * The one gate every destructive act of a run passes (SYNC.md, "Deletion" and "The trash"), as
 * rclone's {@code operations.DeleteFileWithBackupDir}: a deletion counts against the run's
 * {@link Policy}; a dry run destroys nothing; what goes is kept first (a local file is moved into
 * {@code .lambda-sync/trash/}; a bucket object is copied by the server into the bucket's trash,
 * or downloaded into the local one where the server cannot copy); then it is deleted or
 * overwritten. Nothing else in a run deletes or replaces synced data: {@link Transfer} calls
 * these methods for every deletion and every transfer over a destination. (The trash's own
 * copies go only by {@code trash restore}, once back, and {@code trash prune}, asked by age.)
 */
public final class DeletionGate {
    /**
     * What a run may destroy: at most {@code deletions} deletions, set by {@code source} (for the
     * refusal's words); nothing at all in a dry run.
     */
    public record Policy(long deletions, String source, boolean dryRun) {
        /** Watch's: it never deletes (SYNC.md, "Autosave: watch"). */
        public static final Policy NEVER = new Policy(0, "watch never deletes", false);

        /**
         * A sync's (SYNC.md, "Deletion"): up to 50 files, or half of a side of 10 or more, or
         * as many as {@code --max-delete} allows where that is more.
         */
        public static Policy of(long sideFiles, Integer maxDelete, boolean dryRun) {
            long within = SyncPlan.bound(sideFiles);
            if (maxDelete != null && maxDelete > within) return new Policy(maxDelete, "--max-delete", dryRun);
            return new Policy(within, "the deletion bound; --max-delete allows more", dryRun);
        }
    }

    /** A destructive act the gate refused (past the policy's count, or in a dry run): nothing was touched. */
    @SuppressWarnings("serial") // never serialized: a failure lives and dies within one run
    public static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    /** A store write or delete, run once its old copy is kept. */
    public interface StoreAct<T> {
        T run() throws IOException;
    }

    private final Path root;
    private final Store store;
    private final Console console;
    private final Policy policy;
    /** This run's temp files, shared with {@link Transfer}, which removes those abandoned after Ctrl-C. */
    private final Set<Path> temps;

    private final AtomicLong deletions = new AtomicLong();
    private final Path trashDir;
    private final Instant started = Instant.now();
    /** This run's folder in the bucket's trash (named at its first copy), and what it kept there (for its .why.tsv). */
    private String bucketFolder;

    private final List<StoreTrash.Kept> keptInBucket = Collections.synchronizedList(new ArrayList<>());

    public DeletionGate(Path root, Store store, Console console, Policy policy, Set<Path> temps) {
        this.root = root;
        this.store = store;
        this.console = console;
        this.policy = policy;
        this.temps = temps;
        this.trashDir = Trash.dir(root).resolve(LocalDateTime.now().format(Trash.TIME));
    }

    /**
     * The line that stops a plan deleting more than {@code policy} allows, before anything
     * changes (SYNC.md, "Deletion"), or null when it may run. {@code sideFiles}: the files of
     * the side it deletes on.
     */
    public static String planRefusal(SyncPlan plan, long sideFiles, Policy policy) {
        long deletes = plan.deletions();
        if (deletes <= policy.deletions()) return null;
        boolean up = plan.direction == SyncPlan.Direction.UPLOAD;
        return "this DELETES " + Units.files(deletes) + (up ? " in the bucket" : " here") + " (of " + sideFiles
                + "), more than " + SyncPlan.BOUND + " or half of them: rerun with --max-delete " + deletes
                + " to allow it";
    }

    /** Deletes a local file the plan deletes: it counts, and goes to the trash (the move is the delete). */
    public void deleteLocal(SyncPlan.Item i) throws IOException {
        allow(true);
        boolean makesRoom = i.why() instanceof Reason.Rule r && r.makesRoom();
        toTrash(i.rel(), makesRoom ? StoreTrash.Why.MADE_ROOM : StoreTrash.Why.DELETED_BY_DELETE);
    }

    /** Renames a downloaded temp file over {@code dest}; the old local copy goes to the trash first if the plan says so. */
    public void replaceLocal(SyncPlan.Item i, Path tmp, Path dest) throws IOException {
        allow(false);
        if (i.trash() && Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            toTrash(
                    i.rel(),
                    i.why() == Reason.Rule.CONFLICT_FORCED
                            ? StoreTrash.Why.CONFLICT_FORCED
                            : StoreTrash.Why.OVERWRITTEN_BY_DOWNLOAD);
        }
        LocalTree.replace(tmp, dest);
    }

    /** Deletes the object the plan saw: it counts, is kept in a trash, then goes (conditional on its ETag). */
    public void deleteInStore(SyncPlan.Item i) throws IOException {
        allow(true);
        keepStoreCopy(i, StoreTrash.Why.BUCKET_COPY_BEFORE_DELETE);
        store.delete(i.remote());
    }

    /** Runs a put of {@code i}; where the plan says so, the object it replaces is kept in a trash first. */
    public <T> T writeInStore(SyncPlan.Item i, StoreAct<T> put) throws IOException {
        allow(false);
        if (i.trash()) keepStoreCopy(i, StoreTrash.Why.BUCKET_COPY_BEFORE_OVERWRITE);
        return put.run();
    }

    /** The reasons for what this run kept in the bucket's trash, beside it (best effort: else "why not recorded"). */
    public void finish() {
        if (keptInBucket.isEmpty()) return;
        try {
            store.bucketTrash().record(bucketFolder(), List.copyOf(keptInBucket));
        } catch (IOException e) {
            console.warn("could not record why objects went to the bucket's trash: " + Transfer.describe(e));
        }
    }

    /** Nothing in a dry run; a deletion only within the policy's count. */
    private void allow(boolean deletion) throws RefusedException {
        if (policy.dryRun())
            throw new RefusedException(
                    deletion ? "not deleted: a dry run deletes nothing" : "not written: a dry run changes nothing");
        if (deletion && deletions.incrementAndGet() > policy.deletions()) {
            deletions.decrementAndGet(); // refused: not spent
            throw new RefusedException("not deleted: "
                    + (policy.deletions() == 0
                            ? policy.source()
                            : "this run may delete at most " + Units.files(policy.deletions()) + " (" + policy.source()
                                    + ")"));
        }
    }

    /** Moves a local file to .lambda-sync/trash/<time>/<rel> instead of deleting it, and says why there. */
    private void toTrash(String rel, StoreTrash.Why why) throws IOException {
        StateDir.create(root);
        Path to = trashDir.resolve(rel);
        Files.createDirectories(to.getParent());
        Files.move(root.resolve(rel), to, StandardCopyOption.REPLACE_EXISTING);
        Trash.record(trashDir, rel, why);
    }

    /**
     * Keeps the object as the plan saw it: copied by the server into the bucket's trash, or,
     * where the server cannot, downloaded into this machine's trash. Both are pinned to the
     * planned ETag, so an object changed since the plan fails here and is left alone.
     */
    private void keepStoreCopy(SyncPlan.Item i, StoreTrash.Why why) throws IOException {
        if (i.remote() == null) return; // nothing there to keep
        StoreTrash inBucket = store.bucketTrash();
        if (inBucket != null && inBucket.keep(i.remote(), bucketFolder())) {
            keptInBucket.add(new StoreTrash.Kept(i.rel(), why));
        } else {
            download(i.remote(), why);
        }
    }

    private synchronized String bucketFolder() {
        if (bucketFolder == null) bucketFolder = store.bucketTrash().folderName(started, root);
        return bucketFolder;
    }

    /** Downloads the store's copy to .lambda-sync/trash/<time>/<rel> (a temp name, then a rename). */
    private void download(Store.Remote r, StoreTrash.Why why) throws IOException {
        StateDir.create(root);
        Path to = trashDir.resolve(r.rel());
        Files.createDirectories(to.getParent());
        Path tmp = Transfer.tempBeside(to);
        temps.add(tmp);
        try {
            Store.Fetched f = store.get(r, tmp);
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(f.mtime()));
            LocalTree.replace(tmp, to);
            Trash.record(trashDir, r.rel(), why);
        } finally {
            Files.deleteIfExists(tmp);
            temps.remove(tmp);
        }
    }
}
