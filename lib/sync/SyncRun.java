package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import lib.common.Console;
import lib.common.ContentHash;
import lib.common.Ending;
import lib.common.StopException;
import lib.common.Units;
import lib.common.WorkerPool;
import lib.config.Mode;
import lib.config.SyncConfig;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.plan.PlanPrinter;
import lib.plan.PlanRecord;
import lib.plan.PlanSummary;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.state.RepoLock;
import lib.state.StateDir;
import lib.state.SyncState;
import lib.store.Store;
import lib.store.StoreErrors;

/**
 * One run of upload, download or status, in rclone's three roles: list both sides (march),
 * decide ({@link SyncPlan}), move bytes ({@link Transfer}); with one confirmation between
 * deciding and moving.
 */
public final class SyncRun {
    /** @param maxDelete how many deletions --max-delete allows beyond the bound, or null */
    public record Options(
            boolean dryRun, boolean yes, boolean force, boolean delete, int jobs, String approve, Integer maxDelete) {}

    /** Both sides listed and checked: everything the plan is made from. */
    public record Sides(
            DataDirs dirs,
            LocalTree local,
            Map<String, Store.Remote> remote,
            List<SyncPlan.Item> skipped,
            List<String> outside,
            Map<String, SyncState.Entry> state,
            SyncPlan.Facts facts,
            List<String> markers,
            boolean nothingListed) {}

    private SyncRun() {}

    /**
     * Lists, decides, asks and transfers; returns what came of it, for {@link TextReport} and
     * {@link JsonReport} to render. Failures before a plan exists (config, lock, the store's
     * listing) are thrown as {@link StopException}s, whose kind says how the run ended.
     */
    @SuppressWarnings("try")
    public // the repo lock is held for the block, never referenced in it
    static SyncOutcome run(
            Mode mode,
            SyncConfig config,
            Console console,
            Path workDir,
            List<String> paths,
            Options opt,
            StoreFactory stores) {
        Path root = DataDirs.gitRoot(workDir);
        DataDirs dirs = DataDirs.find(root, workDir, paths, config.prefix());
        SyncIgnore ignore = SyncIgnore.load(root);
        List<DataDirs.Note> unsynced = dirs.warnUnsynced(ignore, config.target(), console); // LEFT_UNTOUCHED
        try (Store store = stores.open(config, opt.jobs())) {
            store.open(root, console::warn);
            boolean changes = mode != Mode.status && !opt.dryRun();
            try (RepoLock lock = changes ? RepoLock.acquire(root, console) : null) {
                // The state file (a line per synced file) is read while the bucket is listed.
                CompletableFuture<SyncState> stateLoad =
                        CompletableFuture.supplyAsync(() -> SyncState.load(root, store.identity()));
                Sides sides = march(dirs, ignore, store, stateLoad, opt.jobs());
                dirs.requireEveryPathMatches(ignore, sides);
                SyncState state = stateLoad.join(); // done: march waited for it
                if (state.damage != null) console.warn(state.damage);
                SyncOutcome.Empty empty = mode != Mode.upload && sides.nothingListed() && dirs.scopes.isEmpty()
                        ? new SyncOutcome.Empty(config.prefix(), store.keysElsewhere(), config.target() != null)
                        : null;
                // A restore from nothing is refused; where this machine synced files with this store
                // before, each is "deleted in bucket" by the rule table (the deletion bound still
                // holds), and the empty bucket is said, not refused.
                if (empty != null && !sides.state().isEmpty()) {
                    console.warn(empty.words());
                    empty = null;
                }
                if (mode == Mode.status) return status(console, sides, store, ignore, opt, empty);
                SyncPlan.Direction dir = mode == Mode.upload ? SyncPlan.Direction.UPLOAD : SyncPlan.Direction.DOWNLOAD;
                return sync(console, dir, sides, state, store, ignore, opt, unsynced, empty);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw StopException.failure(StoreErrors.explain(e, config), e);
        }
    }

    /** Both directions' plans, printed; nothing changes. */
    private static SyncOutcome status(
            Console console, Sides sides, Store store, SyncIgnore ignore, Options opt, SyncOutcome.Empty empty) {
        List<SyncOutcome.Planned> plans = new ArrayList<>();
        for (SyncPlan.Direction d : SyncPlan.Direction.values()) {
            SyncOutcome.Planned p = planned(plan(d, sides, opt, store), sides, store, empty);
            PlanPrinter.print(console, p.plan(), store, sides.dirs(), p.inSync(), p.empty());
            if (console.quiet) console.summary(PlanSummary.line(p.plan(), p.inSync()));
            console.info("");
            plans.add(p);
        }
        reportOutside(console, sides);
        if (store.serverSummary() != null) console.info("  server: " + store.serverSummary());
        List<Store.Unfinished> pending = store.unfinishedUploads();
        if (!pending.isEmpty()) console.info("  " + UnfinishedUploads.describe(pending));
        store.finish();
        ignore.report(console, sides.dirs());
        return SyncOutcome.status(plans);
    }

    /** One direction: the plan, printed; then, unless it is a dry run or refused, the transfer. */
    private static SyncOutcome sync(
            Console console,
            SyncPlan.Direction dir,
            Sides sides,
            SyncState state,
            Store store,
            SyncIgnore ignore,
            Options opt,
            List<DataDirs.Note> unsynced,
            SyncOutcome.Empty empty)
            throws IOException {
        Path root = sides.dirs().root;
        SyncOutcome.Planned p = planned(plan(dir, sides, opt, store), sides, store, empty);
        SyncPlan plan = p.plan();
        DeletionGate.Policy policy = deletionPolicy(plan, sides, opt);
        String bound = DeletionGate.planRefusal(plan, deletionSide(plan, sides), policy);
        show(console, p, sides, store, ignore, bound);
        boolean housekeeping = dir == SyncPlan.Direction.UPLOAD && !opt.dryRun();
        if (empty != null || !plan.hasWork() || opt.dryRun())
            return untransferred(console, p, store, opt, unsynced, housekeeping);
        SyncOutcome.Refusal refusal = refusal(console, plan, opt, root, bound);
        if (refusal != null) return new SyncOutcome(List.of(p), null, refusal, false, unsynced);
        if (housekeeping) store.dropStaleUploads(m -> console.info("  " + m));
        for (Path t : sides.local().staleTemps) Files.deleteIfExists(t);
        try {
            Transfer.Result r = new Transfer(
                            root,
                            store,
                            state,
                            console,
                            opt.jobs(),
                            sides.facts().localMd5(),
                            policy)
                    .run(plan);
            return new SyncOutcome(List.of(p), r, null, false, unsynced);
        } finally {
            store.finish();
        }
    }

    /** The plan, and what goes with it: keys not synced, exclusions, comparisons, resumes, the deletion bound, its id. */
    private static void show(
            Console console, SyncOutcome.Planned p, Sides sides, Store store, SyncIgnore ignore, String bound) {
        PlanPrinter.print(console, p.plan(), store, sides.dirs(), p.inSync(), p.empty());
        reportOutside(console, sides);
        ignore.report(console, sides.dirs());
        reportCompared(console, store);
        reportResumable(console, store, p.plan());
        if (bound != null) console.info("  " + bound);
        console.info("  plan id " + p.plan().id);
    }

    /** A run that ends with its plan: a restore from nothing (refused), nothing to do, or a dry run. */
    private static SyncOutcome untransferred(
            Console console,
            SyncOutcome.Planned p,
            Store store,
            Options opt,
            List<DataDirs.Note> unsynced,
            boolean housekeeping) {
        if (p.empty() != null) { // a restore from nothing is not a success; nor is deleting everything here
            store.finish();
            var refusal = new SyncOutcome.Refusal(
                    Ending.BUCKET_EMPTY,
                    "nothing downloaded, nothing changed: " + p.empty().words());
            return new SyncOutcome(List.of(p), null, refusal, false, unsynced);
        }
        SyncPlan plan = p.plan();
        if (housekeeping) store.dropStaleUploads(m -> console.info("  " + m));
        store.finish();
        if (opt.dryRun() && plan.hasWork()) console.info("dry run: nothing changed");
        if (opt.dryRun()) PlanRecord.save(p.repo(), plan);
        return new SyncOutcome(List.of(p), null, null, opt.dryRun(), unsynced);
    }

    /** What one watch pass did: its plan (only the paths it was given) and the transfer's result (null: nothing to send). */
    public record Pass(SyncPlan plan, Transfer.Result result) {}

    /**
     * One upload of only these paths, for watch (SYNC.md, "Autosave: watch"): both sides listed
     * and decided as {@code upload --yes} does (the same three-way rule, never --delete or
     * --force), but only {@code only} is planned, so a file still being written is not sent.
     * Those in {@code copied} are planned and sent from their copies under {@code copies} (watch's
     * copies of files still being written, {@link Snapshot}): the same rule, the copy standing for
     * the file. Its gate allows no deletion ({@link DeletionGate.Policy#NEVER}). The repo lock is
     * held for this pass alone.
     */
    @SuppressWarnings("try")
    public // the repo lock is held for the block, never referenced in it
    static Pass uploadPass(
            SyncConfig config,
            Console console,
            Path root,
            Set<String> only,
            int jobs,
            StoreFactory stores,
            Path copies,
            Set<String> copied) {
        DataDirs dirs = DataDirs.find(root, root, List.of(), config.prefix());
        SyncIgnore ignore = SyncIgnore.load(root);
        try (Store store = stores.open(config, jobs)) {
            store.open(root, console::warn);
            try (RepoLock lock = RepoLock.acquire(root, console)) {
                CompletableFuture<SyncState> stateLoad =
                        CompletableFuture.supplyAsync(() -> SyncState.load(root, store.identity()));
                Sides s = march(dirs, ignore, store, stateLoad, jobs);
                if (!copied.isEmpty()) standIn(s, copies, copied, store, jobs);
                SyncState state = stateLoad.join();
                SyncPlan plan = SyncPlan.build(
                        SyncPlan.Direction.UPLOAD,
                        only(s.local().files, only),
                        only(s.remote(), only),
                        only(s.state(), only),
                        s.facts(),
                        s.skipped().stream().filter(i -> only.contains(i.rel())).toList(),
                        new SyncPlan.Options(false, false),
                        store.identity());
                if (!plan.hasWork()) return new Pass(plan, null);
                return new Pass(
                        plan,
                        new Transfer(
                                        root,
                                        store,
                                        state,
                                        console,
                                        jobs,
                                        s.facts().localMd5(),
                                        DeletionGate.Policy.NEVER)
                                .uploadingCopies(copies, copied)
                                .run(plan));
            } finally {
                store.finish();
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw StopException.failure(StoreErrors.explain(e, config, false), e); // watch tries again itself
        }
    }

    /** The copies stand for their files: their sizes and mtimes in the listing, their hashes in the facts. */
    private static void standIn(Sides s, Path copies, Set<String> copied, Store store, int jobs) throws IOException {
        LocalTree stand = new LocalTree();
        for (String rel : copied) {
            LocalTree.LocalFile c = LocalTree.stat(copies, rel);
            s.local().files.remove(rel);
            s.facts().localMd5().remove(rel);
            s.facts().touchedOnly().remove(rel);
            s.facts().sameContent().remove(rel);
            if (c != null) stand.files.put(rel, c);
        }
        SyncPlan.Facts f = check(copies, stand, s.remote(), s.state(), store, jobs, ConcurrentHashMap.newKeySet());
        s.local().files.putAll(stand.files);
        s.facts().localMd5().putAll(f.localMd5());
        s.facts().touchedOnly().addAll(f.touchedOnly());
        s.facts().sameContent().addAll(f.sameContent());
    }

    private static <V> Map<String, V> only(Map<String, V> all, Set<String> only) {
        Map<String, V> m = new HashMap<>();
        for (String rel : only) if (all.containsKey(rel)) m.put(rel, all.get(rel));
        return m;
    }

    private static SyncPlan plan(SyncPlan.Direction d, Sides s, Options opt, Store store) {
        SyncPlan.Options po = new SyncPlan.Options(opt.force(), opt.delete());
        return SyncPlan.build(d, s.local().files, s.remote(), s.state(), s.facts(), s.skipped(), po, store.identity());
    }

    private static SyncOutcome.Planned planned(SyncPlan plan, Sides s, Store store, SyncOutcome.Empty empty) {
        return new SyncOutcome.Planned(
                plan, store.describe(), s.dirs().root, s.dirs().scopes, s.outside(), inSync(s, plan), empty);
    }

    private static int inSync(Sides s, SyncPlan plan) {
        Set<String> planned = new HashSet<>();
        for (SyncPlan.Item i : plan.items) planned.add(i.rel());
        int n = 0;
        for (String rel : s.local().files.keySet()) if (s.remote().containsKey(rel) && !planned.contains(rel)) n++;
        return n;
    }

    private static void reportOutside(Console c, Sides s) {
        if (!s.markers().isEmpty())
            c.info("  not files: " + s.markers().size() + " directory marker(s) or empty folder(s) listed by the"
                    + " store (keys ending in '/'), e.g. "
                    + PlanPrinter.shown(
                            s.markers().stream().sorted().findFirst().get())
                    + ": not synced, never read as deleted");
        if (s.outside().isEmpty()) return;
        c.info("  not synced (outside */data/ and */reports/): " + s.outside().size()
                + " key(s) or prefix(es) in the store, e.g. "
                + String.join(
                        ", ",
                        s.outside().stream()
                                .sorted()
                                .limit(3)
                                .map(PlanPrinter::shown)
                                .toList()));
    }

    /** Large uploads an earlier run was cut off in: only their missing parts will be sent. */
    private static void reportResumable(Console c, Store store, SyncPlan plan) {
        for (SyncPlan.Item i : plan.of(SyncPlan.Action.PUT)) {
            Store.Resume done =
                    store.interruptedUpload(i.rel(), i.local().size(), i.local().mtime());
            if (done.bytes() > 0)
                c.info("  resume: " + Units.bytes(done.bytes()) + " of "
                        + Units.bytes(i.local().size()) + " already there (" + PlanPrinter.shown(i.rel()) + ")");
            if (done.otherContent())
                c.info("  resume: none for " + PlanPrinter.shown(i.rel()) + ": it changed since its upload was cut"
                        + " off (same size and time, other bytes), so it is sent whole");
        }
        for (SyncPlan.Item i : plan.of(SyncPlan.Action.GET)) {
            long done = store.interruptedDownload(i.remote());
            if (done > 0)
                c.info("  resume: " + Units.bytes(done) + " of "
                        + Units.bytes(i.remote().size()) + " already here (" + PlanPrinter.shown(i.rel()) + ")");
        }
    }

    /** Contents compared by download (a first sync on a server that offers no other proof) cost time: say how much. */
    private static void reportCompared(Console c, Store store) {
        Store.Compared n = store.compared();
        if (n.files() > 0)
            c.info("  compared by download: " + Units.files(n.files()) + ", " + Units.bytes(n.bytes())
                    + " (the server offers no checksum for them)");
    }

    /**
     * Why the plan may not run (too little disk space, the deletion bound, not confirmed), or null:
     * it may. Checked up front: before asking, before any byte moves.
     */
    private static SyncOutcome.Refusal refusal(Console console, SyncPlan plan, Options opt, Path root, String bound) {
        String disk = DiskSpace.problem(root, plan);
        if (disk != null) return new SyncOutcome.Refusal(Ending.FAILED, disk);
        if (bound != null) return new SyncOutcome.Refusal(Ending.NOT_CONFIRMED, "stopped, nothing changed: " + bound);
        String no = confirm(console, plan, opt, root);
        return no == null ? null : new SyncOutcome.Refusal(Ending.NOT_CONFIRMED, no);
    }

    /** The approval (--approve, --yes, or the user's yes); null when given, else the line saying why not. */
    private static String confirm(Console console, SyncPlan plan, Options opt, Path root) {
        if (opt.approve() != null) {
            if (opt.approve().equals(plan.id)) return null;
            PlanRecord.differences(root, opt.approve(), plan).forEach(console.err::println);
            return "the plan changed since it was approved (approved " + opt.approve() + ", now " + plan.id
                    + "); nothing done. Show the new plan and ask again.";
        }
        if (opt.yes()) return null;
        if (!console.interactive())
            return "not confirmed: no terminal to ask on. Rerun with --yes, or --approve <planId> (see CLAUDE.md)";
        long deletes = plan.deletions();
        String question = deletes == 0
                ? "Proceed?"
                : "Proceed? This DELETES " + Units.files(deletes)
                        + (plan.direction == SyncPlan.Direction.UPLOAD
                                ? " in the bucket (copies kept in " + StateDir.TRASH_SHOWN + ")."
                                : " here (to " + StateDir.TRASH_SHOWN + ").");
        return console.confirm(question) ? null : "aborted: nothing changed";
    }

    /**
     * What this run may destroy (SYNC.md, "Deletion"): a plan deleting more than 50 files, or
     * more than half of a side of 10 or more, runs only when --max-delete allows that many — not
     * with --yes, not with --approve; the gate holds every deletion to the same count.
     */
    static DeletionGate.Policy deletionPolicy(SyncPlan plan, Sides sides, Options opt) {
        return DeletionGate.Policy.of(deletionSide(plan, sides), opt.maxDelete(), opt.dryRun());
    }

    /** How many files the side the plan deletes on holds. */
    private static long deletionSide(SyncPlan plan, Sides sides) {
        return plan.direction == SyncPlan.Direction.UPLOAD
                ? sides.remote().size()
                : sides.local().files.size();
    }

    /** Lists both sides at once, filters the store's keys, and hashes what the decisions need. */
    static Sides march(DataDirs dirs, SyncIgnore ignore, Store store, CompletableFuture<SyncState> stateLoad, int jobs)
            throws IOException {
        Keys keys = new Keys(dirs, ignore);
        CompletableFuture<Void> listing = CompletableFuture.runAsync(() -> list(store, dirs, keys));
        LocalTree local = LocalTree.scan(dirs, ignore);
        SyncState state = joinBoth(stateLoad, listing);
        confirmAbsence(dirs, ignore, store, local, state, keys);
        Map<String, Store.Remote> remote = keys.remote;
        List<SyncPlan.Item> skipped = keys.skipped;
        for (LocalTree.Skipped s : local.skipped)
            skipped.add(new SyncPlan.Item(s.rel(), SyncPlan.Action.SKIP, s.why(), false, 0, null, null));
        Map<String, Reason.Skip.Kind> shields =
                shields(dirs.root, local, remote.keySet(), state.entries.keySet(), skipped);
        fileAndFolder(shields, remote, local);
        unreadable(unreadableSinceSync(dirs.root, local, state), local, skipped, shields, null);
        shield(shields, remote, skipped);
        Map<String, SyncState.Entry> inScope = inScope(dirs, ignore, shields, state);
        Set<String> denied = ConcurrentHashMap.newKeySet();
        SyncPlan.Facts facts = check(dirs.root, local, remote, inScope, store, jobs, denied);
        unreadable(denied, local, skipped, shields, inScope); // became unreadable since
        shield(shields, remote, skipped);
        return new Sides(
                dirs, local, remote, skipped, keys.outside, inScope, facts, keys.markers, keys.files.get() == 0);
    }

    /** The store's listing of the scopes, each key handed to {@code keys} (run beside the local scan). */
    private static void list(Store store, DataDirs dirs, Keys keys) {
        try {
            store.list(dirs.scopes, keys::add, o -> {
                keys.files.incrementAndGet();
                keys.outside.add(o);
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits for the state and the listing; a failure of either is thrown as itself. */
    private static SyncState joinBoth(CompletableFuture<SyncState> stateLoad, CompletableFuture<Void> listing)
            throws IOException {
        try {
            SyncState state = stateLoad.join();
            listing.join();
            return state;
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.io.UncheckedIOException u) throw u.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
        }
    }

    /**
     * A file listed but not readable (chmod 000, made by root in a container) can be neither
     * uploaded nor compared. Only files new or changed since the last sync are asked (an
     * access() call each, ~1.5 µs): the others are not read by this run.
     */
    private static Set<String> unreadableSinceSync(Path root, LocalTree local, SyncState state) {
        Set<String> denied = new HashSet<>();
        for (LocalTree.LocalFile l : local.files.values()) {
            SyncState.Entry e = state.entries.get(l.rel());
            boolean mayRead = e == null || e.size() != l.size() || e.mtime() != l.mtime();
            if (mayRead && !Files.isReadable(root.resolve(l.rel()))) denied.add(l.rel());
        }
        return denied;
    }

    /** The state's entries this run may plan from: in scope, not excluded, not under a shield. */
    private static Map<String, SyncState.Entry> inScope(
            DataDirs dirs, SyncIgnore ignore, Map<String, Reason.Skip.Kind> shields, SyncState state) {
        Map<String, SyncState.Entry> inScope = new HashMap<>();
        state.entries.forEach((rel, e) -> {
            if (dirs.inScope(rel) && !ignore.excludes(rel, false) && shieldOf(shields, rel) == null)
                inScope.put(rel, e);
        });
        return inScope;
    }

    /** The store's keys as the listing threads hand them over, sorted into what the plan is made from. */
    private static final class Keys {
        private final DataDirs dirs;
        private final SyncIgnore ignore;
        final Map<String, Store.Remote> remote = new HashMap<>();
        final List<SyncPlan.Item> skipped = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> outside = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Directory markers and empty-folder entries (keys ending in '/'): never files. */
        final List<String> markers = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Every key but markers, whether synced or not (excluded, outside, refused). */
        final java.util.concurrent.atomic.AtomicInteger files = new java.util.concurrent.atomic.AtomicInteger();

        Keys(DataDirs dirs, SyncIgnore ignore) {
            this.dirs = dirs;
            this.ignore = ignore;
        }

        void add(Store.Remote r) {
            String rel = r.rel();
            String refusal = rel.endsWith("/") && r.size() > 0
                    ? "ends in '/' but holds " + Units.bytes(r.size()) + " (a folder's name, not a file's)"
                    : rel.endsWith("/") ? null : dirs.keyRefusal(rel);
            if (rel.endsWith("/") && refusal == null) {
                markers.add(rel); // a directory marker some tools create, or an empty folder a server lists
                return;
            }
            files.incrementAndGet();
            if (refusal != null) {
                skipped.add(new SyncPlan.Item(
                        rel,
                        SyncPlan.Action.SKIP,
                        new Reason.Skip(Reason.Skip.Kind.REFUSED_KEY, refusal),
                        false,
                        0,
                        null,
                        r));
            } else if (!DataDirs.isDataKey(rel)) {
                outside.add(rel);
            } else if (dirs.inScope(rel) && !ignore.excludes(rel, false)) {
                synchronized (remote) {
                    remote.put(rel, r);
                }
            }
        }
    }

    /**
     * Nothing is concluded absent from a listing that could be incomplete (SYNC.md, "Servers that
     * are not AWS"): the store is asked again about the data dirs this machine knows, a bucket
     * that looked empty, and each path the last sync saw that the listing did not show.
     */
    private static void confirmAbsence(
            DataDirs dirs, SyncIgnore ignore, Store store, LocalTree local, SyncState state, Keys keys)
            throws IOException {
        Set<String> known = new java.util.TreeSet<>(), missing = new java.util.TreeSet<>();
        for (String d : dirs.dirs) known.add(d + "/");
        for (String rel : state.entries.keySet()) {
            if (!DataDirs.isDataKey(rel)) continue;
            String[] parts = rel.split("/", 3);
            known.add(parts[0] + "/" + parts[1] + "/");
            if (dirs.inScope(rel) && !ignore.excludes(rel, false) && !keys.remote.containsKey(rel)) missing.add(rel);
        }
        store.confirm(known, missing, keys::add, o -> {
            keys.files.incrementAndGet();
            keys.outside.add(o);
        });
    }

    /**
     * A key that is also a folder of other keys ({@code a} beside {@code a/b}): a disk cannot hold
     * both, so neither is synced, nor read as deleted, nor deleted here: both are shown as refused
     * (LEFT_UNTOUCHED) until one is deleted in the bucket.
     */
    private static void fileAndFolder(
            Map<String, Reason.Skip.Kind> shields, Map<String, Store.Remote> remote, LocalTree local) {
        java.util.NavigableSet<String> keys = new java.util.TreeSet<>(remote.keySet());
        for (String rel : keys) {
            String below = keys.ceiling(rel + "/");
            if (below == null || !below.startsWith(rel + "/")) continue;
            shields.put(rel, Reason.Skip.Kind.FILE_AND_FOLDER);
            local.files.keySet().removeIf(l -> l.equals(rel) || l.startsWith(rel + "/"));
        }
    }

    /** Files that cannot be read become skips that shield their path (see {@link #shields}). */
    private static void unreadable(
            Set<String> denied,
            LocalTree local,
            List<SyncPlan.Item> skipped,
            Map<String, Reason.Skip.Kind> shields,
            Map<String, SyncState.Entry> inScope) {
        for (String rel : denied) {
            local.files.remove(rel);
            skipped.add(new SyncPlan.Item(
                    rel,
                    SyncPlan.Action.SKIP,
                    new Reason.Skip(Reason.Skip.Kind.UNREADABLE, "permission denied"),
                    false,
                    0,
                    null,
                    null));
            shields.put(rel, Reason.Skip.Kind.UNDER_UNREADABLE);
            if (inScope != null) inScope.remove(rel);
        }
    }

    /**
     * Paths this machine cannot see completely (SYNC.md, "When things go wrong"): a symlink
     * (never written through) or an unreadable file or folder. Nothing at or below one may be
     * planned from the other side and the state alone: a store key there is neither downloaded
     * nor deleted as "only in bucket", a state entry there is neither forgotten nor read as
     * "deleted here". Returns each such path (no trailing '/') with the skip kind of what lies below.
     */
    private static Map<String, Reason.Skip.Kind> shields(
            Path root, LocalTree local, Set<String> remote, Set<String> state, List<SyncPlan.Item> skipped) {
        Map<String, Reason.Skip.Kind> shields = new HashMap<>();
        for (LocalTree.Skipped s : local.skipped) {
            if (!s.why().shields()) continue;
            String rel = s.rel().endsWith("/") ? s.rel().substring(0, s.rel().length() - 1) : s.rel();
            shields.put(
                    rel,
                    s.why().kind() == Reason.Skip.Kind.SYMLINK
                            ? Reason.Skip.Kind.UNDER_SYMLINK
                            : Reason.Skip.Kind.UNDER_UNREADABLE);
        }
        // A top-level folder that is a symlink or cannot be entered holds no data dir for the scanner.
        Set<String> tops = new java.util.TreeSet<>();
        for (Set<String> keys : List.of(remote, state))
            for (String rel : keys) if (rel.indexOf('/') > 0) tops.add(rel.substring(0, rel.indexOf('/')));
        for (String top : tops) {
            Path p = root.resolve(top);
            if (Files.isSymbolicLink(p)) {
                shields.put(top, Reason.Skip.Kind.UNDER_SYMLINK);
            } else if (Files.isDirectory(p) && !(Files.isReadable(p) && Files.isExecutable(p))) {
                shields.put(top, Reason.Skip.Kind.UNDER_UNREADABLE);
                skipped.add(new SyncPlan.Item(
                        top + "/",
                        SyncPlan.Action.SKIP,
                        new Reason.Skip(Reason.Skip.Kind.UNREADABLE, "permission denied"),
                        false,
                        0,
                        null,
                        null));
            }
        }
        return shields;
    }

    /** The shield at or above {@code rel}, or null. */
    private static String shieldOf(Map<String, Reason.Skip.Kind> shields, String rel) {
        if (shields.isEmpty()) return null;
        for (String p = rel; ; p = p.substring(0, p.lastIndexOf('/'))) {
            if (shields.containsKey(p)) return p;
            if (p.indexOf('/') < 0) return null;
        }
    }

    /** Store keys at or below a shield become skipped items: reported, and neither read, written nor deleted. */
    private static void shield(
            Map<String, Reason.Skip.Kind> shields, Map<String, Store.Remote> remote, List<SyncPlan.Item> skipped) {
        if (shields.isEmpty()) return;
        for (String rel : new ArrayList<>(remote.keySet())) {
            String at = shieldOf(shields, rel);
            if (at == null) continue;
            skipped.add(new SyncPlan.Item(
                    rel,
                    SyncPlan.Action.SKIP,
                    new Reason.Skip(shields.get(at), at),
                    false,
                    0,
                    null,
                    remote.remove(rel)));
        }
    }

    /** Hashes local files only where a decision depends on content (see SyncPlan.needsLocalHash). */
    private static SyncPlan.Facts check(
            Path root,
            LocalTree local,
            Map<String, Store.Remote> remote,
            Map<String, SyncState.Entry> state,
            Store store,
            int jobs,
            Set<String> denied)
            throws IOException {
        Map<String, String> md5 = new ConcurrentHashMap<>();
        Set<String> touched = ConcurrentHashMap.newKeySet(), same = ConcurrentHashMap.newKeySet();
        List<String> todo = new ArrayList<>();
        for (LocalTree.LocalFile l : local.files.values()) {
            if (SyncPlan.needsLocalHash(l, remote.get(l.rel()), state.get(l.rel()))) todo.add(l.rel());
        }
        WorkerPool.map(jobs, "check", todo, rel -> {
            LocalTree.LocalFile l = local.files.get(rel);
            Store.Remote r = remote.get(rel);
            SyncState.Entry s = state.get(rel);
            String h;
            try {
                h = ContentHash.md5Hex(root.resolve(rel));
            } catch (java.nio.file.AccessDeniedException e) {
                denied.add(rel); // not the store's fault: a local file that became unreadable
                return null;
            }
            md5.put(rel, h);
            if (s != null
                    && l.size() == s.size()
                    && ContentHash.sameAsRecorded(s.md5(), root.resolve(rel), l.size(), Store.PART_SIZE, h))
                touched.add(rel);
            if (!touched.contains(rel)
                    && SyncPlan.needsComparison(l, r, s)
                    && store.sameContent(r, root.resolve(rel), h)) {
                same.add(rel);
            }
            return null;
        });
        return new SyncPlan.Facts(md5, touched, same);
    }
}
