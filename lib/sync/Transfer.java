package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
import lib.common.WorkerPool;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.state.SyncState;
import lib.store.Store;
import lib.store.StoreException;

/**
 * Carries out a plan: moves bytes, and only what the plan says. Transfers run in parallel;
 * deletions run after all of them and only if none failed. Every completed item updates the
 * last-sync state, so an interrupted run resumes where it stopped. Every deletion, and every
 * transfer over what the destination holds, goes through the {@link DeletionGate}: here or in
 * the store, nothing is destroyed anywhere else.
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
     * @param conflicts items another writer changed in the store after the plan was made: left alone (LEFT_UNTOUCHED)
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
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Failure> conflicts = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unverified = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final DeletionGate gate;
    /** Items that ran to an end (done or failed), and the temp files transfers in flight are writing. */
    private final Set<String> finished = ConcurrentHashMap.newKeySet();

    private final Set<Path> temps = ConcurrentHashMap.newKeySet();
    private Interrupt interrupt;
    private Path copies;
    private Set<String> copied = Set.of();
    /** Paths whose deletion, to make room for a transfer, failed. */
    private final Set<String> notMadeRoom = ConcurrentHashMap.newKeySet();

    Transfer(
            Path root,
            Store store,
            SyncState state,
            Console console,
            int jobs,
            Map<String, String> knownMd5,
            DeletionGate.Policy policy) {
        this.root = root;
        this.store = store;
        this.state = state;
        this.console = console;
        this.jobs = jobs;
        this.knownMd5 = knownMd5;
        this.gate = new DeletionGate(root, store, console, policy, temps);
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

    /**
     * The plan's items in the order they run: the deletions that make room for a transfer (a file
     * replaced by a folder) first, then the transfers, then all other deletions.
     */
    private record Phases(List<SyncPlan.Item> room, List<SyncPlan.Item> first, List<SyncPlan.Item> deletions) {
        static Phases of(SyncPlan plan) {
            Phases p = new Phases(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (SyncPlan.Item i : plan.items) {
                switch (i.action()) {
                    case PUT, GET, RECORD, FORGET -> p.first.add(i);
                    case DELETE_LOCAL, DELETE_REMOTE ->
                        (i.why() instanceof Reason.Rule r && r.makesRoom() ? p.room : p.deletions).add(i);
                    default -> {}
                }
            }
            return p;
        }

        long total() {
            return room.size() + first.size() + deletions.size();
        }
    }

    Result run(SyncPlan plan) {
        long start = System.nanoTime();
        Phases phases = Phases.of(plan);
        Thread saver = new Thread(this::saveQuietly);
        Runtime.getRuntime().addShutdownHook(saver); // a second Ctrl-C, or kill, keeps what completed
        long totalBytes =
                phases.first().stream().mapToLong(SyncPlan.Item::bytes).sum();
        Progress progress = new Progress(console, phases.total(), totalBytes, start)
                .limited(store.bandwidthLimit())
                .start();
        try (Interrupt stop = Interrupt.install()) {
            interrupt = stop;
            runAll(phases.room(), progress);
            failures.forEach(f -> notMadeRoom.add(f.rel()));
            runAll(phases.first(), progress);
            boolean skipDeletes = !failures.isEmpty() && !phases.deletions().isEmpty();
            if (!skipDeletes) runAll(phases.deletions(), progress);
            progress.finish();
            Interrupted interrupted = stop.requested() ? interrupted(phases) : null;
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
            gate.finish();
            saveQuietly();
            try {
                Runtime.getRuntime().removeShutdownHook(saver);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    /** After Ctrl-C: the temp files of transfers abandoned in flight go (only this run's own), and what never ran is named. */
    private Interrupted interrupted(Phases phases) {
        removeTemps();
        Set<String> notRun = new java.util.HashSet<>();
        for (List<SyncPlan.Item> phase : List.of(phases.room(), phases.first(), phases.deletions()))
            for (SyncPlan.Item i : phase) notRun.add(i.rel());
        notRun.removeAll(finished);
        return new Interrupted(phases.total(), notRun);
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
                gate.deleteInStore(i);
                state.remove(i.rel());
            }
            case DELETE_LOCAL -> {
                unchangedSincePlan(i);
                gate.deleteLocal(i);
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
            s = gate.writeInStore(i, () -> store.put(i.rel(), file, i.local().mtime(), known, i.remote()));
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
            keepMode(tmp, dest);
            gate.replaceLocal(i, tmp, dest);
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

    /** The new content takes the old file's mode: a 600 file of secrets must not come back 644. */
    private static void keepMode(Path tmp, Path dest) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = modeOf(dest);
        if (mode != null) Files.setPosixFilePermissions(tmp, mode);
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
}
