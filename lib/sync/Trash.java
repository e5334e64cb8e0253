package lib.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import lib.common.Console;
import lib.common.Ending;
import lib.common.StopException;
import lib.common.Units;
import lib.local.DataDirs;
import lib.local.SyncIgnore;
import lib.plan.PlanPrinter;
import lib.state.RepoLock;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreTrash;
import lib.store.StoreTrash.Why;

/**
 * The trash (SYNC.md, "The trash"): what a run moved out of the way lies in
 * {@code .lambda-sync/trash/<yyyymmdd-hhmmss>/<path>}, and why, one line per file, in that
 * folder's {@code .why.tsv}. {@code trash} lists it, {@code trash restore} puts files back
 * (never over a file that differs), {@code trash prune --older-than} empties old folders when
 * asked to, and never otherwise.
 */
public final class Trash {
    /** One trashed file; {@code why} is null for what a version without .why.tsv put there. */
    record Entry(String time, String rel, Path file, long bytes, Why why) {}

    /** One trash folder: a run's time and what it holds, by path. */
    record Folder(String time, Path dir, List<Entry> entries) {
        long bytes() {
            return entries.stream().mapToLong(Entry::bytes).sum();
        }
    }

    public static final DateTimeFormatter TIME = StoreTrash.TIME;
    public static final String WHY_FILE = StoreTrash.WHY_FILE;
    private static final int SHOWN = 10;

    private Trash() {}

    static Path dir(Path root) {
        return StateDir.trash(root);
    }

    /** The hook where files are moved to the trash ({@link DeletionGate}): says why, beside them. */
    static synchronized void record(Path folder, String rel, Why why) throws IOException {
        Files.writeString(
                folder.resolve(WHY_FILE),
                StateDir.escape(rel) + "\t" + why.name() + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * {@code trash [list] | restore <path or time>... | prune --older-than <age>}, over this
     * machine's trash and the bucket's ({@code bucket} opens the store, or gives null where there
     * is no bucket); returns how it ended.
     */
    @SuppressWarnings("try")
    public // the repo lock is held for the block, never referenced in it
    static Ending run(
            Path root,
            Path workDir,
            Console console,
            List<String> args,
            String olderThan,
            LocalDateTime now,
            Supplier<Store> bucket) {
        String sub = args.isEmpty() ? "list" : args.get(0);
        List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
        if (!sub.equals("prune") && olderThan != null)
            throw StopException.usage("--older-than is for trash prune; leave it out");
        switch (sub) {
            case "list" -> {
                return listBoth(root, console, rest, bucket);
            }
            case "restore" -> {
                if (rest.isEmpty())
                    throw StopException.usage(
                            "trash restore needs a path or a time (as trash lists them), e.g. trash restore exp/data/x.csv");
                try (RepoLock lock = RepoLock.acquire(root, console);
                        Store store = bucket.get()) {
                    return restore(root, workDir, console, rest, store);
                }
            }
            case "prune" -> {
                return pruneBoth(root, console, rest, olderThan, now, bucket);
            }
            default ->
                throw StopException.usage(
                        "trash takes list, restore <path or time> or prune --older-than <age>, not '" + sub + "'");
        }
    }

    /** {@code trash} or {@code trash list}: this machine's trash, then the bucket's. */
    private static Ending listBoth(Path root, Console console, List<String> rest, Supplier<Store> bucket) {
        if (!rest.isEmpty())
            throw StopException.usage("trash lists everything; to put something back: trash restore " + rest.get(0));
        list(root, console);
        try (Store store = bucket.get()) {
            BucketTrashCommand.list(store, console);
        }
        return Ending.DONE;
    }

    /** {@code trash prune --older-than <age>}: both trashes, under the repo lock. */
    @SuppressWarnings("try") // the repo lock is held for the block, never referenced in it
    private static Ending pruneBoth(
            Path root,
            Console console,
            List<String> rest,
            String olderThan,
            LocalDateTime now,
            Supplier<Store> bucket) {
        if (!rest.isEmpty())
            throw StopException.usage("trash prune takes no paths, only --older-than <age> (e.g. 30d)");
        if (olderThan == null)
            throw StopException.usage(
                    "trash prune needs --older-than <age> (e.g. 30d or 12h): nothing is pruned without it");
        LocalDateTime before = now.minus(age(olderThan));
        try (RepoLock lock = RepoLock.acquire(root, console);
                Store store = bucket.get()) {
            prune(root, console, before);
            BucketTrashCommand.prune(
                    store,
                    console,
                    before.atZone(java.time.ZoneId.systemDefault()).toInstant());
            return Ending.DONE;
        }
    }

    /** "30d", "12h": the age beyond which prune deletes a folder. */
    static Duration age(String s) {
        if (s.matches("\\d{1,5}[dh]")) {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return s.endsWith("d") ? Duration.ofDays(n) : Duration.ofHours(n);
        }
        throw StopException.usage("--older-than takes days or hours, like 30d or 12h, not '" + s + "'");
    }

    /** Every trash folder, oldest first, with what it holds (temp files of an unfinished copy left out). */
    static List<Folder> folders(Path root) {
        Path trash = dir(root);
        if (!Files.isDirectory(trash)) return List.of();
        List<Folder> out = new ArrayList<>();
        try (Stream<Path> runs = Files.list(trash)) {
            for (Path d : runs.sorted().toList()) {
                String time = d.getFileName().toString();
                if (!time.matches("\\d{8}-\\d{6}") || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) continue;
                Map<String, Why> why = whys(d);
                List<Entry> entries = new ArrayList<>();
                try (Stream<Path> files = Files.walk(d)) {
                    for (Path f : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                            .sorted()
                            .toList()) {
                        String rel = DataDirs.rel(d, f);
                        if (rel.equals(WHY_FILE)
                                || SyncIgnore.isOwnTemp(f.getFileName().toString())) continue;
                        entries.add(new Entry(time, rel, f, Files.size(f), why.get(rel)));
                    }
                }
                out.add(new Folder(time, d, entries));
            }
        } catch (IOException e) {
            throw StopException.failure("cannot read the trash " + trash + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Map<String, Why> whys(Path folder) throws IOException {
        Path f = folder.resolve(WHY_FILE);
        return Files.exists(f) ? StoreTrash.parseWhys(Files.readString(f, StandardCharsets.UTF_8)) : new HashMap<>();
    }

    private static void list(Path root, Console console) {
        List<Folder> folders = folders(root);
        long files = folders.stream().mapToLong(f -> f.entries().size()).sum(),
                bytes = folders.stream().mapToLong(Folder::bytes).sum();
        if (files == 0) {
            console.info("trash: empty (" + StateDir.TRASH_SHOWN + ")");
            return;
        }
        console.info("trash: " + Units.files(files) + ", " + Units.bytes(bytes) + " in " + folders.size()
                + " folder(s) of " + StateDir.TRASH_SHOWN
                + " (trash restore <path or time> puts back; trash prune --older-than 30d empties old folders)");
        for (Folder f : folders) {
            if (f.entries().isEmpty()) continue;
            console.info(f.time() + "  " + when(f.time()) + ": "
                    + Units.files(f.entries().size()) + ", " + Units.bytes(f.bytes()));
            int shown = console.verbose
                    ? f.entries().size()
                    : Math.min(SHOWN, f.entries().size());
            for (Entry e : f.entries().subList(0, shown)) {
                console.info("  " + PlanPrinter.shown(e.rel()) + " (" + Units.bytes(e.bytes()) + ")  "
                        + (e.why() == null ? "why not recorded" : e.why().words));
            }
            if (shown < f.entries().size())
                console.info("  ... and " + (f.entries().size() - shown) + " more (-v lists all)");
        }
    }

    /** "2024-05-01 14:03:07", the folder's name as people read a time. */
    private static String when(String time) {
        return LocalDateTime.parse(time, TIME).format(StoreTrash.SHOWN);
    }

    /** A copy restore can bring back: a file in this machine's trash, or an object in the bucket's. */
    record Copy(String folder, String rel, Instant when, Entry local, StoreTrash.Entry bucket) {}

    /** What restore did with one copy. */
    enum Restored {
        BACK,
        ALREADY_THERE,
        REFUSED
    }

    /**
     * Puts back what each argument names, from either trash: a folder (a time, or the bucket's
     * time-machine), a path (the newest copy of that file, or of each file below that folder),
     * or folder/path. A file that exists here and differs is left alone and reported (LEFT_UNTOUCHED);
     * one with the same content is already back.
     */
    private static Ending restore(Path root, Path workDir, Console console, List<String> args, Store store) {
        StoreTrash bucket = store == null ? null : store.bucketTrash();
        List<Copy> copies = copies(root, BucketTrashCommand.entries(bucket, console));
        Map<String, Copy> chosen = new LinkedHashMap<>();
        for (String arg : args) {
            List<Copy> matched = match(copies, root, workDir, arg);
            if (matched.isEmpty())
                throw StopException.usage("nothing in the trash matches " + arg + " (trash lists what it holds)");
            for (Copy c : matched) chosen.put(c.rel(), c); // newer copies come later and win
        }
        int refused = 0, restored = 0;
        List<StoreTrash.Entry> gone = new ArrayList<>();
        for (Copy c : chosen.values()) {
            // Only what a sync could have put in the trash goes back: a trash folder is plain files
            // anyone may have written into, and .git/hooks/post-commit there must not become a hook.
            if (!DataDirs.isDataKey(c.rel()) || SyncIgnore.builtin(c.rel(), false)) {
                console.err.println("not restored: " + c.rel()
                        + ": not in a data dir (*/data/, */reports/); trash restore writes nowhere else."
                        + (c.local() != null
                                ? " Copy it by hand from " + c.local().file() + " if you need it"
                                : ""));
                refused++;
                continue;
            }
            Restored r;
            if (c.local() != null) {
                r = restoreLocal(root, console, c.local());
            } else {
                r = BucketTrashCommand.restore(root, console, bucket, c.bucket());
                if (r != Restored.REFUSED) gone.add(c.bucket());
            }
            if (r == Restored.BACK) restored++;
            if (r == Restored.REFUSED) refused++;
        }
        BucketTrashCommand.tidy(bucket, copies, gone);
        console.err.flush();
        console.summary("restored " + Units.files(restored)
                + (refused > 0 ? ", " + refused + " left in the trash (see above)" : ""));
        return refused > 0 ? Ending.LEFT_UNTOUCHED : Ending.DONE;
    }

    private static Restored restoreLocal(Path root, Console console, Entry e) {
        Path dest = root.resolve(e.rel());
        try {
            refuseLinks(root, dest.getParent());
            if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS) && Files.mismatch(dest, e.file()) == -1) {
                    console.info("already there (same content), removed from the trash: " + PlanPrinter.shown(e.rel()));
                    remove(e);
                    return Restored.ALREADY_THERE;
                }
                refusal(console, e.rel());
                return Restored.REFUSED;
            }
            Files.createDirectories(dest.getParent());
            Files.move(e.file(), dest); // keeps its modification time: the next upload sees it as it was
            remove(e);
            console.info("restored: " + PlanPrinter.shown(e.rel()) + " (" + Units.bytes(e.bytes()) + ", from "
                    + e.time() + ")");
            return Restored.BACK;
        } catch (IOException x) {
            throw StopException.failure("could not restore " + e.rel() + ": " + Transfer.describe(x), x);
        }
    }

    static void refusal(Console console, String rel) {
        console.err.println("not restored: " + rel
                + ": a different file is there now; move it away first, then run trash restore again");
    }

    /** Both trashes' copies, oldest first (a local folder's name is local time, a bucket folder's UTC). */
    private static List<Copy> copies(Path root, List<StoreTrash.Entry> bucket) {
        List<Copy> out = new ArrayList<>();
        for (Folder f : folders(root)) {
            Instant when = LocalDateTime.parse(f.time(), TIME)
                    .atZone(java.time.ZoneId.systemDefault())
                    .toInstant();
            for (Entry e : f.entries()) out.add(new Copy(f.time(), e.rel(), when, e, null));
        }
        for (StoreTrash.Entry e : bucket) out.add(new Copy(e.folder(), e.rel(), e.when(), null, e));
        // Oldest first; at the same second this machine's copy comes later and wins (no download needed).
        out.sort(Comparator.comparing(Copy::when).thenComparing(c -> c.local() != null));
        return out;
    }

    private static final java.util.regex.Pattern FOLDER =
            java.util.regex.Pattern.compile("(\\d{8}-\\d{6}(?:-[^/]+)?)(?:/(.*))?");

    private static List<Copy> match(List<Copy> copies, Path root, Path workDir, String arg) {
        String folder = null, path = arg;
        var m = FOLDER.matcher(arg);
        if (m.matches()) {
            folder = m.group(1);
            path = m.group(2) == null ? "" : m.group(2);
        } else {
            Path abs = workDir.toAbsolutePath().resolve(arg).normalize();
            if (abs.startsWith(root)) path = DataDirs.rel(root, abs);
        }
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        List<Copy> out = new ArrayList<>();
        for (Copy c : copies) {
            if (folder != null && !c.folder().equals(folder)) continue;
            if (p.isEmpty() || c.rel().equals(p) || c.rel().startsWith(p + "/")) out.add(c);
        }
        return out;
    }

    /** A restore writes only below the repo root, never through a symlinked folder (as downloads do). */
    static void refuseLinks(Path root, Path dir) throws IOException {
        for (Path p = dir; p != null && !p.equals(root) && p.startsWith(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) throw new IOException("refused: " + DataDirs.rel(root, p) + " is a symlink");
        }
    }

    /** Removes a restored entry's trash copy, and the folders it leaves empty (a folder with only .why.tsv too). */
    private static void remove(Entry e) throws IOException {
        Files.deleteIfExists(e.file());
        Path top = e.file();
        while (!top.getParent().getFileName().toString().equals("trash")) top = top.getParent();
        for (Path d = e.file().getParent(); !d.equals(top) && isEmpty(d); d = d.getParent()) Files.delete(d);
        try (Stream<Path> left = Files.list(top)) {
            if (left.allMatch(p -> p.getFileName().toString().equals(WHY_FILE))) delete(top);
        }
    }

    private static boolean isEmpty(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    /** Deletes the folders older than {@code before}, each named with what it held, and the total freed. */
    private static void prune(Path root, Console console, LocalDateTime before) {
        long files = 0, bytes = 0;
        int pruned = 0, kept = 0;
        for (Folder f : folders(root)) {
            if (!LocalDateTime.parse(f.time(), TIME).isBefore(before)) {
                kept++;
                continue;
            }
            console.info("pruned " + f.time() + ": " + Units.files(f.entries().size()) + ", " + Units.bytes(f.bytes()));
            try {
                delete(f.dir());
            } catch (IOException e) {
                throw StopException.failure("could not prune " + f.dir() + ": " + Transfer.describe(e), e);
            }
            files += f.entries().size();
            bytes += f.bytes();
            pruned++;
        }
        console.summary("freed " + Units.bytes(bytes) + " (" + Units.files(files) + " in " + pruned + " folder(s)); "
                + kept + " folder(s) kept");
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
