import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code watch --print-systemd-unit} names a command that exists, or refuses to print a unit that would fail at every boot. */
class SystemdUnitTest {
    @TempDir
    Path tmp;

    /** The launcher {@code jbang app install} leaves in the HOME the tool runs with (Repo.run's). */
    static Path installLauncher(Repo a) {
        try {
            Path bin = Files.createDirectories(
                    a.root.resolveSibling(a.root.getFileName() + "-home").resolve(".jbang/bin"));
            Path launcher = Files.writeString(bin.resolve("lambda-sync"), "#!/bin/sh\n");
            launcher.toFile().setExecutable(true);
            return launcher;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aUnitNamingACommandThatIsNotThereIsRefused() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), new Bucket().config(Files.createDirectories(tmp.resolve("cfg"))));

        Repo.Run r = a.run("watch", "--print-systemd-unit");

        assertEquals(1, r.code(), r::toString);
        assertTrue(
                r.err().contains("the unit would start " + a.root + "-home/.jbang/bin/lambda-sync, which is not there"),
                r::toString);
        assertTrue(r.err().contains("jbang app install"), r::toString);
        assertEquals("", r.out());

        installLauncher(a);
        Repo.Run ok = a.run("watch", "--print-systemd-unit");
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("\nExecStart=%h/.jbang/bin/lambda-sync "), ok::toString);
    }
}
