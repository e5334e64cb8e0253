import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tool in a JVM of its own with a chosen heap limit, started straight from the suite's class
 * path (no JBang launch in between), so a test can prove a run fits in bounded memory.
 */
final class ToolProcess {
    private ToolProcess() {}

    /** Runs {@code lambda-sync <config> <args...>} in {@code repo}'s root with {@code -Xmx<heap>}; fails after {@code timeoutSeconds}. */
    static Repo.Run run(Repo repo, String heap, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        return run(repo, heap, timeoutSeconds, List.of(), args);
    }

    /** As {@link #run(Repo, String, long, String...)}, with more JVM options ({@code -Dname=value}). */
    static Repo.Run run(Repo repo, String heap, long timeoutSeconds, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx" + heap, "-XX:+UseSerialGC"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "LambdaSync", repo.config.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("tool-out", ".txt"), err = Files.createTempFile("tool-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd)
                    .directory(repo.root.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("lambda-sync " + String.join(" ", args) + " did not finish in "
                        + timeoutSeconds + " s\n" + Files.readString(out) + Files.readString(err));
            }
            return new Repo.Run(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
