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
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Autosave (SYNC.md, "Autosave: watch"): keeps the bucket up to date while experiments run.
 * A new or changed file in the data dirs is uploaded once it has kept its size and mtime for
 * the settle time (a file still being written is not sent half-done), by upload's own rule
 * ({@link SyncRun#uploadPass}): never a deletion, never over a change made in the bucket.
 * Events come from the JDK's {@link WatchService}; a full rescan every minute catches what
 * watchers miss (NFS, overflows, folders made faster than they are registered). A failed
 * pass is retried after an exponential, capped wait; SIGTERM and SIGINT send what is pending,
 * then stop. The repo lock is held only while a pass runs, so a manual download fits between.
 */
final class Watch {
    /** How long a file must stay unchanged; how often the loop wakes and rescans; the wait after a failed pass. */
    record Timing(long settleMs, long tickMs, long rescanMs, long backoffMinMs, long backoffMaxMs) {
        static Timing settle(int seconds) {
            return new Timing(seconds * 1000L, 1000, 60_000, 2_000, 120_000);
        }
    }

    /** A pending file as last seen, and since when (the clock's ms) it has looked like that. */
    private record Seen(long size, long mtime, long since) {}

    static final String LOG = "watch.log";
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
    StoreFactory stores = StoreFactory.DEFAULT;

    private final Map<String, Seen> pending = new ConcurrentHashMap<>();
    /** Conflicts and skips already said, with the file as it was then: not said again until it changes. */
    private final Map<String, LocalTree.LocalFile> reported = new HashMap<>();

    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final Set<Path> watchedDirs = new HashSet<>();
    private final Set<String> dataDirs = new TreeSet<>();
    private final AtomicInteger passes = new AtomicInteger();
    private volatile boolean stopping;
    private Interrupt signals;
    private WatchService ws;
    private PrintWriter log;
    private Console passConsole;
    private String identity;
    private Map<String, SyncState.Entry> synced = Map.of();
    private long nextRescan, retryAt, sentFiles, sentBytes;
    private int failuresInRow, watched;
    private String lastUpload = "none yet";
    private boolean limitSaid;

    Watch(SyncConfig config, Console console, Path root, Timing timing, LongSupplier clock) {
        this.config = config;
        this.console = console;
        this.root = root;
        this.timing = timing;
        this.clock = clock;
        this.ignore = SyncIgnore.load(root);
    }

    /** Asks the loop to send what is pending and return (what SIGTERM and SIGINT do). */
    void stop() {
        stopping = true;
    }

    private boolean stopping() {
        return stopping || signals != null && signals.requested();
    }

    /** Passes run so far (for tests). */
    int passes() {
        return passes.get();
    }

    /** The size and mtime a pending file was last seen with, or null when it is not pending (for tests). */
    long[] seen(String rel) {
        Seen s = pending.get(rel);
        return s == null ? null : new long[] {s.size(), s.mtime()};
    }

    /** Watches until stopped; returns 0 when everything pending at the end was sent, 1 otherwise. */
    int run(boolean handleSignals) throws IOException {
        openLog();
        try (Store store = stores.open(config, 1)) {
            identity = store.identity();
        }
        // SIGTERM and SIGINT (a shutdown, systemctl stop, Ctrl-C) ask the loop to stop; during a pass,
        // Transfer's own Interrupt takes them and the pass says so (see pass); a second one exits at once.
        try (WatchService w = FileSystems.getDefault().newWatchService();
                Interrupt signals = handleSignals ? Interrupt.install() : null) {
            ws = w;
            this.signals = signals;
            rescan(clock.getAsLong());
            long bw = config.bwlimit();
            String limit = bw > 0 ? ", at most " + BandwidthLimit.describe(bw) + " (bandwidth limit)" : "";
            console.info("watching " + String.join(", ", dataDirs) + " (" + Units.files(watched)
                    + "): a new or changed file is uploaded once" + " unchanged for " + timing.settleMs() / 1000.0
                    + " s" + limit + "; log in .lambda-sync/" + LOG
                    + "; Ctrl-C or SIGTERM sends what is pending, then stops");
            say(
                    "watch started (pid " + ProcessHandle.current().pid() + "), " + Units.files(watched) + " in "
                            + dataDirs.size() + " data dir(s)" + limit,
                    false);
            while (!stopping()) {
                drain();
                long now = clock.getAsLong();
                if (now >= nextRescan) rescan(now);
                Set<String> ready = ready(now, false);
                if (!ready.isEmpty() && now >= retryAt && !stopping()) pass(ready);
                status();
            }
            // Stopping: whatever is pending goes now, settled or not (the instance is going away; a
            // file changed while it is sent is reported, not sent torn), after a last look at everything.
            long now = clock.getAsLong();
            rescan(now);
            Set<String> all = ready(now, true);
            if (!all.isEmpty()) pass(all);
            int left = pending.size();
            String end = "stopped: " + Units.files(sentFiles) + " (" + Units.bytes(sentBytes)
                    + ") uploaded by this watch"
                    + (left == 0 ? "" : "; " + Units.files(left) + " could not be sent (see " + LOG + "): run upload");
            say(end, false);
            clearStatus();
            console.summary(end);
            return left == 0 ? ExitException.OK : ExitException.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitException.FAILURE;
        } finally {
            log.close();
        }
    }

    // ---- noticing changes ----------------------------------------------------------------------

    private void drain() throws InterruptedException {
        WatchKey k = ws.poll(timing.tickMs(), TimeUnit.MILLISECONDS);
        while (k != null && !stopping()) {
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
        } catch (ExitException e) {
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
                || Path.of(rel).getFileName().toString().startsWith(SyncIgnore.TEMP_PREFIX)
                || ignore.excludes(rel, false)) return;
        LocalTree.LocalFile l = LocalTree.stat(root, rel);
        if (l != null) consider(l, clock.getAsLong());
    }

    /** A file seen now: pending unless it is as last synced, or as when its conflict was reported. */
    private void consider(LocalTree.LocalFile l, long now) {
        Seen s = pending.get(l.rel());
        if (s != null) {
            if (s.size() != l.size() || s.mtime() != l.mtime())
                pending.put(l.rel(), new Seen(l.size(), l.mtime(), now));
            return;
        }
        if (l.equals(reported.get(l.rel()))) return;
        SyncState.Entry e = synced.get(l.rel());
        if (e != null && e.size() == l.size() && e.mtime() == l.mtime()) return;
        pending.put(l.rel(), new Seen(l.size(), l.mtime(), now));
    }

    /** Pending files unchanged for the settle time (all of them when {@code all}); a changed one starts over. */
    private Set<String> ready(long now, boolean all) {
        Set<String> ready = new TreeSet<>();
        for (Map.Entry<String, Seen> e : pending.entrySet()) {
            LocalTree.LocalFile l = LocalTree.stat(root, e.getKey());
            Seen s = e.getValue();
            if (l == null) {
                pending.remove(e.getKey()); // gone before it was sent: watch never deletes, in the bucket or here
            } else if (l.size() != s.size() || l.mtime() != s.mtime()) {
                pending.put(e.getKey(), new Seen(l.size(), l.mtime(), now));
                if (all) ready.add(e.getKey());
            } else if (all || now - s.since() >= timing.settleMs()) {
                ready.add(e.getKey());
            }
        }
        return ready;
    }

    // ---- sending -------------------------------------------------------------------------------

    private void pass(Set<String> ready) {
        passes.incrementAndGet();
        long start = System.nanoTime();
        SyncRun.Pass p;
        try {
            p = SyncRun.uploadPass(config, passConsole, root, ready, JOBS, stores);
        } catch (ExitException e) {
            backoff(e.getMessage());
            return;
        } catch (RuntimeException e) {
            backoff("unexpected error: " + e);
            return;
        }
        Map<String, String> failed = new HashMap<>(), raced = new HashMap<>();
        if (p.result() != null && p.result().interrupted() != null) {
            // The signal came during the pass: what it did not finish is still pending, and goes in the last pass.
            stop();
            p.result().interrupted().notRun().forEach(rel -> failed.put(rel, "interrupted"));
        }
        if (p.result() != null) {
            p.result().failures().forEach(f -> failed.put(f.rel(), f.message()));
            p.result().conflicts().forEach(f -> raced.put(f.rel(), f.message()));
        }
        boolean serverTrouble = false;
        Set<String> keep = new HashSet<>();
        long files = 0, bytes = 0;
        for (SyncPlan.Item i : p.plan().items) {
            String rel = i.rel();
            if (failed.containsKey(rel)) {
                keep.add(rel);
                if (Objects.equals(LocalTree.stat(root, rel), i.local())) {
                    serverTrouble = true;
                    say("failed: " + rel + ": " + failed.get(rel), false);
                } else {
                    say("changed while it was sent, sent again once it settles: " + rel, false);
                }
            } else if (raced.containsKey(rel)) {
                report(i, "conflict: " + rel + ": " + raced.get(rel) + "; left as it is in the bucket");
            } else if (i.action() == SyncPlan.Action.PUT) {
                files++;
                bytes += i.bytes();
                say(
                        "sent " + rel + " (" + Units.bytes(i.bytes()) + ", "
                                + i.why().words(SyncPlan.Direction.UPLOAD) + ")",
                        false);
            } else if (i.action() == SyncPlan.Action.CONFLICT) {
                report(
                        i,
                        "conflict: " + rel + ": " + i.why().words(SyncPlan.Direction.UPLOAD)
                                + "; left as it is in the bucket, not overwritten");
            } else if (i.action() == SyncPlan.Action.SKIP) {
                report(i, "skipped: " + rel + ": " + i.why().words(SyncPlan.Direction.UPLOAD));
            }
        }
        for (String rel : ready) if (!keep.contains(rel)) pending.remove(rel);
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
            backoff(Units.files(keep.size()) + " did not finish");
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
        } catch (ExitException e) {
            say("cannot read the last-sync state: " + e.getMessage(), true); // the passes say the same and send nothing
        }
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

    private void report(SyncPlan.Item i, String line) {
        LocalTree.LocalFile now = LocalTree.stat(root, i.rel());
        reported.put(i.rel(), now != null ? now : i.local());
        say(line, true);
    }

    // ---- telling -------------------------------------------------------------------------------

    private void openLog() throws IOException {
        Path file = SyncState.dir(root).resolve(LOG);
        Files.createDirectories(file.getParent());
        log = new PrintWriter(
                Files.newBufferedWriter(
                        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                true);
        // A pass's own lines (warnings, progress of a long pass) go to the log too.
        passConsole = new Console(log, log, new BufferedReader(new StringReader("")), false, console.verbose, false);
    }

    private void rotateLog() {
        Path file = SyncState.dir(root).resolve(LOG);
        try {
            if (Files.size(file) < LOG_MAX) return;
            log.close();
            Files.move(file, file.resolveSibling(LOG + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

    /**
     * A systemd user unit that runs watch for this repo (SYNC.md, "Autosave: watch"): started
     * at boot (with lingering), restarted if it fails, and given time to send what is pending
     * when the machine shuts down.
     */
    static String systemdUnit(Path root, Path config, Map<String, String> env) {
        Path tool = root.resolve("lambda-sync.java");
        String exec =
                Files.exists(tool) ? quote(root.resolve("jbang")) + " " + quote(tool) : "%h/.jbang/bin/lambda-sync";
        return "# lambda-sync watch for " + root + "\n"
                + "# Save as ~/.config/systemd/user/lambda-sync-watch.service, then:\n"
                + "#   systemctl --user daemon-reload && systemctl --user enable --now lambda-sync-watch\n"
                + "#   loginctl enable-linger \"$USER\"    # keeps it running with nobody logged in\n"
                + "[Unit]\n"
                + "Description=lambda-sync watch: uploads new results of " + root.getFileName() + "\n"
                + "After=network-online.target\n\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "WorkingDirectory=" + quote(root) + "\n"
                + (env.containsKey("PATH") ? "Environment=\"PATH=" + env.get("PATH") + "\"\n" : "")
                + (env.containsKey("JAVA_HOME") ? "Environment=\"JAVA_HOME=" + env.get("JAVA_HOME") + "\"\n" : "")
                + "ExecStart=" + exec + " " + quote(config) + " watch\n"
                + "Restart=on-failure\n"
                + "RestartSec=30\n"
                + "# On stop, watch sends what is pending before it exits: give it time.\n"
                + "TimeoutStopSec=300\n\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }

    private static String quote(Path p) {
        String s = p.toAbsolutePath().normalize().toString();
        return s.contains(" ") ? "\"" + s + "\"" : s;
    }
}
