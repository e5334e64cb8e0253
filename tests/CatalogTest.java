import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbang-catalog.json, through real JBang processes: the {@code lambda-sync} alias inside the
 * repo, and {@code jbang app install} into a throwaway JBANG_DIR.
 */
class CatalogTest {
    static final Path ROOT =
            Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
    static final String VERSION_LINE = "lambda-sync " + LambdaSync.VERSION;

    @TempDir
    static Path tmp;

    static Path jbangDir;
    static String path;

    record Run(String cmd, int code, String out, String err) {
        @Override
        public String toString() {
            // JBang read jbang-catalog.json as empty: seen with a Maven-resolved gson 2.10.1 (JBang ships 2.13).
            String hint = err.toLowerCase().contains("alias")
                    ? "(JBang sees no alias: check the gson jar in the lib/ of the JBang ./jbang runs)\n"
                    : "";
            return cmd + "\nexit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err + hint;
        }
    }

    /**
     * The JBang already used here goes first on PATH, so the wrapper does not bootstrap another
     * into the temp JBANG_DIR, and the installed app's {@code exec jbang} finds one. JBANG_DIR/bin
     * is on PATH too, or {@code app install} would add it to the user's ~/.bashrc.
     */
    @BeforeAll
    static void jbangOnPath() throws Exception {
        jbangDir = tmp.resolve("jbang-home");
        Path launchers = Files.createDirectories(tmp.resolve("launchers"));
        Path installed = installedJbang();
        if (installed != null) {
            Path launcher = launchers.resolve("jbang");
            Files.writeString(launcher, "#!/bin/sh\nexec '" + installed + "' \"$@\"\n");
            launcher.toFile().setExecutable(true);
        }
        path = launchers + File.pathSeparator + jbangDir.resolve("bin") + File.pathSeparator + System.getenv("PATH");
    }

    static Path installedJbang() {
        Path wrapper = ROOT.resolve("jbang");
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "jbang").toAbsolutePath();
            if (Files.isExecutable(p) && !sameFile(p, wrapper)) return p;
        }
        String home = System.getenv().getOrDefault("JBANG_DIR", System.getProperty("user.home") + "/.jbang");
        Path p = Path.of(home, "bin", "jbang");
        return Files.isExecutable(p) ? p : null;
    }

    static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs a command with this suite's JBANG_* settings removed; {@code jbangHome} null keeps the user's. */
    static Run run(Path dir, Path jbangHome, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        String userJbangDir = env.get("JBANG_DIR");
        env.keySet().removeIf(k -> k.startsWith("JBANG_"));
        if (jbangHome != null) env.put("JBANG_DIR", jbangHome.toString());
        else if (userJbangDir != null) env.put("JBANG_DIR", userJbangDir);
        env.put("PATH", path);
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("timed out after 300 s: " + String.join(" ", cmd) + "\n" + Files.readString(err));
        }
        return new Run(
                String.join(" ", cmd) + " (in " + dir + ", PATH=" + path + ")",
                p.exitValue(),
                Files.readString(out),
                Files.readString(err));
    }

    @Test
    void aliasRunsTheToolInsideTheRepo() throws Exception {
        Run r = run(ROOT, null, "./jbang", "lambda-sync", "--version");
        assertEquals(0, r.code, r.toString());
        assertEquals(VERSION_LINE, r.out.strip(), r.toString());
    }

    @Test
    void aliasPassesArgumentsAndTheExitCodeThrough() throws Exception {
        Path missing = tmp.resolve("nobody.sync.env");
        Run r = run(ROOT, null, "./jbang", "lambda-sync", missing.toString(), "status");
        assertEquals(2, r.code, r.toString());
        assertTrue(r.err.contains("config file not found: " + missing), r.toString());
    }

    @Test
    void appInstallOfTheScriptGivesALambdaSyncCommand() throws Exception {
        // As README.md tells users, from the repo root.
        assertInstalledCommandWorks("app", "install", "--force", "--name", "lambda-sync", "lambda-sync.java");
    }

    /**
     * The catalog's alias with the catalog named: a bare {@code app install lambda-sync} writes
     * {@code exec jbang run lambda-sync}, which finds the alias only inside the repo.
     */
    @Test
    void appInstallOfTheCatalogAliasGivesALambdaSyncCommand() throws Exception {
        assertInstalledCommandWorks("app", "install", "--force", "lambda-sync@" + ROOT);
    }

    /** Installs from the repo root, then runs the command from elsewhere, as a user would. */
    static void assertInstalledCommandWorks(String... install) throws Exception {
        Path command = jbangDir.resolve("bin/lambda-sync");
        Files.deleteIfExists(command);
        String[] cmd = new String[install.length + 1];
        cmd[0] = ROOT.resolve("jbang").toString();
        System.arraycopy(install, 0, cmd, 1, install.length);
        Run installed = run(ROOT, jbangDir, cmd);
        assertEquals(0, installed.code, installed.toString());
        assertTrue(Files.isExecutable(command), "no " + command + "\n" + installed);

        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Run r = run(elsewhere, jbangDir, command.toString(), "--version");
        assertEquals(0, r.code, r.toString());
        assertEquals(VERSION_LINE, r.out.strip(), r.toString());
    }
}
