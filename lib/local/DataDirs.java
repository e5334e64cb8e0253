package lib.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import lib.common.Console;
import lib.common.StopException;
import lib.sync.SyncRun;

/**
 * What is synced: the {@code <dir>/data/} and {@code <dir>/reports/} directories directly under the
 * git top-level (the bash tool's globs), optionally narrowed to subtrees by path arguments.
 * Paths here are repo-relative, '/'-separated strings ("phase0/data/x.csv"), which are also
 * the object keys (after the prefix).
 */
public final class DataDirs {
    public static final List<String> NAMES = List.of("data", "reports");

    /**
     * The data-dir rule (SYNC.md "What is synced"), the one place it is written: the folder
     * {@code name} directly under the top-level folder {@code top} is synced when it is data/ or
     * reports/ and {@code top} is not a dot-folder (bash's * skips .git, .lambda-sync). The local
     * scan, path arguments, both stores' listings and SYNC_TARGET's check all ask this.
     */
    public static boolean isDataDir(String top, String name) {
        return !top.startsWith(".") && NAMES.contains(name);
    }

    public final Path root;
    /** Data dirs found on disk, e.g. "phase0/data"; sorted. */
    public final List<String> dirs;
    /** Subtrees the run is limited to ("phase0/data/results/"), or empty for everything. */
    public final List<String> scopes;
    /** The path arguments as typed, one per scope (for messages). */
    private final List<String> args;
    /** SYNC_PREFIX, which counts towards S3's key length limit. */
    private final String prefix;

    private DataDirs(Path root, List<String> dirs, List<String> scopes, List<String> args, String prefix) {
        this.root = root;
        this.dirs = dirs;
        this.scopes = scopes;
        this.args = args;
        this.prefix = prefix;
    }

    /** The git top-level containing {@code workDir}: the nearest ancestor holding .git. */
    public static Path gitRoot(Path workDir) {
        for (Path p = workDir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) return p;
        }
        throw StopException.usage("not inside a git repository: " + workDir.toAbsolutePath()
                + " (run lambda-sync from your repo, where */data/ and */reports/ live)");
    }

    public static DataDirs find(Path root, Path workDir, List<String> pathArgs) {
        return find(root, workDir, pathArgs, "");
    }

    /**
     * @param pathArgs paths given after the mode, relative to {@code workDir} or absolute
     * @param prefix   SYNC_PREFIX ("" or "team/repo/")
     */
    public static DataDirs find(Path root, Path workDir, List<String> pathArgs, String prefix) {
        List<String> dirs = new ArrayList<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            for (Path p : top) {
                String name = p.getFileName().toString();
                for (String n : NAMES) {
                    Path d = p.resolve(n);
                    // A symlinked data dir is reported by the scanner, not followed.
                    if (isDataDir(name, n)
                            && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            && Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(name + "/" + n);
                    }
                }
            }
        } catch (IOException e) {
            throw StopException.failure("cannot list the repo root " + root + ": " + e.getMessage(), e);
        }
        dirs.sort(null);
        List<String> scopes = new ArrayList<>();
        for (String arg : pathArgs) scopes.add(scope(root, workDir, arg));
        return new DataDirs(root, List.copyOf(dirs), List.copyOf(scopes), List.copyOf(pathArgs), prefix);
    }

    /** A path argument as a repo-relative scope: a local dir ends in '/', anything else is a file or a dir not here yet. */
    private static String scope(Path root, Path workDir, String arg) {
        Path abs = workDir.resolve(arg).toAbsolutePath().normalize();
        if (!abs.startsWith(root)) throw StopException.usage("path " + arg + " is outside the repo " + root);
        String rel = rel(root, abs);
        String[] parts = rel.split("/");
        if (parts.length < 2 || !isDataDir(parts[0], parts[1])) {
            throw StopException.usage(
                    "path " + arg + " is not inside a */data/ or */reports/ directory; only those are synced");
        }
        if (Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) return rel + "/";
        // A file here, or a path that exists only in the store (file or dir: the store decides).
        return rel;
    }

    /** Why a folder that looks like data is not synced (SYNC.md "What is synced"). */
    public enum Why {
        AT_ROOT,
        TOO_DEEP,
        SYMLINK
    }

    /** A folder named data/ or reports/ that no run syncs: named in every plan and by doctor. */
    public record Note(Why why, String path, String text) {}

    /** Levels below the root searched for misplaced data dirs (a/b/c/data), and bounds on the folders and entries read. */
    private static final int DEPTH = 4, MAX_FOLDERS = 5_000, MAX_ENTRIES = 50_000;
    /** Folders of code and tools, never searched: their data/ subfolders are package data, not results. */
    private static final Set<String> NOT_SEARCHED = Set.of("node_modules", "site-packages", "venv");

    /**
     * Folders named data/ or reports/ that are not synced: directly under the repo root, deeper
     * than one level, or a symlink (never followed, SYNC.md "What is synced"). One that
     * .syncignore excludes is not noted: that is how a user says "I know".
     *
     * @param target a SYNC_TARGET folder (null if none); a mirror inside the repo is not searched
     */
    public List<Note> unsynced(SyncIgnore ignore, Path target) {
        List<Note> notes = new ArrayList<>();
        Path skip = target == null ? null : target.toAbsolutePath().normalize();
        ArrayDeque<Path> queue = new ArrayDeque<>(List.of(root));
        int read = 0, entries = 0;
        while (!queue.isEmpty() && read++ < MAX_FOLDERS && entries < MAX_ENTRIES) {
            Path folder = queue.poll();
            int depth = folder.equals(root) ? 0 : root.relativize(folder).getNameCount();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
                for (Path c : children) {
                    if (entries++ >= MAX_ENTRIES) break; // advice only: a huge results folder must not slow every run
                    String name = c.getFileName().toString(), rel = rel(root, c);
                    if (name.startsWith(".")
                            || c.equals(skip)
                            || SyncIgnore.builtin(rel, true)
                            || NOT_SEARCHED.contains(name)) continue;
                    boolean link = Files.isSymbolicLink(c);
                    if (ignore.match(rel, true) != null
                            || !(Files.isDirectory(c) || (link && depth == 1 && NAMES.contains(name)))) continue;
                    if (NAMES.contains(name) && depth != 1) {
                        notes.add(misplaced(depth == 0 ? Why.AT_ROOT : Why.TOO_DEEP, rel));
                    } else if (NAMES.contains(name) && link) {
                        notes.add(symlink(rel, c)); // even a dangling one: the plan lists it as skipped
                    } else if (depth == 0 && link && NAMES.stream().anyMatch(n -> Files.isDirectory(c.resolve(n)))) {
                        notes.add(symlink(rel, c));
                    } else if (!link && !(depth == 1 && NAMES.contains(name)) && depth + 1 < DEPTH) {
                        queue.add(c);
                    }
                }
            } catch (IOException e) {
                // An unreadable folder holds nothing we could sync either; the scan is advice only.
            }
        }
        notes.sort(Comparator.comparing(Note::path));
        return notes;
    }

    private static Note misplaced(Why why, String rel) {
        String where =
                why == Why.AT_ROOT ? "directly under the repo root" : "deeper than one folder below the repo root";
        return new Note(
                why,
                rel,
                rel + "/ is not synced: it is " + where + ", and only <top>/data/ and <top>/reports/ directly"
                        + " under the repo root are; move it to a folder like " + example(rel) + ", or add /" + rel
                        + "/ to .syncignore to keep it here unsynced (SYNC.md \"What is synced\")");
    }

    private static Note symlink(String rel, Path link) {
        String to;
        try {
            to = " (to " + Files.readSymbolicLink(link) + ")";
        } catch (IOException e) {
            to = "";
        }
        return new Note(
                Why.SYMLINK,
                rel,
                rel + "/ is a symlink" + to + ", so it is not synced: symlinks are never followed;"
                        + " move the data into the repo and link the other way round, or add /" + rel
                        + "/ to .syncignore to keep it unsynced (SYNC.md \"What is synced\")");
    }

    /** Where a misplaced data dir would be synced: under its top folder, or a new one for the root's. */
    private static String example(String rel) {
        String[] parts = rel.split("/");
        String name = parts[parts.length - 1];
        return (parts.length == 1 ? "main" : parts[0]) + "/" + name + "/";
    }

    /**
     * Prints a warning for each unsynced folder (every run) and returns those that concern this
     * run: all when no path was given, else those a path argument reaches. They leave it LEFT_UNTOUCHED.
     */
    public List<Note> warnUnsynced(SyncIgnore ignore, Path target, Console console) {
        List<Note> notes = unsynced(ignore, target);
        notes.forEach(n -> console.warn(n.text()));
        return notes.stream()
                .filter(n -> scopes.isEmpty()
                        || scopes.stream().anyMatch(s -> within(s, n.path()) || within(n.path() + "/", s)))
                .toList();
    }

    /** A path below the root, '/'-separated, each name as it is on disk: a backslash in a name stays a backslash. */
    public static String rel(Path root, Path p) {
        StringBuilder b = new StringBuilder();
        for (Path name : root.relativize(p)) {
            if (b.length() > 0) b.append('/');
            b.append(name);
        }
        return b.toString();
    }

    /**
     * Why a key (prefix already removed) must not be written to disk, or null if it maps into
     * a data dir safely. Guards against hostile or buggy listings: '..', absolute paths,
     * backslashes, NUL and control characters, empty segments.
     */
    public static String refusal(String rel) {
        if (rel.isEmpty()) return "empty key";
        if (rel.indexOf('\0') >= 0) return "contains NUL";
        if (rel.indexOf('\\') >= 0) return "contains a backslash";
        if (rel.startsWith("/")) return "absolute path";
        for (int i = 0; i < rel.length(); i++) if (rel.charAt(i) < 0x20) return "contains a control character";
        String[] parts = rel.split("/", -1);
        for (String part : parts) {
            if (part.equals("..") || part.equals(".")) return "contains '" + part + "'";
            if (part.isEmpty()) return "contains an empty path segment";
        }
        return null;
    }

    /** S3's limit on a key, in UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 1024;

    /**
     * {@link #refusal}, and also a key that S3 could not hold with SYNC_PREFIX in front: over
     * 1,024 UTF-8 bytes. Both sides skip such a path rather than fail on it every run.
     */
    public String keyRefusal(String rel) {
        String why = refusal(rel);
        if (why != null) return why;
        int bytes = (prefix + rel).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            return "too long: " + bytes + " bytes" + (prefix.isEmpty() ? "" : " with SYNC_PREFIX") + ", S3 allows "
                    + MAX_KEY_BYTES;
        }
        return null;
    }

    /** True when a safe key lies in some {@code <dir>/data/} or {@code <dir>/reports/} (a directory marker ends in '/'). */
    public static boolean isDataKey(String rel) {
        String[] parts = rel.split("/", -1);
        return parts.length >= 3 && isDataDir(parts[0], parts[1]);
    }

    /** True when {@code rel} lies in the run's scopes (all of them when no path was given). */
    public boolean inScope(String rel) {
        if (scopes.isEmpty()) return true;
        for (String s : scopes) if (within(s, rel)) return true;
        return false;
    }

    private static boolean within(String scope, String rel) {
        return scope.endsWith("/") ? rel.startsWith(scope) : rel.equals(scope) || rel.startsWith(scope + "/");
    }

    /**
     * After both sides are listed: a path argument must name something, here or in the store
     * (a typo, or a glob the shell did not expand, must not end as "nothing to do"), and must
     * not be excluded (SYNC.md "Command reference"). Exit 2 naming the first one that fails.
     */
    public void requireEveryPathMatches(SyncIgnore ignore, SyncRun.Sides sides) {
        for (int i = 0; i < scopes.size(); i++) {
            String scope = scopes.get(i), arg = args.get(i);
            String rel = scope.endsWith("/") ? scope.substring(0, scope.length() - 1) : scope;
            boolean dir = scope.endsWith("/");
            SyncIgnore.Match m = ignore.match(rel, dir);
            if (m == null && !dir) m = ignore.match(rel, true); // not here: a folder in the store, perhaps
            if (m != null)
                throw StopException.usage(arg + " is excluded by " + m.describe() + "; nothing to sync there");
            if (SyncIgnore.builtin(rel, dir) || (!dir && SyncIgnore.builtin(rel, true))) {
                throw StopException.usage(
                        arg + " is among the built-in excludes (SYNC.md \"What is synced\"); nothing to sync there");
            }
            if (Files.exists(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)) continue;
            boolean named = sides.local().files.keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.remote().keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.state().keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.skipped().stream().anyMatch(s -> within(scope, s.rel()));
            if (!named) throw StopException.usage("no such file or folder here or in the bucket: " + arg);
        }
    }
}
