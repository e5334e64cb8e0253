import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download that replaces a local file keeps that file's mode: a 600 file stays 600 (and a new file gets the default). */
class LocalModeTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @Test
    void aReplacedFileKeepsItsMode() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(Files.createDirectories(tmp.resolve("cfg"))));
        a.write("exp/data/keys.txt", "v1\n");
        a.write("exp/data/run.sh", "echo v1\n");
        assertEquals(0, a.run("upload", "--yes").code());
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        Files.setPosixFilePermissions(b.path("exp/data/keys.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(b.path("exp/data/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        a.write("exp/data/keys.txt", "v2\n");
        a.write("exp/data/run.sh", "echo v2\n");
        assertEquals(0, a.run("upload", "--yes").code());

        Repo.Run r = b.run("download", "--yes");

        assertEquals(0, r.code(), r::toString);
        assertEquals("v2\n", b.text("exp/data/keys.txt"));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(b.path("exp/data/keys.txt"))));
        assertEquals(
                "rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(b.path("exp/data/run.sh"))));
    }
}
