import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What is synced: the {@code <dir>/data/} and {@code <dir>/reports/} directories directly under the
 * git top-level (the bash tool's globs), optionally narrowed to subtrees by path arguments.
 * Paths here are repo-relative, '/'-separated strings ("phase0/data/x.csv"), which are also
 * the object keys (after the prefix).
 */
final class DataDirs {
    static final List<String> NAMES = List.of("data", "reports");

    final Path root;
    /** Data dirs found on disk, e.g. "phase0/data"; sorted. */
    final List<String> dirs;
    /** Subtrees the run is limited to ("phase0/data/results/"), or empty for everything. */
    final List<String> scopes;
    /** The path arguments as typed, one per scope (for messages). */
    private final List<String> args;

    private DataDirs(Path root, List<String> dirs, List<String> scopes, List<String> args) {
        this.root = root;
        this.dirs = dirs;
        this.scopes = scopes;
        this.args = args;
    }

    /** The git top-level containing {@code workDir}: the nearest ancestor holding .git. */
    static Path gitRoot(Path workDir) {
        for (Path p = workDir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) return p;
        }
        throw ExitException.usage("not inside a git repository: " + workDir.toAbsolutePath()
                + " (run lambda-sync from your repo, where */data/ and */reports/ live)");
    }

    /**
     * @param pathArgs paths given after the mode, relative to {@code workDir} or absolute
     */
    static DataDirs find(Path root, Path workDir, List<String> pathArgs) {
        List<String> dirs = new ArrayList<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            for (Path p : top) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue; // bash's * does not match dot-dirs (.git, .lambda-sync)
                for (String n : NAMES) {
                    Path d = p.resolve(n);
                    // A symlinked data dir is reported by the scanner, not followed.
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(name + "/" + n);
                    }
                }
            }
        } catch (IOException e) {
            throw ExitException.failure("cannot list the repo root " + root + ": " + e.getMessage(), e);
        }
        dirs.sort(null);
        List<String> scopes = new ArrayList<>();
        for (String arg : pathArgs) scopes.add(scope(root, workDir, arg));
        return new DataDirs(root, List.copyOf(dirs), List.copyOf(scopes), List.copyOf(pathArgs));
    }

    /** A path argument as a repo-relative scope: a local dir ends in '/', anything else is a file or a dir not here yet. */
    private static String scope(Path root, Path workDir, String arg) {
        Path abs = workDir.resolve(arg).toAbsolutePath().normalize();
        if (!abs.startsWith(root)) throw ExitException.usage("path " + arg + " is outside the repo " + root);
        String rel = root.relativize(abs).toString().replace('\\', '/');
        String[] parts = rel.split("/");
        if (parts.length < 2 || parts[0].startsWith(".") || !NAMES.contains(parts[1])) {
            throw ExitException.usage("path " + arg + " is not inside a */data/ or */reports/ directory; only those are synced");
        }
        if (Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) return rel + "/";
        // A file here, or a path that exists only in the store (file or dir: the store decides).
        return rel;
    }

    /**
     * Why a key (prefix already removed) must not be written to disk, or null if it maps into
     * a data dir safely. Guards against hostile or buggy listings: '..', absolute paths,
     * backslashes, NUL and control characters, empty segments.
     */
    static String refusal(String rel) {
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

    /** True when a safe key lies in some {@code <dir>/data/} or {@code <dir>/reports/} (a directory marker ends in '/'). */
    static boolean isDataKey(String rel) {
        String[] parts = rel.split("/", -1);
        return parts.length >= 3 && !parts[0].startsWith(".") && NAMES.contains(parts[1]);
    }

    /** True when {@code rel} lies in the run's scopes (all of them when no path was given). */
    boolean inScope(String rel) {
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
    void requireEveryPathMatches(SyncIgnore ignore, SyncRun.Sides sides) {
        for (int i = 0; i < scopes.size(); i++) {
            String scope = scopes.get(i), arg = args.get(i);
            String rel = scope.endsWith("/") ? scope.substring(0, scope.length() - 1) : scope;
            boolean dir = scope.endsWith("/");
            SyncIgnore.Match m = ignore.match(rel, dir);
            if (m == null && !dir) m = ignore.match(rel, true); // not here: a folder in the store, perhaps
            if (m != null) throw ExitException.usage(arg + " is excluded by " + m.describe() + "; nothing to sync there");
            if (SyncIgnore.builtin(rel, dir) || (!dir && SyncIgnore.builtin(rel, true))) {
                throw ExitException.usage(arg + " is among the built-in excludes (SYNC.md \"What is synced\"); nothing to sync there");
            }
            if (Files.exists(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)) continue;
            boolean named = sides.local().files.keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.remote().keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.state().keySet().stream().anyMatch(r -> within(scope, r))
                    || sides.skipped().stream().anyMatch(s -> within(scope, s.rel()));
            if (!named) throw ExitException.usage("no such file or folder here or in the bucket: " + arg);
        }
    }
}
