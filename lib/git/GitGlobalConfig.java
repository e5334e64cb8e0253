//DEPS org.eclipse.jgit:org.eclipse.jgit:7.8.1.202611041320-r

package lib.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import lib.common.StopException;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;

/**
 * The user's global git config, found the way the git CLI finds it and edited with JGit's
 * config model. JGit in-process cannot see a HOME or XDG_CONFIG_HOME other than the JVM's, so
 * both come in as values. Identity and helper go into the global files themselves; the files
 * they include ({@code [include]} and, whatever its condition, {@code [includeIf]}) are read
 * too, because git sends a token kept in one of them just the same (SYNC.md "What setup does").
 */
final class GitGlobalConfig {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** One file git reads as global config. */
    static final class File {
        final Path path;
        final Config config = new Config();
        private final String before;
        private final boolean bom;

        private File(Path path) {
            this.path = path;
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                bytes = new byte[0];
            } catch (IOException e) {
                throw StopException.failure("cannot read " + path + ": " + e.getMessage(), e);
            }
            bom = bytes.length >= 3 && Arrays.equals(Arrays.copyOf(bytes, 3), BOM);
            String text = new String(bytes, bom ? 3 : 0, bytes.length - (bom ? 3 : 0), StandardCharsets.UTF_8);
            try {
                config.fromText(text);
            } catch (ConfigInvalidException e) {
                throw StopException.usage(path + ": cannot parse this git config file ("
                        + GitHubToken.scrub(String.valueOf(e.getMessage())) + "); fix it (see: git config --file "
                        + path + " --list) and rerun setup");
            }
            // Compared with JGit's own rendering, not the raw text, so an untouched file is never rewritten.
            before = config.toText();
        }

        boolean changed() {
            return !config.toText().equals(before);
        }

        byte[] bytes() {
            byte[] text = config.toText().getBytes(StandardCharsets.UTF_8);
            if (!bom) return text;
            byte[] out = Arrays.copyOf(BOM, 3 + text.length);
            System.arraycopy(text, 0, out, 3, text.length);
            return out;
        }
    }

    /** A url.&lt;base&gt; section and the file it is in. */
    record UrlSection(Path file, String base) {}

    /** git stops following includes this deep (its own limit is 10). */
    static final int MAX_INCLUDE_DEPTH = 10;

    /** Where {@code git config --global} writes. */
    final File target;
    /** Every file git reads as global config, in git's order (XDG first, so ~/.gitconfig wins). */
    final List<File> files;
    /** The files those include, directly or not, that exist: searched for tokens, edited only to remove one. */
    final List<File> included;

    private GitGlobalConfig(File target, List<File> files, Path home) {
        this.target = target;
        this.files = files;
        this.included = new ArrayList<>();
        List<Path> seen = new ArrayList<>(
                files.stream().map(f -> f.path.toAbsolutePath().normalize()).toList());
        for (File f : files) include(f, home, 1, seen);
    }

    /** Follows a file's {@code include.path} and {@code includeIf.<condition>.path} values, as git resolves them. */
    private void include(File from, Path home, int depth, List<Path> seen) {
        if (depth > MAX_INCLUDE_DEPTH) return;
        List<String> paths = new ArrayList<>(Arrays.asList(from.config.getStringList("include", null, "path")));
        for (String condition : from.config.getSubsections("includeIf")) {
            paths.addAll(Arrays.asList(from.config.getStringList("includeIf", condition, "path")));
        }
        for (String p : paths) {
            if (p.isBlank()) continue;
            Path file = p.startsWith("~/")
                    ? home.resolve(p.substring(2))
                    : from.path.toAbsolutePath().getParent().resolve(p); // relative: to the including file's folder
            file = file.toAbsolutePath().normalize();
            if (seen.contains(file) || !Files.isRegularFile(file)) continue; // git skips a missing include
            seen.add(file);
            File inc = new File(file);
            included.add(inc);
            include(inc, home, depth + 1, seen);
        }
    }

    /** The global files and what they include. */
    private List<File> all() {
        List<File> all = new ArrayList<>(files);
        all.addAll(included);
        return all;
    }

    /**
     * git's rule: $GIT_CONFIG_GLOBAL alone if set; else ~/.gitconfig, unless only the XDG file
     * ($XDG_CONFIG_HOME/git/config, or ~/.config/git/config) exists, which is then the one.
     */
    static GitGlobalConfig load(Path home, Map<String, String> env) {
        String forced = env.get("GIT_CONFIG_GLOBAL");
        if (forced != null && !forced.isEmpty()) {
            File only = new File(Path.of(forced));
            return new GitGlobalConfig(only, List.of(only), home);
        }
        Path dot = home.resolve(".gitconfig");
        String xdgHome = env.get("XDG_CONFIG_HOME");
        Path xdg = (xdgHome == null || xdgHome.isEmpty() ? home.resolve(".config") : Path.of(xdgHome))
                .resolve("git")
                .resolve("config");
        File dotFile = new File(dot);
        if (Files.exists(xdg)) {
            File xdgFile = new File(xdg);
            return new GitGlobalConfig(Files.exists(dot) ? dotFile : xdgFile, List.of(xdgFile, dotFile), home);
        }
        return new GitGlobalConfig(dotFile, List.of(dotFile), home);
    }

    /** Sets a single value in the target file; false if it already held exactly that. */
    boolean set(String section, String name, String value) {
        String[] now = target.config.getStringList(section, null, name);
        if (now.length == 1 && now[0].equals(value)) return false;
        target.config.setString(section, null, name, value);
        return true;
    }

    /** credential.helper as git will use it: lists add up across files, an empty value resets. */
    List<String> helpers() {
        List<String> helpers = new ArrayList<>();
        for (File f : files) {
            for (String h : f.config.getStringList("credential", null, "helper")) {
                if (h.isBlank()) helpers.clear();
                else helpers.add(h.trim());
            }
        }
        return helpers;
    }

    /** Appends a helper in the target file, after the ones already there. */
    void addHelper(String helper) {
        List<String> list = new ArrayList<>(Arrays.asList(target.config.getStringList("credential", null, "helper")));
        list.add(helper);
        target.config.setStringList("credential", null, "helper", list);
    }

    /** The url.&lt;base&gt; sections whose base, or one of whose insteadOf / pushInsteadOf values, matches; included files too. */
    List<UrlSection> urlSections(Predicate<String> test) {
        List<UrlSection> found = new ArrayList<>();
        for (File f : all()) {
            for (String base : f.config.getSubsections("url")) {
                boolean hit = test.test(base)
                        || Arrays.stream(f.config.getStringList("url", base, "insteadOf"))
                                .anyMatch(test)
                        || Arrays.stream(f.config.getStringList("url", base, "pushInsteadOf"))
                                .anyMatch(test);
                if (hit) found.add(new UrlSection(f.path, base));
            }
        }
        return found;
    }

    /** Removes whole url sections: every key in them would carry the same URL. */
    List<UrlSection> removeUrlSections(Predicate<String> test) {
        List<UrlSection> found = urlSections(test);
        for (UrlSection s : found) {
            for (File f : all()) if (f.path.equals(s.file())) f.config.unsetSection("url", s.base());
        }
        return found;
    }

    List<File> changed() {
        return all().stream().filter(File::changed).toList();
    }
}
