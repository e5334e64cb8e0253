import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import lib.local.SyncIgnore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .syncignore} is read as git reads a {@code .gitignore} (SYNC.md "What is synced"): the
 * example in SYNC.md, a corpus checked against the real {@code git check-ignore}, and the plan's
 * count of what was ignored, end to end.
 */
class SyncIgnoreTest {
    @TempDir
    Path tmp;

    /** The ```text block of SYNC.md that starts with "# .syncignore". */
    static String syncMdExample() throws IOException {
        Path root = Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
        String doc = Files.readString(root.resolve("SYNC.md"));
        int start = doc.indexOf("```text\n# .syncignore");
        assertTrue(start >= 0, "SYNC.md lost its .syncignore example");
        start += "```text\n".length();
        return doc.substring(start, doc.indexOf("```", start));
    }

    static String line(SyncIgnore ignore, String rel, boolean dir) {
        SyncIgnore.Match m = ignore.match(rel, dir);
        return m == null ? null : m.rule().text();
    }

    @Test
    void everyExampleInSyncMdDoesWhatItsCommentSays() throws IOException {
        String example = syncMdExample();
        SyncIgnore ignore = SyncIgnore.parse("SYNC.md", example);
        // path (a trailing / marks a folder) -> the line that excludes it, or null: kept
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("exp/data/run.tmp", "*.tmp");
        expected.put("exp/data/deep/er/x.tmp/", "*.tmp");
        expected.put("exp/data/deep/er/x.tmp/inside.txt", "*.tmp");
        expected.put("exp/data/run.tmpx", null);
        expected.put("exp/data/wandb/", "wandb/");
        expected.put("exp/reports/a/wandb/run-1/log.txt", "wandb/");
        expected.put("exp/data/wandb", null); // a file named wandb: "folders only"
        expected.put("phase0/data/raw/a.bin", "phase0/data/raw/**");
        expected.put("phase0/data/raw/sub/b.bin", "phase0/data/raw/**");
        expected.put("phase1/data/raw/a.bin", null); // anchored at the repo root
        expected.put("x/phase0/data/raw/a.bin", null);
        expected.put("phase0/data/raw/README.md", null); // taken back by '!'
        expected.put("phase0/data/keep.txt", null);
        Set<String> used = new TreeSet<>();
        for (var e : expected.entrySet()) {
            boolean dir = e.getKey().endsWith("/");
            String rel = dir ? e.getKey().substring(0, e.getKey().length() - 1) : e.getKey();
            assertEquals(e.getValue(), line(ignore, rel, dir), rel);
            assertEquals(e.getValue() != null, ignore.excludes(rel, dir), rel);
            if (e.getValue() != null) used.add(e.getValue());
        }
        used.add("!phase0/data/raw/README.md");
        Set<String> patterns = new TreeSet<>(
                example.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        assertEquals(patterns, used, "every pattern of the SYNC.md example is tested here");
    }

    @Test
    void aHashAfterAPatternIsPartOfThePatternAsInGit() {
        SyncIgnore ignore = SyncIgnore.parse("t", "*.tmp   # not a comment\n# a comment\n\\#kept\n");
        assertNull(ignore.match("exp/data/a.tmp", false));
        assertEquals(
                1,
                ignore.match("exp/data/a.tmp   # not a comment", false).rule().line());
        assertEquals(3, ignore.match("exp/data/#kept", false).rule().line());
        assertNull(ignore.match("exp/data/# a comment", false));
    }

    @Test
    void nothingInsideAnExcludedFolderComesBack() {
        SyncIgnore ignore = SyncIgnore.parse("t", "scratch/\n!scratch/keep.txt\n*.log\n!important.log\n");
        SyncIgnore.Match m = ignore.match("exp/data/scratch/keep.txt", false);
        assertEquals("exp/data/scratch", m.path());
        assertEquals(1, m.rule().line());
        assertNull(ignore.match("exp/data/important.log", false));
        assertEquals(3, ignore.match("exp/data/other.log", false).rule().line());
    }

    @Test
    void windowsLineEndingsAndAByteOrderMarkAreReadAsGitDoes() {
        SyncIgnore ignore = SyncIgnore.parse("t", "\uFEFF*.tmp\r\nscratch/\r\n");
        assertEquals(1, ignore.match("exp/data/a.tmp", false).rule().line());
        assertEquals(2, ignore.match("exp/data/scratch/x", false).rule().line());
    }

    @Test
    void builtInExcludesNeedNoSyncignore() {
        SyncIgnore none = SyncIgnore.none();
        for (String rel : List.of(
                "exp/data/.git/config",
                "exp/data/clone/.git/hooks/post-checkout",
                "exp/data/sub/.git",
                "exp/data/__pycache__/m.pyc",
                "exp/data/.ipynb_checkpoints/a",
                "exp/data/.venv/bin/python",
                "exp/data/a.swp")) {
            assertTrue(none.excludes(rel, false), rel);
        }
        assertFalse(none.excludes("exp/data/.gitignore", false));
        assertFalse(none.excludes("exp/data/git/config", false));
    }

    // ---- the same answers as git itself ---------------------------------------------------------

    static final String CORPUS = String.join(
            "\n",
            "# comment",
            "*.tmp  # trailing words are pattern",
            "*.log",
            "!keep.log",
            "/top-only.txt",
            "build/",
            "!build/keep.txt",
            "**/cache/**",
            "exp/data/raw/*",
            "!exp/data/raw/b.bin",
            "a?c.txt",
            "[xy]z.txt",
            "\\#hash.txt",
            "\\!bang.txt",
            "trailing-space.txt   ",
            "escaped-space.txt\\ ",
            "docs/**/*.pdf",
            "");
    static final List<String> PATHS = List.of(
            "x.tmp",
            "exp/data/x.tmp",
            "exp/data/x.tmp  # trailing words are pattern",
            "exp/data/a.log",
            "exp/data/keep.log",
            "top-only.txt",
            "exp/top-only.txt",
            "exp/data/build/a.txt",
            "exp/data/build/keep.txt",
            "exp/data/cache/x/y.bin",
            "exp/cache/z.txt",
            "exp/data/raw/a.bin",
            "exp/data/raw/b.bin",
            "exp/data/raw/sub/c.bin",
            "exp/data/abc.txt",
            "exp/data/xz.txt",
            "exp/data/zz.txt",
            "exp/data/#hash.txt",
            "exp/data/!bang.txt",
            "exp/data/trailing-space.txt",
            "exp/data/escaped-space.txt ",
            "docs/a/b/c.pdf",
            "docs/c.pdf",
            "exp/data/plain.txt");

    @Test
    void agreesWithGitCheckIgnoreOnACorpus() throws Exception {
        Path repo = tmp.resolve("git");
        Files.createDirectories(repo);
        git(repo, null, "init", "-q");
        Files.writeString(repo.resolve(".gitignore"), CORPUS);
        for (String p : PATHS) {
            Path f = repo.resolve(p);
            Files.createDirectories(f.getParent());
            Files.writeString(f, "x");
        }
        String out = git(repo, String.join("\n", PATHS) + "\n", "check-ignore", "--no-index", "-v", "-n", "--stdin");
        Map<String, Integer> gits = new TreeMap<>(), ours = new TreeMap<>();
        SyncIgnore ignore = SyncIgnore.parse(".gitignore", CORPUS);
        for (String l : out.split("\n")) {
            String[] cols = l.split("\t", 2); // "<source>:<line>:<pattern>\t<path>"
            String[] src = cols[0].split(":", 3);
            boolean excluded = !src[2].isEmpty() && !src[2].startsWith("!");
            gits.put(cols[1], excluded ? Integer.parseInt(src[1]) : 0);
        }
        for (String p : PATHS) {
            SyncIgnore.Match m = ignore.match(p, false);
            ours.put(p, m == null ? 0 : m.rule().line());
        }
        assertEquals(gits, ours, "path -> the .gitignore line that excludes it (0: kept), git's answer vs ours");
    }

    static String git(Path dir, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out;
    }

    // ---- end to end -----------------------------------------------------------------------------

    @Test
    void planCountsWhatSyncignoreKeptOutAndVerboseListsIt() {
        Bucket bucket = new Bucket();
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write(".syncignore", "# scratch stays here\n*.tmp\nexp/data/scratch/\n!exp/data/keep.tmp\n");
        a.write("exp/data/keep.txt", "keep\n");
        a.write("exp/data/keep.tmp", "taken back\n");
        a.write("exp/data/run.tmp", "tmp\n");
        a.write("exp/reports/deep/x.tmp", "tmp\n");
        a.write("exp/data/scratch/big.txt", "scratch\n");
        a.write("exp/data/scratch/more.txt", "scratch\n");
        bucket.put("exp/data/remote.tmp", "tmp\n");

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("  3 files and 1 folder ignored by .syncignore (-v lists them)\n"), r::toString);
        assertFalse(r.out().contains("exp/data/run.tmp"), r::toString);
        assertEquals(
                Map.of(
                        "exp/data/keep.txt",
                        "keep\n",
                        "exp/data/keep.tmp",
                        "taken back\n",
                        "exp/data/remote.tmp",
                        "tmp\n"),
                bucket.contents());

        Repo.Run v = a.run("status", "-v");
        assertEquals(0, v.code(), v::toString);
        for (String l : List.of(
                "  3 files and 1 folder ignored by .syncignore:",
                "    exp/data/remote.tmp  .syncignore line 2 (*.tmp)",
                "    exp/data/run.tmp  .syncignore line 2 (*.tmp)",
                "    exp/data/scratch/  .syncignore line 3 (exp/data/scratch/)",
                "    exp/reports/deep/x.tmp  .syncignore line 2 (*.tmp)")) {
            assertTrue(v.out().contains(l + "\n"), () -> "expected '" + l + "' in\n" + v);
        }
    }

    @Test
    void withoutSyncignoreThePlanSaysNothingAboutIt() {
        Bucket bucket = new Bucket();
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/__pycache__/m.pyc", "pyc");
        a.write("exp/data/x.txt", "x\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertFalse(r.both().contains("ignored by"), r::toString);
        assertNotNull(bucket.text("exp/data/x.txt"));
    }
}
