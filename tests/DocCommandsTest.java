import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command in a ```bash block of README.md and SYNC.md runs and exits 0, so the docs
 * cannot drift from the tool. Blocks that need a human (a confirmation) or the internet are
 * ```text in the docs. Commands run with bash in a clone of this repo (carrying the working
 * tree's files), as a user types them at the repo root; {@code <your-name>} is a config for
 * the suite's S3 server, and HOME is a temp folder, so `setup` touches nothing real.
 */
class DocCommandsTest {
    static final List<String> DOCS = List.of("README.md", "SYNC.md");
    static final String NAME = "test";
    /** Commands deliberately not run here, with the reason shown as a skip. */
    static final Map<String, String> NOT_RUN =
            Map.of("./jbang tests/TestSuite.java", "the suite itself (it would run this test again); .ci/run runs it");

    @TempDir
    Path tmp;

    record Command(String doc, int line, String text) {
        @Override
        public String toString() {
            return doc + ":" + line + " " + text;
        }
    }

    /** Each non-comment line of each ```bash block, in order. */
    static List<Command> commands(Path root) throws IOException {
        List<Command> out = new ArrayList<>();
        for (String doc : DOCS) {
            List<String> lines = Files.readAllLines(root.resolve(doc), StandardCharsets.UTF_8);
            boolean inBash = false, inFence = false;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.startsWith("```")) {
                    inBash = !inFence && l.equals("```bash");
                    inFence = !inFence;
                } else if (inBash && !l.isEmpty() && !l.startsWith("#")) {
                    out.add(new Command(doc, i + 1, l));
                }
            }
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> everyBashCommandInTheDocsExitsZero() throws Exception {
        Path root = Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
        List<Command> commands = commands(root);
        assertTrue(commands.size() >= 8, "the docs lost their runnable examples: " + commands);
        Path clone = cloneWithWorkingTree(root, tmp.resolve("lambda-sync"));
        Bucket bucket = new Bucket();
        List<DynamicTest> tests = new ArrayList<>();
        for (Command c : commands) {
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                String reason = NOT_RUN.get(c.text());
                if (reason != null) abort(reason);
                // Fresh before each command: `cp sync.env.template <your-name>.sync.env` replaces it.
                Files.move(
                        bucket.config(tmp, "GIT_USER_NAME='Doc Test'", "GIT_USER_EMAIL=doc@example.com"),
                        clone.resolve(NAME + ".sync.env"),
                        StandardCopyOption.REPLACE_EXISTING);
                String line = c.text().replace("<your-name>", NAME);
                Result r = bash(clone, line);
                assertEquals(0, r.code, c + "\n" + r.output);
            }));
        }
        return tests;
    }

    record Result(int code, String output) {}

    Result bash(Path dir, String line) throws IOException, InterruptedException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path log = tmp.resolve("command.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", line)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        String realHome = System.getProperty("user.home");
        // JBang and its Maven cache stay where they are; everything else sees a fresh HOME.
        String jbangDir = env.getOrDefault("JBANG_DIR", realHome + "/.jbang");
        env.put("JBANG_DIR", jbangDir);
        env.putIfAbsent("JBANG_REPO", realHome + "/.m2/repository");
        env.put("HOME", home.toString());
        env.put("PATH", jbangDir + "/bin:" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.remove("GIT_CONFIG_GLOBAL");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("LAMBDA_SYNC_GITHUB_API", "http://127.0.0.1:9"); // never the real GitHub
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            return new Result(-1, "timed out after 300 s\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }

    /** {@code git clone} of the repo, then the working tree's files on top: the docs are tested against the code beside them. */
    static Path cloneWithWorkingTree(Path root, Path dest) throws IOException, InterruptedException {
        run(root, "git", "clone", "-q", root.toString(), dest.toString());
        String files = run(root, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard");
        for (String rel : files.split("\0")) {
            if (rel.isEmpty()) continue;
            Path src = root.resolve(rel);
            if (!Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS)) continue;
            Path to = dest.resolve(rel);
            Files.createDirectories(to.getParent());
            Files.copy(src, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
        return dest;
    }

    static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new UncheckedIOException(new IOException(String.join(" ", cmd) + ":\n" + out));
        return out;
    }
}
