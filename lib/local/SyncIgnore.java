//DEPS org.eclipse.jgit:org.eclipse.jgit:7.8.1.202611041320-r

package lib.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import lib.common.Console;
import lib.common.StopException;
import lib.common.Units;
import lib.plan.PlanPrinter;
import org.eclipse.jgit.ignore.FastIgnoreRule;

/**
 * Excluded from every sync, on both sides: built-in junk (notebook checkpoints, caches,
 * virtualenvs, nested git repos, editor swap files, our own temp files) and the patterns of
 * {@code .syncignore}, which follows {@code .gitignore} syntax exactly (SYNC.md "What is
 * synced"): JGit's parser reads each line, the last matching line wins, {@code !} re-includes,
 * and as in git nothing inside an excluded folder can be re-included. Paths are repo-relative,
 * as if the file were a {@code .gitignore} at the repo root.
 *
 * <p>What {@code .syncignore} excluded during a run is remembered, so the plan can count it.
 */
public final class SyncIgnore {
    static final String FILE = ".syncignore";
    public static final String TEMP_PREFIX = ".lambda-sync-tmp-";
    /** The tool's own temp names: the prefix, 8 hex digits, '-', the file's name (Transfer.tempBeside). */
    private static final java.util.regex.Pattern OWN_TEMP = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(TEMP_PREFIX) + "[0-9a-f]{8}-.+", java.util.regex.Pattern.DOTALL);

    /**
     * Whether a file name is one of the tool's own temp files, the only files ever removed without
     * going to the trash (SYNC.md, "Integrity, interruptions, concurrency"). A user's
     * {@code .lambda-sync-tmp-notes.txt} is not: it is data like any other.
     */
    public static boolean isOwnTemp(String name) {
        return OWN_TEMP.matcher(name).matches();
    }
    /** A nested repo's .git holds hooks and config: never taken from a shared bucket, never sent to one. */
    private static final Set<String> BUILTIN_DIRS = Set.of(".ipynb_checkpoints", "__pycache__", ".venv", ".git");

    /** One pattern line of {@code .syncignore} (1-based line number). */
    public record Rule(int line, String text, FastIgnoreRule rule) {}

    /** A path excluded by a rule: the path itself or the folder above it that the rule matched. */
    public record Match(String path, boolean dir, Rule rule) {
        String describe() {
            return FILE + " line " + rule.line() + " (" + rule.text() + ")";
        }
    }

    private final List<Rule> rules;
    /** Folder decisions, shared by the many files below a folder (listing threads call in at once). */
    private final Map<String, Optional<Match>> folders = new ConcurrentHashMap<>();
    /** What .syncignore excluded so far: files as "a/b.txt", folders as "a/b/". */
    private final Set<String> ignored = ConcurrentHashMap.newKeySet();

    private SyncIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    public static SyncIgnore none() {
        return new SyncIgnore(List.of());
    }

    /** Reads {@code <root>/.syncignore} if present. */
    public static SyncIgnore load(Path root) {
        Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file)) return none();
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw StopException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** git's reading of an ignore file: a '#' starts a comment only at the start of a line; a BOM and CRs are dropped. */
    public static SyncIgnore parse(String name, String text) {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || line.startsWith("#") || line.equals("/")) continue;
            FastIgnoreRule rule;
            try {
                rule = new FastIgnoreRule(line);
            } catch (IllegalArgumentException e) {
                throw StopException.usage(name + ":" + (i + 1) + ": not a valid .gitignore pattern: " + line);
            }
            if (!rule.isEmpty()) rules.add(new Rule(i + 1, line.strip(), rule));
        }
        return new SyncIgnore(List.copyOf(rules));
    }

    /** True when a file or folder (by repo-relative path) is excluded; a .syncignore exclusion is remembered. */
    public boolean excludes(String rel, boolean isDir) {
        if (builtin(rel, isDir)) return true;
        Match m = match(rel, isDir);
        if (m == null) return false;
        ignored.add(m.dir() ? m.path() + "/" : m.path());
        return true;
    }

    /** The .syncignore rule that excludes {@code rel} (itself or a folder above it), or null. */
    public Match match(String rel, boolean isDir) {
        if (rules.isEmpty()) return null;
        String[] parts = rel.split("/");
        // As git walks a tree: a folder that is excluded is not entered, so nothing below it comes back.
        int end = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            end += parts[i].length() + (i == 0 ? 0 : 1);
            String folder = rel.substring(0, end);
            Optional<Match> m = folders.computeIfAbsent(folder, f -> Optional.ofNullable(decide(f, true)));
            if (m.isPresent()) return m.get();
        }
        return decide(rel, isDir);
    }

    /** The last rule matching the path decides: an exclusion, or a '!' line that re-includes it. */
    private Match decide(String path, boolean dir) {
        for (int i = rules.size() - 1; i >= 0; i--) {
            Rule r = rules.get(i);
            if (r.rule().isMatch(path, dir, true)) return r.rule().getResult() ? new Match(path, dir, r) : null;
        }
        return null;
    }

    /**
     * Whether git ignores the folder {@code rel} of the repo at {@code root}: .git/info/exclude,
     * then the .gitignore files from the root down, the deepest match deciding, and a folder
     * below an ignored one ignored too. (Not the user's core.excludesFile: a warning errs loud.)
     */
    public static boolean gitIgnores(Path root, String rel) {
        List<Map.Entry<String, SyncIgnore>> files = new ArrayList<>(); // folder ("" = root) -> its ignore file
        files.add(Map.entry("", read(root.resolve(".git/info/exclude"))));
        String[] parts = rel.split("/");
        String folder = "";
        for (int i = 0; i < parts.length; i++) {
            files.add(Map.entry(folder, read(root.resolve(folder).resolve(".gitignore"))));
            folder = folder.isEmpty() ? parts[i] : folder + "/" + parts[i];
            Boolean verdict = null;
            for (Map.Entry<String, SyncIgnore> f : files) {
                String base = f.getKey(), path = base.isEmpty() ? folder : folder.substring(base.length() + 1);
                Boolean v = f.getValue().verdict(path);
                if (v != null) verdict = v;
            }
            if (Boolean.TRUE.equals(verdict)) return true;
        }
        return false;
    }

    private static SyncIgnore read(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8))
                    : none();
        } catch (IOException | StopException e) {
            return none();
        }
    }

    /** For a folder: TRUE excluded, FALSE taken back by '!', null when no line matches. */
    private Boolean verdict(String folder) {
        for (int i = rules.size() - 1; i >= 0; i--) {
            if (rules.get(i).rule().isMatch(folder, true, true))
                return rules.get(i).rule().getResult();
        }
        return null;
    }

    /** The built-in excludes: junk folders anywhere on the path, editor and temp files. */
    public static boolean builtin(String rel, boolean isDir) {
        String[] parts = rel.split("/");
        for (int i = 0; i < parts.length; i++) {
            if ((isDir || i < parts.length - 1) && BUILTIN_DIRS.contains(parts[i])) return true;
        }
        String name = parts[parts.length - 1];
        return !isDir && (isBuiltinFile(name) || name.equals(".git")); // a .git file points a submodule at its repo
    }

    /** Editor swap and backup files, and our own download temp files. */
    static boolean isBuiltinFile(String name) {
        return name.endsWith(".swp")
                || name.endsWith(".swo")
                || name.endsWith("~")
                || name.startsWith(".#")
                || (name.startsWith("#") && name.endsWith("#") && name.length() > 1)
                || isOwnTemp(name);
    }

    /** What .syncignore excluded in this run, within its scope, sorted (folders end in '/'). */
    List<String> ignored(DataDirs dirs) {
        List<String> out = new ArrayList<>();
        for (String p : new TreeSet<>(ignored)) {
            boolean scoped = dirs.inScope(p) || dirs.scopes.stream().anyMatch(s -> s.startsWith(p));
            if (scoped) out.add(p);
        }
        return out;
    }

    /** The plan's line "N files ignored by .syncignore" (SYNC.md "What is synced"); -v lists them. */
    public void report(Console console, DataDirs dirs) {
        List<String> paths = ignored(dirs);
        if (paths.isEmpty()) return;
        long folders = paths.stream().filter(p -> p.endsWith("/")).count();
        long files = paths.size() - folders;
        String what = files > 0 && folders > 0
                ? Units.files(files) + " and " + folders(folders)
                : files > 0 ? Units.files(files) : folders(folders);
        console.info("  " + what + " ignored by " + FILE + (console.verbose ? ":" : " (-v lists them)"));
        for (String p : paths) {
            Match m = match(p.endsWith("/") ? p.substring(0, p.length() - 1) : p, p.endsWith("/"));
            console.detail("    " + PlanPrinter.shown(p) + (m == null ? "" : "  " + m.describe()));
        }
    }

    private static String folders(long n) {
        return n + (n == 1 ? " folder" : " folders");
    }
}
