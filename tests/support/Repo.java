import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lib.store.Store;
import lib.sync.StoreFactory;

/**
 * A throwaway research repo made with the real git CLI: code committed, data dirs gitignored
 * as users have them, and the tool run against it in-process (or as its own process, for the
 * tests that kill it). The config file lives outside the repo, so clones share it.
 */
final class Repo {
    static final String GITIGNORE = "*/data/\n*/reports/\n*.sync.env\n.lambda-sync/\n";
    static final String CODE = "print('train')\n";

    /** One run of the tool: exit code and what it printed. */
    record Run(int code, String out, String err) {
        String both() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The run exited with {@code expected}; if not, the failure shows all it printed. The one such check of the suite. */
    static void assertExit(int expected, Run r) {
        org.junit.jupiter.api.Assertions.assertEquals(expected, r.code(), r::toString);
    }

    final Path root;
    final Path config;
    /** How the tool run in-process opens its store: the default, or a test's knobs. */
    final StoreFactory stores;

    private Repo(Path root, Path config, StoreFactory stores) {
        this.root = root;
        this.config = config;
        this.stores = stores;
    }

    /** {@code git init} with {@code train.py} and {@code exp/model.py} committed and the usual .gitignore. */
    static Repo init(Path dir, Path config) {
        Repo r = new Repo(dir.toAbsolutePath(), config.toAbsolutePath(), StoreFactory.DEFAULT);
        r.git(dir.getParent(), "init", "-q", "-b", "main", dir.toString());
        r.write(".gitignore", GITIGNORE);
        r.write("train.py", CODE);
        r.write("exp/model.py", CODE);
        r.git("add", ".gitignore", "train.py", "exp/model.py");
        r.git("commit", "-q", "-m", "code");
        return r;
    }

    /** A fresh machine: {@code git clone} of this repo (so no data, no last-sync state). */
    Repo cloneTo(Path dir) {
        git(
                root.getParent(),
                "clone",
                "-q",
                root.toString(),
                dir.toAbsolutePath().toString());
        return new Repo(dir.toAbsolutePath(), config, stores);
    }

    /** The same repo driven with another config file. */
    Repo withConfig(Path otherConfig) {
        return new Repo(root, otherConfig.toAbsolutePath(), stores);
    }

    /** The same repo, the tool run in-process with these knobs (e.g. a short first listing page). */
    Repo withTuning(StoreFactory.Tuning tuning) {
        return new Repo(root, config, stores.tuned(tuning));
    }

    /** The same repo, the tool run in-process against {@code store} (e.g. a {@link MemoryStore}) whatever the config names. */
    Repo withStore(Store store) {
        return new Repo(root, config, new StoreFactory(stores.tuning(), store));
    }

    // ---- files -------------------------------------------------------------------------------

    Path path(String rel) {
        return root.resolve(rel);
    }

    Path write(String rel, String text) {
        return write(rel, text.getBytes(StandardCharsets.UTF_8));
    }

    Path write(String rel, byte[] bytes) {
        try {
            Path p = path(rel);
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes and sets the modification time (ms), so "changed" never hinges on clock granularity. */
    Path write(String rel, String text, long mtimeMillis) {
        Path p = write(rel, text);
        mtime(rel, mtimeMillis);
        return p;
    }

    byte[] read(String rel) {
        try {
            return Files.readAllBytes(path(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text(String rel) {
        return exists(rel) ? new String(read(rel), StandardCharsets.UTF_8) : null;
    }

    boolean exists(String rel) {
        return Files.exists(path(rel), LinkOption.NOFOLLOW_LINKS);
    }

    void delete(String rel) {
        try {
            Files.delete(path(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void mtime(String rel, long millis) {
        try {
            Files.setLastModifiedTime(path(rel), FileTime.fromMillis(millis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long mtime(String rel) {
        try {
            return Files.getLastModifiedTime(path(rel), LinkOption.NOFOLLOW_LINKS)
                    .toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file in the data dirs (X/data/, X/reports/): repo-relative path to content, as {@link #describe} shows it. */
    Map<String, String> dataFiles() {
        Map<String, String> out = new TreeMap<>();
        walkData((rel, p) -> {
            try {
                out.put(rel, describe(Files.readAllBytes(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return out;
    }

    /** Modification times (ms) of the same files. */
    Map<String, Long> dataMtimes() {
        Map<String, Long> out = new TreeMap<>();
        walkData((rel, p) -> out.put(rel, mtime(rel)));
        return out;
    }

    /** Every path below the repo root (files and dirs, not following links), except .git. */
    List<String> allPaths() {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString())
                    .filter(r -> !r.isEmpty() && !r.equals(".git") && !r.startsWith(".git/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Files whose name marks an unfinished download. */
    List<String> tempFiles() {
        return allPaths().stream()
                .filter(r -> Path.of(r).getFileName().toString().startsWith(".lambda-sync-tmp-"))
                .toList();
    }

    /** Content of {@code rel} in the trash of some earlier run, or null: {@code .lambda-sync/trash/<time>/<rel>}. */
    String trashed(String rel) {
        Path trash = path(".lambda-sync/trash");
        if (!Files.isDirectory(trash)) return null;
        try (Stream<Path> runs = Files.list(trash)) {
            for (Path run : runs.toList()) {
                if (!run.getFileName().toString().matches("\\d{8}-\\d{6}")) continue;
                Path p = run.resolve(rel);
                if (Files.isRegularFile(p)) return Files.readString(p);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface FileVisitor {
        void visit(String rel, Path p);
    }

    private void walkData(FileVisitor v) {
        try (Stream<Path> tops = Files.list(root)) {
            for (Path top : tops.sorted().toList()) {
                if (top.getFileName().toString().startsWith(".") || !Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS))
                    continue;
                for (String name : List.of("data", "reports")) {
                    Path d = top.resolve(name);
                    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) continue;
                    try (Stream<Path> s = Files.walk(d)) {
                        for (Path p : s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                                .toList()) {
                            v.visit(root.relativize(p).toString(), p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Content for comparisons: small files as text (readable diffs), others as size and MD5. */
    static String describe(byte[] b) {
        if (b.length <= 200) return new String(b, StandardCharsets.UTF_8);
        try {
            return b.length + " bytes, md5 "
                    + java.util.HexFormat.of()
                            .formatHex(java.security.MessageDigest.getInstance("MD5")
                                    .digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- git ---------------------------------------------------------------------------------

    String git(String... args) {
        return git(root, args);
    }

    /** Runs the real git CLI with no global or system config (tests must not see the developer's). */
    String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                "git",
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IllegalStateException("git " + args[0] + " failed:\n" + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- the tool ----------------------------------------------------------------------------

    /** {@code lambda-sync <config> <args...>} in-process from the repo root, with no terminal. */
    Run run(String... args) {
        return runIn(root, null, args);
    }

    /** As {@link #run}, but as if on a terminal where the user types {@code answer}. */
    Run runAnswering(String answer, String... args) {
        return runIn(root, answer, args);
    }

    Run runIn(Path workDir, String answer, String... args) {
        LambdaSync cmd = new LambdaSync();
        cmd.workDir = workDir;
        cmd.stores = stores;
        cmd.env =
                Map.of("HOME", root.resolveSibling(root.getFileName() + "-home").toString());
        cmd.interactive = answer != null;
        cmd.in = new BufferedReader(new StringReader(answer == null ? "" : answer + "\n"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> argv = new ArrayList<>();
        argv.add(config.toString());
        argv.addAll(List.of(args));
        int code = LambdaSync.execute(cmd, new PrintWriter(out), new PrintWriter(err), argv.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * {@code bash <root>/jbang <root>/lambda-sync.java <config> <args...>} as its own process in
     * the repo, output to {@code log}: for the tests that kill a run.
     */
    Process start(Path log, String... args) {
        return start(log, Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with environment changes (an empty value removes the variable). */
    Process start(Path log, Map<String, String> envChanges, String... args) {
        Path tool = Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(
                "bash",
                tool.resolve("jbang").toString(),
                tool.resolve("lambda-sync.java").toString(),
                config.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        envChanges.forEach((k, v) -> {
            if (v.isEmpty()) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL to a started run and everything it spawned (the JBang launcher may fork). */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
