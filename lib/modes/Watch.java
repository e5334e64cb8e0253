package lib.modes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import lib.common.BandwidthLimit;
import lib.common.Console;
import lib.common.Ending;
import lib.common.Interrupt;
import lib.common.StopException;
import lib.common.Units;
import lib.config.SyncConfig;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.plan.SyncPlan;
import lib.state.RepoLock;
import lib.state.StateDir;
import lib.state.SyncState;
import lib.store.Store;
import lib.sync.FailureKind;
import lib.sync.Snapshot;
import lib.sync.StoreFactory;
import lib.sync.SyncRun;
import lib.sync.Transfer;

/**
 * Autosave (SYNC.md, "Autosave: watch"): keeps the bucket up to date while experiments run.
 * A new or changed file in the data dirs is uploaded once it has kept its size and mtime for
 * the settle time (a file still being written is not sent half-done; one that never settles goes
 * as written so far every --max-wait, where {@link Snapshot} can copy it untorn), by upload's own rule
 * ({@link SyncRun#uploadPass}): never a deletion, never over a change made in the bucket.
 * Events come from the JDK's {@link WatchService}; a full rescan every minute catches what
 * watchers miss (NFS, overflows, folders made faster than they are registered). A failed
 * pass is retried after an exponential, capped wait; SIGTERM and SIGINT send what is pending,
 * then stop. The repo lock is held only while a pass runs, so a manual download fits between.
 */
public final class Watch {
    /**
     * How long a file must stay unchanged; how often the loop wakes and rescans; the wait after a
     * failed pass; at a stop, how long a file changed while it was sent must hold still before it
     * is sent again, and how long the stop may take in all ({@link #STOP_MS}); how long the
     * bucket's copy of a file that never settles may be behind it.
     */
    public record Timing(
            long settleMs,
            long tickMs,
            long rescanMs,
            long backoffMinMs,
            long backoffMaxMs,
            long stillMs,
            long stopMs,
            long maxWaitMs) {
        public Timing(long settleMs, long tickMs, long rescanMs, long backoffMinMs, long backoffMaxMs) {
            this(settleMs, tickMs, rescanMs, backoffMinMs, backoffMaxMs, STILL_MS, STOP_MS, MAX_WAIT_S * 1000L);
        }

        public static Timing of(int settleSeconds, int maxWaitSeconds) {
            return new Timing(
                    settleSeconds * 1000L, 1000, 60_000, 2_000, 120_000, STILL_MS, STOP_MS, maxWaitSeconds * 1000L);
        }
    }

    /**
     * A pending file as last seen, since when (the clock's ms) it has looked like that, and since
     * when the bucket's copy has been behind it (the recovery point, {@link Timing#maxWaitMs}).
     */
    private record Seen(long size, long mtime, long since, long stale) {}

    /** --max-wait's default: a file that never settles still reaches the bucket this often. */
    public static final int MAX_WAIT_S = 60;

    /**
     * The printed unit ({@link SystemdUnit}) gives a stop {@code TimeoutStopSec=300} before systemd
     * kills: no new batch starts after 240 s, so one in flight has a minute to end.
     */
    static final long STOP_MS = 240_000;
    /** "Holds still for a moment": at a stop, a file that changed while it was sent goes again once unchanged this long. */
    static final long STILL_MS = 1_000;

    /** The log is moved to watch.log.1 beyond this, so a watch running for months stays small. */
    static final long LOG_MAX = 10L << 20;

    static final int JOBS = 16;

    private final SyncConfig config;
    private final Console console;
    private final Path root;
    private final Timing timing;
    private final LongSupplier clock;
    private final SyncIgnore ignore;
    /** How the store is opened (tests: their own knobs, see LambdaSync's seams). */
    public StoreFactory stores = StoreFactory.DEFAULT;

    private final Map<String, Seen> pending = new ConcurrentHashMap<>();
    /** Conflicts and skips already said, with the file as it was then: not said again until it changes. */
    private final Map<String, LocalTree.LocalFile> reported = new HashMap<>();
    /** Of those, what is left only here (an edit the bucket does not have), and why: named at the stop. */
    private final Map<String, String> onlyHere = new TreeMap<>();
    /** Why each pending file's last try did not send it, and whether trying again can help. */
    private final Map<String, Transfer.Failure> lastTry = new HashMap<>();
    /** Sent at the stop as written so far while still being written: that copy is the last. */
    private final Set<String> sentAsWritten = new HashSet<>();
    /** When each pending file was last tried (the clock's ms). */
    private final Map<String, Long> triedAt = new HashMap<>();

    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final Set<Path> watchedDirs = new HashSet<>();
    private final Set<String> dataDirs = new TreeSet<>();
    private final AtomicInteger passes = new AtomicInteger(), loops = new AtomicInteger();
    private volatile boolean stopping;
    /** Sending what is pending at a stop; a signal during that sending ends it. */
    private boolean finalPhase, signalledAgain;

    private Interrupt signals;
    private WatchService ws;
    private PrintWriter log;
    private Console passConsole;
    private String identity;
    private Map<String, SyncState.Entry> synced = Map.of();
    private long nextRescan, retryAt, sentFiles, sentBytes;
    private int failuresInRow, watched;
    private String lastUpload = "none yet";
    private boolean limitSaid, lockWaitSaid;

    public Watch(SyncConfig config, Console console, Path root, Timing timing, LongSupplier clock) {
        this.config = config;
        this.console = console;
        this.root = root;
        this.timing = timing;
        this.clock = clock;
        this.ignore = SyncIgnore.load(root);
    }

    /** Asks the loop to send what is pending and return (what SIGTERM and SIGINT do). */
    public void stop() {
        stopping = true;
    }

    private boolean stopping() {
        return stopping || signals != null && signals.requested();
    }

    /** Passes run so far (for tests). */
    public int passes() {
        return passes.get();
    }

    /** Turns of the main loop so far (for tests: one more has looked at the clock as it is now). */
    public int loops() {
        return loops.get();
    }

    /** The size and mtime a pending file was last seen with, or null when it is not pending (for tests). */
    public long[] seen(String rel) {
        Seen s = pending.get(rel);
        return s == null ? null : new long[] {s.size(), s.mtime()};
    }

    /**
     * Watches until stopped; returns DONE when everything pending at the end was sent, FAILED when
     * something could not be, LEFT_UNTOUCHED when a conflict or skip left an edit only here.
     */
    @SuppressWarnings("try")
    public // the watch lock is held for the block, never referenced in it
    Ending run(boolean handleSignals) throws IOException {
        try (WatchLock one = WatchLock.acquire(root)) {
            openLog();
            removeCopies(StateDir.watchCopies(root)); // left by a watch that was killed mid-pass
            try (Store store = stores.open(config, 1)) {
                identity = store.identity();
            }
            return watch(handleSignals);
        } finally {
            if (log != null) log.close();
        }
    }

    private Ending watch(boolean handleSignals) throws IOException {
        // SIGTERM and SIGINT (a shutdown, systemctl stop, Ctrl-C) ask the loop to stop; during a pass,
        // Transfer's own Interrupt takes them and the pass says so (see pass).
        try (WatchService w = FileSystems.getDefault().newWatchService();
                Interrupt signals = handleSignals ? Interrupt.install() : null) {
            ws = w;
            this.signals = signals;
            rescan(clock.getAsLong());
            long bw = config.bwlimit();
            String limit = bw > 0 ? ", at most " + BandwidthLimit.describe(bw) + " (bandwidth limit)" : "";
            console.info("watching " + String.join(", ", dataDirs) + " (" + Units.files(watched)
                    + "): a new or changed file is uploaded once unchanged for " + timing.settleMs() / 1000.0
                    + " s (one still being written: as written so far every " + timing.maxWaitMs() / 1000
                    + " s)" + limit + "; log in " + StateDir.NAME + "/" + StateDir.WATCH_LOG
                    + "; Ctrl-C or SIGTERM sends what is pending, then stops");
            say(
                    "watch started (pid " + ProcessHandle.current().pid() + "), " + Units.files(watched) + " in "
                            + dataDirs.size() + " data dir(s)" + limit,
                    false);
            while (!stopping()) {
                drain();
                long now = clock.getAsLong();
                if (now >= nextRescan) rescan(now);
                Set<String> asWritten = new TreeSet<>();
                Set<String> ready = ready(now, asWritten);
                if (!ready.isEmpty() && now >= retryAt && !stopping()) pass(ready, asWritten);
                loops.incrementAndGet();
                status();
            }
            clearStatus();
            return finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Ending.FAILED;
        }
    }

    // ---- stopping ------------------------------------------------------------------------------

    /**
     * Stopping (SYNC.md, "Autosave: watch"): the instance is going away, so whatever is pending goes
     * now, settled or not, after a last look at everything. A file that changes while it is sent is
     * not stored torn: it goes again once it holds still for a moment, until the time to stop
     * ({@link Timing#stopMs}) is spent. Then says what was not sent and why, and what is left only here.
     */
    private Ending finish() throws InterruptedException {
        finalPhase = true;
        retryAt = 0; // the stop tries at once; a server still down backs off as before
        long now = clock.getAsLong(), deadline = now + timing.stopMs();
        rescan(now);
        if (!pending.isEmpty())
            say(
                    "stopping: sending " + Units.files(pending.size()) + " pending, settled or not (at most "
                            + timing.stopMs() / 1000 + " s)",
                    false);
        Set<String> tried = new HashSet<>();
        while (!pending.isEmpty() && !signalledAgain && clock.getAsLong() < deadline) {
            now = clock.getAsLong();
            Set<String> asWritten = new TreeSet<>();
            Set<String> batch = now >= retryAt ? stopBatch(now, tried, asWritten) : Set.of();
            if (batch.isEmpty()) {
                if (tried.containsAll(pending.keySet())
                        && pending.keySet().stream().noneMatch(this::worthRetry)) break;
                drain(); // a tick: files still being written settle, a backoff runs out
                continue;
            }
            tried.addAll(batch);
            pass(batch, asWritten);
        }
        return stopped(deadline);
    }

    /**
     * At a stop: what has not been tried yet goes as it is; what changed while it was sent goes again
     * once it holds still for the still time, or, still changing after the settle time, as written so
     * far ({@code asWritten}, where {@link Snapshot} can copy it untorn); a network failure, once the
     * backoff is over.
     */
    private Set<String> stopBatch(long now, Set<String> tried, Set<String> asWritten) {
        Set<String> batch = new TreeSet<>();
        for (Map.Entry<String, Seen> e : pending.entrySet()) {
            String rel = e.getKey();
            LocalTree.LocalFile l = LocalTree.stat(root, rel);
            Seen s = e.getValue();
            boolean changed = l != null && (l.size() != s.size() || l.mtime() != s.mtime());
            if (l == null) {
                pending.remove(rel); // gone before it was sent: watch never deletes
            } else if (!tried.contains(rel)) {
                batch.add(rel);
            } else if (!worthRetry(rel)) {
                continue;
            } else if (!changed && now - s.since() >= timing.stillMs()) {
                batch.add(rel);
            } else if (now - triedAt.getOrDefault(rel, now) >= timing.settleMs()) {
                batch.add(rel);
                asWritten.add(rel);
            }
            if (changed) pending.put(rel, new Seen(l.size(), l.mtime(), now, s.stale()));
        }
        return batch;
    }

    /** Whether another try can send it: it changed while it was sent, or the network or server failed. */
    private boolean worthRetry(String rel) {
        Transfer.Failure f = lastTry.get(rel);
        return f == null || f.kind().rerunHelps();
    }

    /** The last lines: each file not sent and why, each edit left only here, and how the watch ended. */
    private Ending stopped(long deadline) {
        loadSynced();
        onlyHere.keySet().removeIf(rel -> {
            LocalTree.LocalFile l = LocalTree.stat(root, rel);
            SyncState.Entry e = synced.get(rel);
            return l == null || (e != null && e.size() == l.size() && e.mtime() == l.mtime()); // resolved since
        });
        for (String rel : new TreeSet<>(pending.keySet())) tell("not sent: " + rel + ": " + whyNotSent(rel, deadline));
        for (Map.Entry<String, String> e : onlyHere.entrySet()) tell("only here: " + e.getKey() + ": " + e.getValue());
        String end = "stopped: " + Units.files(sentFiles) + " (" + Units.bytes(sentBytes) + ") uploaded by this watch";
        if (!pending.isEmpty())
            end += "; " + Units.files(pending.size()) + " not sent (named above): run upload when you can";
        if (!onlyHere.isEmpty())
            end += "; this machine's edit of " + String.join(", ", onlyHere.keySet()) + " exists only here ("
                    + (onlyHere.size() == 1 ? "a conflict or skip" : "conflicts or skips")
                    + " named above): resolve before this machine goes";
        say(end, false);
        console.summary(end);
        if (!pending.isEmpty()) return Ending.FAILED;
        return onlyHere.isEmpty() ? Ending.DONE : Ending.LEFT_UNTOUCHED;
    }

    private String whyNotSent(String rel, long deadline) {
        Transfer.Failure f = lastTry.get(rel);
        boolean late = clock.getAsLong() >= deadline;
        String out = late ? "the time to stop (" + timing.stopMs() / 1000 + " s) ran out" : "a second signal came";
        if (f == null) return "not tried: " + out;
        if (f.kind() == FailureKind.CHANGED)
            return "still being written: it changed each time it was sent, and " + out + " before it held still for "
                    + timing.stillMs() / 1000.0 + " s; the bucket keeps its earlier copy, if any";
        return f.message() + (f.kind().rerunHelps() ? "; " + out + " while retrying" : "");
    }

    /** A line for the log and for stderr, also while stopping (the stop's own report). */
    private void tell(String line) {
        say(line, false);
        console.err.println(line);
        console.err.flush();
    }

    // ---- noticing changes ----------------------------------------------------------------------

    private void drain() throws InterruptedException {
        WatchKey k = ws.poll(timing.tickMs(), TimeUnit.MILLISECONDS);
        while (k != null && (finalPhase || !stopping())) {
            Path dir = keys.get(k);
            for (WatchEvent<?> e : k.pollEvents()) {
                if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                    nextRescan = 0; // the kernel dropped events: look at everything
                } else if (dir != null) {
                    Path p = dir.resolve((Path) e.context());
                    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        touch(DataDirs.rel(root, p));
                    } else if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                        created(p);
                    }
                }
            }
            if (!k.reset()) watchedDirs.remove(keys.remove(k)); // the folder is gone
            k = ws.poll();
        }
    }

    /** A new folder: a top folder (which may get a data dir), a data dir, or a folder inside one (files may be in it already). */
    private void created(Path p) {
        String[] parts = DataDirs.rel(root, p).split("/");
        if (parts.length == 1 && !parts[0].startsWith(".")) {
            register(p);
            for (String n : DataDirs.NAMES)
                if (Files.isDirectory(p.resolve(n), LinkOption.NOFOLLOW_LINKS)) dataDir(parts[0] + "/" + n, true);
        } else if (parts.length == 2 && DataDirs.isDataDir(parts[0], parts[1])) {
            dataDir(parts[0] + "/" + parts[1], true);
        } else if (parts.length > 2 && DataDirs.isDataDir(parts[0], parts[1])) {
            registerTree(p, true);
        }
    }

    private void dataDir(String rel, boolean touchFiles) {
        Path p = root.resolve(rel);
        if (Files.isSymbolicLink(p) || watchedDirs.contains(p))
            return; // a data dir deleted and made again is watched anew
        dataDirs.add(rel);
        registerTree(p, touchFiles);
    }

    /** Every file of the data dirs against the last-sync state: what events missed becomes pending. */
    private void rescan(long now) {
        nextRescan = now + timing.rescanMs();
        try {
            DataDirs dirs = DataDirs.find(root, root, List.of(), config.prefix());
            // The root and its top folders are watched for new data dirs (an experiment started after the watch).
            register(root);
            try (var tops = Files.newDirectoryStream(
                    root,
                    t -> Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)
                            && !t.getFileName().toString().startsWith("."))) {
                for (Path t : tops) register(t);
            } catch (IOException e) {
                say("cannot list " + root + ": " + e.getMessage(), true);
            }
            for (String d : dirs.dirs) dataDir(d, false);
            loadSynced();
            LocalTree tree = LocalTree.scan(dirs, ignore);
            watched = tree.files.size();
            for (LocalTree.LocalFile l : tree.files.values()) consider(l, now);
        } catch (StopException e) {
            say("rescan failed: " + e.getMessage(), true);
        }
    }

    private void registerTree(Path start, boolean touchFiles) {
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    if (!d.equals(start) && ignore.excludes(DataDirs.rel(root, d), true))
                        return FileVisitResult.SKIP_SUBTREE;
                    register(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    if (touchFiles && a.isRegularFile()) touch(DataDirs.rel(root, f));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // unreadable: the pass reports it
                }
            });
        } catch (IOException e) {
            say(
                    "cannot watch " + DataDirs.rel(root, start) + ": " + e.getMessage()
                            + " (the rescan still covers it)",
                    true);
        }
    }

    private void register(Path dir) {
        if (!watchedDirs.add(dir)) return;
        try {
            keys.put(dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY), dir);
        } catch (IOException e) {
            watchedDirs.remove(dir);
            // Mostly the inotify limit (fs.inotify.max_user_watches): the minute's rescan still sees these folders.
            if (!limitSaid)
                say(
                        "cannot watch more folders (" + e.getMessage() + "): relying on the rescan every "
                                + timing.rescanMs() / 1000 + " s there; raising fs.inotify.max_user_watches helps",
                        true);
            limitSaid = true;
        }
    }

    private void touch(String rel) {
        if (!DataDirs.isDataKey(rel)
                || SyncIgnore.isOwnTemp(Path.of(rel).getFileName().toString())
                || ignore.excludes(rel, false)) return;
        LocalTree.LocalFile l = LocalTree.stat(root, rel);
        if (l != null) consider(l, clock.getAsLong());
    }

    /** A file seen now: pending unless it is as last synced, or as when its conflict was reported. */
    private void consider(LocalTree.LocalFile l, long now) {
        Seen s = pending.get(l.rel());
        if (s != null) {
            if (s.size() != l.size() || s.mtime() != l.mtime())
                pending.put(l.rel(), new Seen(l.size(), l.mtime(), now, s.stale()));
            return;
        }
        if (l.equals(reported.get(l.rel())) || sentAsWritten.contains(l.rel())) return;
        SyncState.Entry e = synced.get(l.rel());
        if (e != null && e.size() == l.size() && e.mtime() == l.mtime()) return;
        pending.put(l.rel(), new Seen(l.size(), l.mtime(), now, now));
    }

    /**
     * Pending files unchanged for the settle time (a changed one starts over), and those whose
     * bucket copy has been behind for --max-wait though they never settle: those go as written so
     * far ({@code asWritten}).
     */
    private Set<String> ready(long now, Set<String> asWritten) {
        Set<String> ready = new TreeSet<>();
        for (Map.Entry<String, Seen> e : pending.entrySet()) {
            String rel = e.getKey();
            LocalTree.LocalFile l = LocalTree.stat(root, rel);
            Seen s = e.getValue();
            if (l == null) {
                pending.remove(rel); // gone before it was sent: watch never deletes, in the bucket or here
                continue;
            }
            if (l.size() != s.size() || l.mtime() != s.mtime()) {
                s = new Seen(l.size(), l.mtime(), now, s.stale());
                pending.put(rel, s);
            }
            if (now - s.since() >= timing.settleMs()) {
                ready.add(rel);
            } else if (now - s.stale() >= timing.maxWaitMs()) {
                ready.add(rel);
                asWritten.add(rel);
            }
        }
        return ready;
    }

    // ---- sending -------------------------------------------------------------------------------

    /** Sends {@code ready}; those in {@code asWritten} are still being written, and go as {@link Snapshot} copies. */
    private void pass(Set<String> ready, Set<String> asWritten) {
        passes.incrementAndGet();
        long start = System.nanoTime();
        for (String rel : ready) triedAt.put(rel, clock.getAsLong());
        Path copies = StateDir.watchCopies(root);
        Set<String> copied = copy(asWritten, ready, copies);
        if (ready.isEmpty()) return;
        SyncRun.Pass p;
        try {
            p = SyncRun.uploadPass(config, passConsole, root, ready, JOBS, stores, copies, copied);
            lockWaitSaid = false;
        } catch (RepoLock.Busy e) {
            lockWait(e.holder);
            return;
        } catch (StopException e) {
            backoff(e.getMessage());
            return;
        } catch (RuntimeException e) {
            backoff("unexpected error: " + e);
            return;
        } finally {
            removeCopies(copies);
        }
        account(p, ready, copied, start);
    }

    /** Says what the pass did, file by file, and keeps pending what did not reach the bucket. */
    private void account(SyncRun.Pass p, Set<String> ready, Set<String> copied, long start) {
        Map<String, Transfer.Failure> failed = new HashMap<>(), raced = new HashMap<>();
        failures(p, failed, raced);
        long[] sent = new long[2];
        boolean serverTrouble = false;
        for (SyncPlan.Item i : p.plan().items) {
            if (raced.containsKey(i.rel()))
                report(i, "conflict", raced.get(i.rel()).message() + "; left as it is in the bucket");
            else if (failed.containsKey(i.rel()))
                serverTrouble |= tried(i, failed.get(i.rel()), copied.contains(i.rel()));
            else done(i, copied.contains(i.rel()), sent);
        }
        for (String rel : ready) {
            if (failed.containsKey(rel)) continue;
            pending.remove(rel);
            lastTry.remove(rel);
        }
        passDone(sent[0], sent[1], start, serverTrouble, failed.size());
        // Still being written: pending again, its bucket copy as fresh as this pass (at a stop, that copy is the last).
        if (finalPhase) copied.stream().filter(rel -> !pending.containsKey(rel)).forEach(sentAsWritten::add);
        else copied.forEach(this::touch);
    }

    /**
     * Copies aside the files still being written, where {@link Snapshot} can take them untorn; the
     * others are taken out of {@code ready} and wait to settle (or another --max-wait), saying why.
     */
    private Set<String> copy(Set<String> asWritten, Set<String> ready, Path copies) {
        Set<String> copied = new TreeSet<>();
        for (String rel : asWritten) {
            String why;
            try {
                Snapshot.Taken t =
                        Snapshot.take(rel, root.resolve(rel), copies.resolve(rel), synced.get(rel), () -> {});
                if (t.outcome() == Snapshot.Outcome.TAKEN) {
                    copied.add(rel);
                    continue;
                }
                why = switch (t.outcome()) {
                    case REWRITTEN, UNSTEADY -> "rewritten in place, not appended to; the bucket keeps its copy";
                    case TOO_BIG -> "larger than " + Units.bytes(Snapshot.MAX) + ", too large to copy aside";
                    default -> "gone";
                };
            } catch (IOException e) {
                why = "cannot copy it aside (" + e.getMessage() + ")";
            }
            ready.remove(rel);
            Seen s = pending.get(rel);
            if (s != null) pending.put(rel, new Seen(s.size(), s.mtime(), s.since(), clock.getAsLong()));
            say("still being written: " + rel + ": " + why + "; it goes once it holds still", false);
        }
        return copied;
    }

    private void removeCopies(Path copies) {
        if (!Files.exists(copies)) return;
        try (var walk = Files.walk(copies)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            say("cannot remove " + copies + ": " + e.getMessage() + " (the next pass tries again)", false);
        }
    }

    /** An item the pass finished: sent (counted in {@code sent}: files, bytes), or a conflict or skip to report. */
    private void done(SyncPlan.Item i, boolean copied, long[] sent) {
        String rel = i.rel(), words = i.why().words(SyncPlan.Direction.UPLOAD);
        if (i.action() == SyncPlan.Action.PUT) {
            sent[0]++;
            sent[1] += i.bytes();
            onlyHere.remove(rel);
            String as = !copied
                    ? ""
                    : " as written so far, still being written "
                            + (finalPhase ? "at the stop" : "after " + timing.maxWaitMs() / 1000 + " s");
            say("sent " + rel + as + " (" + Units.bytes(i.bytes()) + ", " + words + ")", false);
        } else if (i.action() == SyncPlan.Action.CONFLICT) {
            report(i, "conflict", words + "; left as it is in the bucket, not overwritten");
        } else if (i.action() == SyncPlan.Action.SKIP) {
            report(i, "skipped", words);
        }
    }

    /** What did not go, by file: failures (kept pending), and races lost to another machine (reported as conflicts). */
    private void failures(SyncRun.Pass p, Map<String, Transfer.Failure> failed, Map<String, Transfer.Failure> raced) {
        if (p.result() == null) return;
        if (p.result().interrupted() != null) {
            // The signal came during the pass: what it did not finish is still pending, and goes at the stop.
            // A signal while the stop itself sends: the stop ends there.
            if (finalPhase) signalledAgain = true;
            stop();
            for (String rel : p.result().interrupted().notRun())
                failed.put(rel, new Transfer.Failure(rel, "interrupted by the signal", FailureKind.TRANSIENT));
        }
        p.result().failures().forEach(f -> failed.put(f.rel(), f));
        p.result().conflicts().forEach(f -> raced.put(f.rel(), f));
    }

    /** A file that did not go: it stays pending. Returns whether the server (not the file) is why. */
    private boolean tried(SyncPlan.Item i, Transfer.Failure f, boolean copied) {
        String rel = i.rel();
        boolean changed = !copied && !Objects.equals(LocalTree.stat(root, rel), i.local());
        if (changed) {
            lastTry.put(rel, new Transfer.Failure(rel, "changed while it was sent", FailureKind.CHANGED));
            say(
                    "changed while it was sent, sent again once it "
                            + (finalPhase ? "holds still for " + timing.stillMs() / 1000.0 + " s" : "settles") + ": "
                            + rel,
                    false);
            return false;
        }
        lastTry.put(rel, f);
        say("failed: " + rel + ": " + f.message(), false);
        return true;
    }

    private void passDone(long files, long bytes, long start, boolean serverTrouble, int failed) {
        sentFiles += files;
        sentBytes += bytes;
        if (files > 0) {
            lastUpload = LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " (" + Units.files(files) + ")";
            say(
                    String.format(
                            "pass: %s (%s) in %.1f s; %d pending",
                            Units.files(files), Units.bytes(bytes), (System.nanoTime() - start) / 1e9, pending.size()),
                    false);
        }
        loadSynced();
        if (serverTrouble) {
            backoff(Units.files(failed) + " did not finish");
        } else if (failuresInRow > 0) {
            failuresInRow = 0;
            retryAt = 0;
            nextRescan = 0; // caught up: look at everything once more, for what changed meanwhile
            say("uploads work again", false);
        }
        rotateLog();
    }

    /** The last-sync state as on disk now (a download by hand between passes changes it too). */
    private void loadSynced() {
        try {
            synced = SyncState.load(root, identity).entries;
        } catch (StopException e) {
            say("cannot read the last-sync state: " + e.getMessage(), true); // the passes say the same and send nothing
        }
    }

    /**
     * A run by hand holds the repo lock: the batch waits for it, not a failure (no backoff, nothing
     * on stderr); said once per wait.
     */
    private void lockWait(String holder) {
        retryAt = clock.getAsLong() + timing.backoffMinMs();
        if (lockWaitSaid) return;
        lockWaitSaid = true;
        say(
                "waiting: another lambda-sync (" + holder + ") is syncing this repo; " + Units.files(pending.size())
                        + " pending go once it is done",
                false);
    }

    /** Waits 2 s, 4 s, 8 s ... up to the cap before the next pass: a server that is down is not hammered. */
    private void backoff(String why) {
        failuresInRow++;
        long wait = Math.min(timing.backoffMaxMs(), timing.backoffMinMs() << Math.min(failuresInRow - 1, 20));
        retryAt = clock.getAsLong() + wait;
        say(
                "upload failed: " + why + "; " + Units.files(pending.size()) + " pending, trying again in "
                        + wait / 1000.0 + " s",
                true);
    }

    /**
     * A conflict or skip ({@code what}): said once (until the file changes); the edit it leaves
     * only on this machine is named again at the stop.
     */
    private void report(SyncPlan.Item i, String what, String detail) {
        LocalTree.LocalFile now = LocalTree.stat(root, i.rel());
        reported.put(i.rel(), now != null ? now : i.local());
        if (now != null) onlyHere.put(i.rel(), what + ": " + detail);
        say(what + ": " + i.rel() + ": " + detail, true);
    }

    // ---- telling -------------------------------------------------------------------------------

    private void openLog() throws IOException {
        Path file = StateDir.watchLog(root);
        Files.createDirectories(file.getParent());
        log = new PrintWriter(
                Files.newBufferedWriter(
                        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                true);
        // A pass's own lines (warnings, progress of a long pass) go to the log too.
        passConsole = new Console(log, log, new BufferedReader(new StringReader("")), false, console.verbose, false);
    }

    private void rotateLog() {
        Path file = StateDir.watchLog(root);
        try {
            if (Files.size(file) < LOG_MAX) return;
            log.close();
            Files.move(
                    file,
                    file.resolveSibling(StateDir.WATCH_LOG + ".1"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            openLog();
        } catch (IOException e) {
            // keep writing where we are
        }
    }

    /** A line for the log; also on stderr when it needs a person (a conflict, a failure). */
    private void say(String line, boolean person) {
        log.println(LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                + " " + line);
        if (person && !stopping()) {
            clearStatus();
            console.err.println(line);
            console.err.flush();
        }
    }

    private boolean statusShown;

    /** One line on a terminal, redrawn in place; nothing elsewhere (the log has it all). */
    private void status() {
        if (!console.interactive() || console.quiet) return;
        statusShown = true;
        console.err.print("\r  watching " + Units.files(watched) + ": " + pending.size() + " pending, " + sentFiles
                + " sent (" + Units.bytes(sentBytes) + "); last upload " + lastUpload
                + (retryAt > clock.getAsLong() ? "; server unreachable, retrying" : "") + "   ");
        console.err.flush();
    }

    private void clearStatus() {
        if (!statusShown) return;
        statusShown = false;
        console.err.print("\r" + " ".repeat(110) + "\r");
        console.err.flush();
    }
}
