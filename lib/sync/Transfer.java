package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import lib.common.Console;
import lib.common.ContentHash;
import lib.common.Interrupt;
import lib.common.Units;
import lib.common.WorkerPool;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.state.SyncState;
import lib.store.Store;
import lib.store.StoreException;
import lib.store.StoreTrash;
import lib.store.StoreTrash.Why;

/**
 * Carries out a plan: moves bytes, and only what the plan says. Transfers run in parallel;
 * deletions run after all of them and only if none failed. Every completed item updates the
 * last-sync state, so an interrupted run resumes where it stopped. All local overwrites and
 * deletions go through {@link #replaceLocal} / {@link #trash}: the one place that can lose a
 * local file, and it moves the old content to the trash when the plan says so. Everything the
 * store loses goes through {@link #destroyInStore}, which keeps a copy in the trash first.
 */
public final class Transfer {
    /** An item that did not finish: its message, for people, and its kind, for what to advise (SYNC.md, "When things go wrong"). */
    public record Failure(String rel, String message, FailureKind kind) {}

    /** A transfer whose way (a file or folder of the same name) could not be cleared first. */
    @SuppressWarnings("serial")
    public // never serialized: a failure lives and dies within one run
    static final class InTheWayException extends IOException {
        public InTheWayException(String message) {
            super(message);
        }
    }

    /** A local file edited between the plan and its transfer: not touched; the next run plans it anew. */
    @SuppressWarnings("serial") // never serialized: a failure lives and dies within one run
    static final class ChangedSincePlanException extends IOException {
        ChangedSincePlanException(String message) {
            super(message);
        }
    }

    /**
     * @param conflicts items another writer changed in the store after the plan was made: left alone (exit 4)
     * @param unverified downloads the server offered no proof of content for (accepted on length)
     * @param bwlimit the bandwidth limit the run kept to, bytes per second (0: none)
     */
    public record Result(
            int done,
            List<Failure> failures,
            long bytes,
            double seconds,
            boolean deletionsSkipped,
            List<Failure> conflicts,
            List<String> unverified,
            Interrupted interrupted,
            long bwlimit) {}

    /** A run stopped by Ctrl-C or SIGTERM: {@code total} items planned, {@code notRun} never started or abandoned in flight. */
    public record Interrupted(long total, Set<String> notRun) {}

    private final Path root;
    private final Store store;
    private final SyncState state;
    private final Console console;
    private final int jobs;
    private final Map<String, String> knownMd5;
    private final Path trashDir;
    /** This run's folder in the bucket's trash (named at its first copy), and what it kept there (for its .why.tsv). */
    private String bucketFolder;

    private final java.time.Instant started = java.time.Instant.now();

    private final List<StoreTrash.Kept> keptInBucket = Collections.synchronizedList(new ArrayList<>());
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Failure> conflicts = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unverified = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final Guard guard;
    private final AtomicInteger deletions = new AtomicInteger();
    /** Items that ran to an end (done or failed), and the temp files transfers in flight are writing. */
    private final Set<String> finished = ConcurrentHashMap.newKeySet();

    private final Set<Path> temps = ConcurrentHashMap.newKeySet();
    private Interrupt interrupt;
    private Path copies;
    private Set<String> copied = Set.of();
    /** Paths whose deletion, to make room for a transfer, failed. */
    private final Set<String> notMadeRoom = ConcurrentHashMap.newKeySet();

    /** What the run may destroy: at most {@code maxDeletions} deletions, nothing in a dry run. */
    record Guard(int maxDeletions, boolean dryRun) {}

    Transfer(
            Path root,
            Store store,
            SyncState state,
            Console console,
            int jobs,
            Map<String, String> knownMd5,
            Guard guard) {
        this.guard = guard;
        this.root = root;
        this.store = store;
        this.state = state;
        this.console = console;
        this.jobs = jobs;
        this.knownMd5 = knownMd5;
        this.trashDir =
                SyncState.dir(root).resolve("trash").resolve(LocalDateTime.now().format(Trash.TIME));
    }

    /**
     * Uploads these files from copies under {@code dir} (same relative paths) instead of the files
     * themselves: watch's copies of files still being written ({@link Snapshot}).
     */
    Transfer uploadingCopies(Path dir, Set<String> rels) {
        this.copies = dir;
        this.copied = Set.copyOf(rels);
        return this;
    }

    /** A local file's size and mtime as an upload reads it: its copy's, for a copied one. */
    private LocalTree.LocalFile statLocal(String rel) {
        return LocalTree.stat(copied.contains(rel) ? copies : root, rel);
    }

    Result run(SyncPlan plan) {
        long start = System.nanoTime();
        // Deletions that make room for a transfer (a file replaced by a folder) run first; all others last.
        List<SyncPlan.Item> room = new ArrayList<>(), first = new ArrayList<>(), deletions = new ArrayList<>();
        for (SyncPlan.Item i : plan.items) {
            switch (i.action()) {
                case PUT, GET, RECORD, FORGET -> first.add(i);
                case DELETE_LOCAL, DELETE_REMOTE ->
                    (i.why() instanceof Reason.Rule r && r.makesRoom() ? room : deletions).add(i);
                default -> {}
            }
        }
        long total = room.size() + first.size() + deletions.size();
        Thread saver = new Thread(this::saveQuietly);
        Runtime.getRuntime().addShutdownHook(saver); // a second Ctrl-C, or kill, keeps what completed
        long totalBytes = first.stream().mapToLong(SyncPlan.Item::bytes).sum();
        Progress progress = new Progress(console, total, totalBytes, start)
                .limited(store.bandwidthLimit())
                .start();
        try (Interrupt stop = Interrupt.install()) {
            interrupt = stop;
            runAll(room, progress);
            failures.forEach(f -> notMadeRoom.add(f.rel()));
            runAll(first, progress);
            boolean skipDeletes = !failures.isEmpty() && !deletions.isEmpty();
            if (!skipDeletes) runAll(deletions, progress);
            progress.finish();
            Interrupted interrupted = null;
            if (stop.requested()) {
                removeTemps(); // what was abandoned in flight; only this run's own temp files
                Set<String> notRun = new java.util.HashSet<>();
                for (List<SyncPlan.Item> phase : List.of(room, first, deletions))
                    for (SyncPlan.Item i : phase) notRun.add(i.rel());
                notRun.removeAll(finished);
                interrupted = new Interrupted(total, notRun);
            }
            return new Result(
                    done.get(),
                    List.copyOf(failures),
                    bytes.get(),
                    (System.nanoTime() - start) / 1e9,
                    skipDeletes,
                    List.copyOf(conflicts),
                    List.copyOf(unverified),
                    interrupted,
                    store.bandwidthLimit());
        } finally {
            progress.finish();
            recordBucketTrash();
            saveQuietly();
            try {
                Runtime.getRuntime().removeShutdownHook(saver);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    private synchronized String bucketFolder() {
        if (bucketFolder == null) bucketFolder = store.bucketTrash().folderName(started, root);
        return bucketFolder;
    }

    /** The reasons for what this run kept in the bucket's trash, beside it (best effort: else "why not recorded"). */
    private void recordBucketTrash() {
        if (keptInBucket.isEmpty()) return;
        try {
            store.bucketTrash().record(bucketFolder(), List.copyOf(keptInBucket));
        } catch (IOException e) {
            console.warn("could not record why objects went to the bucket's trash: " + describe(e));
        }
    }

    private void saveQuietly() {
        try {
            state.save();
        } catch (IOException e) {
            console.warn("could not save the last-sync state " + state.file + ": " + e.getMessage());
        }
    }

    /**
     * Every item is tried; a failure is recorded against its item, never stops the others. After
     * Ctrl-C no item starts, and those in flight get Interrupt.GRACE to finish; then they are
     * interrupted and abandoned (their temp files are removed by {@link #run}).
     */
    private void runAll(List<SyncPlan.Item> items, Progress progress) {
        if (items.isEmpty() || interrupt.requested()) return;
        ExecutorService pool =
                Executors.newFixedThreadPool(Math.min(jobs, items.size()), WorkerPool.daemon("transfer"));
        try {
            for (SyncPlan.Item i : items) {
                pool.submit(() -> {
                    if (!interrupt.requested()) attempt(i, progress);
                });
            }
            pool.shutdown();
            while (!pool.awaitTermination(100, TimeUnit.MILLISECONDS)) {
                if (interrupt.graceOver()) {
                    pool.shutdownNow();
                    pool.awaitTermination(2, TimeUnit.SECONDS); // let interrupted transfers clean up after themselves
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
    }

    private void attempt(SyncPlan.Item i, Progress progress) {
        try {
            execute(i);
            finished.add(i.rel());
            done.incrementAndGet();
        } catch (Exception e) {
            // Store messages often name the file already; say it once ("failed: x: x: ..." read as noise).
            String m = describe(e);
            if (m.startsWith(i.rel() + ": ")) m = m.substring(i.rel().length() + 2);
            finished.add(i.rel());
            if (e instanceof StoreException se && se.kind == StoreException.Kind.PRECONDITION) {
                conflicts.add(
                        new Failure(i.rel(), m, FailureKind.CHANGED)); // another machine won the race: its copy stays
            } else {
                failures.add(new Failure(i.rel(), m, FailureKind.of(e)));
                console.detail("failed: " + i.rel() + ": " + m);
            }
        }
        progress.tick(i.bytes());
    }

    /** This run's own temp files (exactly the paths it made), left by transfers abandoned after Ctrl-C. */
    private void removeTemps() {
        for (Path t : temps) {
            try {
                Files.deleteIfExists(t);
            } catch (IOException e) {
                console.warn(
                        "could not remove the temp file " + t + ": " + e.getMessage() + " (the next run removes it)");
            }
        }
    }

    public static String describe(Exception e) {
        // A wrapper whose message is only its cause's toString() (the SDK's UncheckedIOException:
        // "java.net.SocketException: Connection reset") says nothing of its own: use the cause.
        while (e.getCause() instanceof Exception c
                && e.getMessage() != null
                && e.getMessage().equals(c.toString())) e = c;
        String m = e.getMessage();
        if (e instanceof DiskFullException) return m;
        if (e instanceof java.nio.file.FileSystemException fse) {
            String reason = fse.getReason() != null
                    ? fse.getReason()
                    : fse instanceof java.nio.file.AccessDeniedException ? "permission denied" : null;
            Path file = fse.getFile() == null ? null : Path.of(fse.getFile());
            // Our temp file is no name the user knows: the folder it was to go in is what they can fix.
            if (reason != null
                    && file != null
                    && file.getParent() != null
                    && SyncIgnore.isOwnTemp(file.getFileName().toString()))
                m = reason + ": cannot write in the folder " + file.getParent();
            else if (reason != null) m = reason + ": " + fse.getFile();
        }
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    private void execute(SyncPlan.Item i) throws IOException {
        if (i.action() == SyncPlan.Action.PUT || i.action() == SyncPlan.Action.GET) roomMade(i.rel());
        switch (i.action()) {
            case PUT -> put(i);
            case GET -> get(i);
            case RECORD ->
                state.put(
                        i.rel(),
                        new SyncState.Entry(
                                i.local().size(), i.local().mtime(), i.remote().tag(), md5(i)));
            case FORGET -> state.remove(i.rel());
            case DELETE_REMOTE -> {
                // The local file must not be back (a folder of its name may be: that is why it goes).
                if (!java.util.Objects.equals(LocalTree.stat(root, i.rel()), i.local())) {
                    throw new ChangedSincePlanException(
                            "changed here since the plan was made; not deleted in the bucket (run again)");
                }
                destroyInStore(i, true, () -> {
                    store.delete(i.remote());
                    return null;
                });
                state.remove(i.rel());
            }
            case DELETE_LOCAL -> {
                unchangedSincePlan(i);
                spendDeletion(i);
                trash(
                        i.rel(),
                        i.why() instanceof Reason.Rule r && r.makesRoom() ? Why.MADE_ROOM : Why.DELETED_BY_DELETE);
                if (i.why() instanceof Reason.Rule r && r.makesRoom()) removeEmptyFolders(i.rel());
                state.remove(i.rel());
            }
            default -> throw new IllegalStateException(i.action().toString());
        }
    }

    private String md5(SyncPlan.Item i) throws IOException {
        String known = knownMd5.get(i.rel());
        return known != null ? known : ContentHash.md5Hex(root.resolve(i.rel()));
    }

    private void put(SyncPlan.Item i) throws IOException {
        unchangedSincePlan(i);
        Path file = (copied.contains(i.rel()) ? copies : root).resolve(i.rel());
        // A large file is hashed by the store in the same pass as its parts' MD5s.
        String md5 = knownMd5.get(i.rel());
        if (md5 == null && i.local().size() <= Store.PART_SIZE) md5 = ContentHash.md5Hex(file);
        Store.Stored s;
        try {
            String known = md5;
            s = i.trash()
                    ? destroyInStore(
                            i, false, () -> store.put(i.rel(), file, i.local().mtime(), known, i.remote()))
                    : store.put(i.rel(), file, i.local().mtime(), md5, i.remote());
        } catch (StoreException e) {
            // A torn object is in the bucket: record its tag with no local match, so the next run sends the file again.
            if (e.stored != null) state.put(i.rel(), new SyncState.Entry(-1, -1, e.stored, ""));
            throw e;
        }
        LocalTree.LocalFile after = statLocal(i.rel());
        if (after == null || !after.equals(i.local())) {
            // What the object holds (size, tag, MD5), no local match: the next run sends the file again
            // (a size of -1 read as "changed in the bucket too", and the next upload was a conflict).
            state.put(
                    i.rel(),
                    new SyncState.Entry(s.remote().size(), -1, s.remote().tag(), s.md5()));
            throw new StoreException(
                    StoreException.Kind.CHANGED_WHILE_UPLOADING, i.rel() + " changed while it was being uploaded");
        }
        state.put(
                i.rel(),
                new SyncState.Entry(after.size(), after.mtime(), s.remote().tag(), s.md5()));
        bytes.addAndGet(i.bytes());
    }

    private void get(SyncPlan.Item i) throws IOException {
        Path dest = root.resolve(i.rel());
        refuseLinks(dest.getParent());
        // mkdir and unlink lock the parent directory even when they fail, and 16 jobs writing
        // into one folder then queue on that lock: only make (and clean up) what is missing.
        if (!Files.isDirectory(dest.getParent(), LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(dest.getParent());
        Path tmp = tempBeside(dest);
        temps.add(tmp);
        boolean moved = false;
        try {
            Store.Fetched f = fetchVerified(i.remote(), tmp);
            if (!f.verified()) unverified.add(i.rel());
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(f.mtime()));
            unchangedSincePlan(i);
            replaceLocal(i, tmp, dest);
            moved = true;
            LocalTree.LocalFile after = LocalTree.stat(root, i.rel());
            state.put(
                    i.rel(),
                    new SyncState.Entry(after.size(), after.mtime(), f.remote().tag(), f.md5()));
            bytes.addAndGet(i.bytes());
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
            temps.remove(tmp);
        }
    }

    /**
     * A temp file's name beside {@code file}: the prefix runs skip and clean up, 8 random hex digits,
     * the file's name. Not UUID.randomUUID: its SecureRandom was 0.7% of a small-file download's
     * CPU, and the name needs no secrecy (the file is created CREATE_NEW).
     */
    public static Path tempBeside(Path file) {
        String id = java.util.HexFormat.of()
                .toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt());
        return file.resolveSibling(SyncIgnore.TEMP_PREFIX + id + "-" + file.getFileName());
    }

    /** A corrupted or truncated body is never kept: verification failures are retried twice. */
    private Store.Fetched fetchVerified(Store.Remote remote, Path tmp) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt > 0) Files.deleteIfExists(tmp);
            try {
                return store.get(remote, tmp);
            } catch (StoreException e) {
                if (!e.kind.isTransient()) throw e;
                last = e;
            } catch (IOException e) {
                if (diskFull(tmp, remote.size())) throw new DiskFullException(e); // another attempt would fill it again
                last = e;
            }
        }
        throw last;
    }

    /** A download that failed because the disk cannot hold it: retrying cannot help. */
    @SuppressWarnings("serial")
    public // never serialized: a failure lives and dies within one run
    static final class DiskFullException extends IOException {
        public DiskFullException(IOException cause) {
            super("disk full (No space left on device)", cause);
        }
    }

    /** Whether the folder a download goes to has no room left for it (decided by the file system, not by a message). */
    private static boolean diskFull(Path tmp, long size) {
        try {
            return Files.getFileStore(tmp.getParent()).getUsableSpace() < Math.max(size, 1);
        } catch (IOException e) {
            return false;
        }
    }

    /** The plan was made from a listing; a file edited since then is not overwritten or deleted. */
    private void unchangedSincePlan(SyncPlan.Item i) throws IOException {
        // Planned absent: nothing of its name may be there now, not even a folder or a link.
        boolean same = i.local() == null
                ? !Files.exists(root.resolve(i.rel()), LinkOption.NOFOLLOW_LINKS)
                : i.local().equals(statLocal(i.rel()));
        if (!same) throw new ChangedSincePlanException("changed here since the plan was made; not touched (run again)");
    }

    /** Downloads are written only below the repo root, never through a symlinked directory. */
    private void refuseLinks(Path dir) throws IOException {
        for (Path p = dir; p != null && !p.equals(root) && p.startsWith(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) throw new IOException("refused: " + root.relativize(p) + " is a symlink");
        }
    }

    /** Renames a verified temp file into place; the old local copy goes to the trash if the plan says so. */
    private void replaceLocal(SyncPlan.Item i, Path tmp, Path dest) throws IOException {
        // The new content takes the old file's mode: a 600 file of secrets must not come back 644.
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = modeOf(dest);
        if (mode != null) Files.setPosixFilePermissions(tmp, mode);
        if (i.trash() && Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            trash(i.rel(), i.why() == Reason.Rule.CONFLICT_FORCED ? Why.CONFLICT_FORCED : Why.OVERWRITTEN_BY_DOWNLOAD);
        }
        LocalTree.replace(tmp, dest);
    }

    /** A regular file's POSIX mode, or null (none there, not a regular file, or no POSIX here). */
    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> modeOf(Path file) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return null;
            return Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // the download keeps the default mode
        }
    }

    /** A transfer whose way could not be cleared is not tried: the failure names what stands in its way and why. */
    private void roomMade(String rel) throws IOException {
        for (String w : notMadeRoom) {
            if (rel.startsWith(w + "/") || w.startsWith(rel + "/")) {
                throw new InTheWayException(
                        "not sent: " + w + " is in its way and could not be deleted first (a file and a folder"
                                + " of the same name cannot both exist on a disk, nor on a server that keeps objects as files)");
            }
        }
    }

    interface StoreAct<T> {
        T run() throws IOException;
    }

    /**
     * The one place anything in the store is destroyed (SYNC.md, "The trash"): a delete, or a
     * --force put over content this machine never synced. It spends the deletion budget, does
     * nothing in a dry run, and first keeps the object as the plan saw it: copied by the server
     * into the bucket's trash, or, where the server cannot, downloaded into this machine's trash.
     * Both are pinned to the planned ETag, so an object changed since the plan fails here and is
     * left alone; the delete or put after it is conditional on the same ETag.
     */
    private <T> T destroyInStore(SyncPlan.Item i, boolean deletion, StoreAct<T> act) throws IOException {
        if (guard.dryRun()) throw new IllegalStateException("a dry run destroys nothing: " + i.rel());
        if (deletion) spendDeletion(i);
        if (i.remote() != null) {
            Why why = deletion ? Why.BUCKET_COPY_BEFORE_DELETE : Why.BUCKET_COPY_BEFORE_OVERWRITE;
            StoreTrash inBucket = store.bucketTrash();
            if (inBucket != null && inBucket.keep(i.remote(), bucketFolder()))
                keptInBucket.add(new StoreTrash.Kept(i.rel(), why));
            else keepStoreCopy(i.remote(), why);
        }
        return act.run();
    }

    /** The deletion bound, checked once more where deletions happen (SyncRun checks the plan first). */
    private void spendDeletion(SyncPlan.Item i) throws IOException {
        if (deletions.incrementAndGet() > guard.maxDeletions()) {
            throw new IOException("not deleted: the run would delete more than " + Units.files(guard.maxDeletions())
                    + " (--max-delete)");
        }
    }

    /** Downloads the store's copy to .lambda-sync/trash/<time>/<rel> (a temp name, then a rename). */
    private void keepStoreCopy(Store.Remote r, Why why) throws IOException {
        SyncState.createDir(root);
        Path to = trashDir.resolve(r.rel());
        Files.createDirectories(to.getParent());
        Path tmp = tempBeside(to);
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

    /** Removes the folders above {@code rel} that are now empty, up to its data dir: a file of a folder's name comes next. */
    private void removeEmptyFolders(String rel) {
        Path dataDir = root.resolve(rel.substring(0, rel.indexOf('/', rel.indexOf('/') + 1)));
        for (Path p = root.resolve(rel).getParent();
                p != null && p.startsWith(dataDir) && !p.equals(dataDir);
                p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (IOException notEmpty) {
                return;
            }
        }
    }

    /** Moves a local file to .lambda-sync/trash/<time>/<rel> instead of deleting it, and says why there. */
    void trash(String rel, Why why) throws IOException {
        SyncState.createDir(root);
        Path to = trashDir.resolve(rel);
        Files.createDirectories(to.getParent());
        Files.move(root.resolve(rel), to, StandardCopyOption.REPLACE_EXISTING);
        Trash.record(trashDir, rel, why);
    }
}
