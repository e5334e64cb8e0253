import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Excluded from every sync, on both sides: built-in junk (notebook checkpoints, caches,
 * virtualenvs, editor swap files, our own temp files) and the globs of {@code .syncignore}.
 * A glob without '/' matches any single path segment (file or directory name); one with '/'
 * matches the whole repo-relative path; a trailing '/' matches directories only.
 */
final class SyncIgnore {
    static final String TEMP_PREFIX = ".lambda-sync-tmp-";
    private static final Set<String> BUILTIN_DIRS = Set.of(".ipynb_checkpoints", "__pycache__", ".venv");

    private record Rule(PathMatcher matcher, boolean anySegment, boolean dirOnly, String text) {}

    private final List<Rule> rules;

    private SyncIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static SyncIgnore none() {
        return new SyncIgnore(List.of());
    }

    /** Reads {@code <root>/.syncignore} if present. */
    static SyncIgnore load(Path root) {
        Path file = root.resolve(".syncignore");
        if (!Files.isRegularFile(file)) return none();
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ExitException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    static SyncIgnore parse(String name, String text) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            boolean dirOnly = line.endsWith("/");
            String glob = line.replaceAll("/+$", "").replaceAll("^/+", "");
            if (glob.isEmpty()) continue;
            try {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                rules.add(new Rule(m, !glob.contains("/"), dirOnly, line));
            } catch (IllegalArgumentException e) {
                throw ExitException.usage(name + ":" + (i + 1) + ": not a valid glob: " + line);
            }
        }
        return new SyncIgnore(List.copyOf(rules));
    }

    /** True when a file or directory (by repo-relative path) is excluded. */
    boolean excludes(String rel, boolean isDir) {
        String[] parts = rel.split("/");
        String name = parts[parts.length - 1];
        for (int i = 0; i < parts.length; i++) {
            boolean dir = isDir || i < parts.length - 1;
            if (dir && BUILTIN_DIRS.contains(parts[i])) return true;
        }
        if (!isDir && isBuiltinFile(name)) return true;
        for (Rule r : rules) {
            if (r.anySegment) {
                for (int i = 0; i < parts.length; i++) {
                    boolean dir = isDir || i < parts.length - 1;
                    if ((!r.dirOnly || dir) && r.matcher.matches(Path.of(parts[i]))) return true;
                }
            } else {
                // A path glob excludes the matched path and everything below it.
                StringBuilder prefix = new StringBuilder();
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) prefix.append('/');
                    prefix.append(parts[i]);
                    boolean dir = isDir || i < parts.length - 1;
                    if ((!r.dirOnly || dir) && r.matcher.matches(Path.of(prefix.toString()))) return true;
                }
            }
        }
        return false;
    }

    /** Editor swap and backup files, and our own download temp files. */
    static boolean isBuiltinFile(String name) {
        return name.endsWith(".swp") || name.endsWith(".swo") || name.endsWith("~")
                || name.startsWith(".#") || (name.startsWith("#") && name.endsWith("#") && name.length() > 1)
                || name.startsWith(TEMP_PREFIX);
    }
}
