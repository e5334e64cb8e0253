import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Runs a helper command (git, cp, a version query) and fails loudly if it fails. */
final class Proc {
    private Proc() {}

    static void run(Path cwd, List<String> cmd) throws IOException, InterruptedException {
        capture(cwd, cmd);
    }

    /** @return stdout and stderr together, trimmed */
    static String capture(Path cwd, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        return out;
    }
}
