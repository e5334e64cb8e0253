import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tool run as an unprivileged user, as GPU instances run it: root reads everything, so a
 * test about permissions means nothing as root. When the suite runs as root, it makes a plain
 * user ({@code useradd}), hands it the repo and the config, and starts the tool as that user's
 * process ({@code runuser}) from a world-readable copy of the class path. As a plain user
 * already, the tool simply runs in-process.
 */
final class PlainUser {
    static final String NAME = "lambdasync-test";
    private static Path classPath;
    private static String unavailable;

    private PlainUser() {}

    static boolean isRoot() {
        return "0".equals(sh("id", "-u").strip());
    }

    /** Null when permission tests can run here, else why not. */
    static synchronized String unavailable() {
        if (!isRoot() || classPath != null) return null;
        if (unavailable != null) return unavailable;
        try {
            if (run(List.of("id", NAME)) != 0
                    && run(List.of("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME)) != 0) {
                return unavailable = "cannot create the user " + NAME;
            }
            classPath = copyClassPath();
            return null;
        } catch (IOException e) {
            return unavailable = "cannot prepare a class path the plain user can read: " + e.getMessage();
        }
    }

    /** {@code lambda-sync <config> <args...>} in the repo, as the plain user. */
    static Repo.Run run(Repo repo, String... args) {
        if (!isRoot()) return repo.run(args);
        if (unavailable() != null) throw new IllegalStateException(unavailable());
        handOver(repo);
        List<String> cmd = new ArrayList<>(List.of(
                "runuser",
                "-u",
                NAME,
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath + "/*",
                "LambdaSync",
                repo.config.toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("plain-out", ".txt"), err = Files.createTempFile("plain-err", ".txt");
            try {
                Process p = new ProcessBuilder(cmd)
                        .directory(repo.root.toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError(
                            "lambda-sync " + String.join(" ", args) + " as " + NAME + " did not finish in 120 s");
                }
                return new Repo.Run(
                        p.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The repo and the config become the plain user's, and the folders above them passable
     * (JUnit's temp dirs are private). Modes set by the test (a chmod 000) are kept.
     */
    static void handOver(Repo repo) {
        sh("chown", "-R", NAME, repo.root.toString(), repo.config.toString());
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        for (Path start : List.of(repo.root.getParent(), repo.config.getParent())) {
            for (Path p = start; p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent())
                sh("chmod", "o+x", p.toString());
        }
    }

    /** The suite's class path lives under root's home: copy its jars where the plain user can read them. */
    private static Path copyClassPath() throws IOException {
        Path dir = Files.createTempDirectory(
                "lambdasync-cp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> S3Server.deleteTree(dir)));
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!Files.isRegularFile(p)) continue;
            Path to = dir.resolve((n++) + "-" + p.getFileName());
            Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
            to.toFile().setReadable(true, false);
        }
        return dir;
    }

    private static int run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
