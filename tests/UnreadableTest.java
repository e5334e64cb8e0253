import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A side that could not be seen completely is never read as "deleted" (SYNC.md, "When things
 * go wrong"): as the plain user GPU instances run as, an unreadable data folder or file is
 * reported, nothing at or below it is deleted, overwritten or forgotten on either side, the
 * rest is synced, and the run exits 4.
 */
class UnreadableTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    Path locked;

    @BeforeEach
    void plainUser() {
        assumeTrue(PlainUser.unavailable() == null, PlainUser::unavailable);
    }

    @AfterEach
    void unlock() throws IOException {
        if (locked != null) Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void anUnreadableFolderIsReportedAndNothingUnderItIsDeletedOverwrittenOrForgotten() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/ok.txt", "ok\n");
        a.write("exp/data/sub/s1.txt", "s1\n");
        a.write("exp/data/sub/s2.txt", "s2\n");
        assertEquals(0, a.run("upload", "--yes").code());
        bucket.put("exp/data/sub/s1.txt", "s1 changed by another machine\n");
        bucket.put("exp/data/sub/new.txt", "new from another machine\n");
        a.write("exp/data/more.txt", "more\n");
        locked = a.path("exp/data/sub");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

        Repo.Run up = PlainUser.run(a, "upload", "--delete", "--force", "--yes");
        assertEquals(4, up.code(), up::toString);
        assertTrue(up.out().contains("exp/data/sub/  unreadable: permission denied"), up::toString);
        assertTrue(up.out().contains("not touched: exp/data/sub is unreadable here"), up::toString);
        assertEquals(
                Map.of(
                        "exp/data/ok.txt",
                        "ok\n",
                        "exp/data/more.txt",
                        "more\n",
                        "exp/data/sub/s1.txt",
                        "s1 changed by another machine\n",
                        "exp/data/sub/s2.txt",
                        "s2\n",
                        "exp/data/sub/new.txt",
                        "new from another machine\n"),
                bucket.contents(),
                "the rest is synced, nothing under sub/ deleted");

        Repo.Run down = PlainUser.run(a, "download", "--delete", "--force", "--yes");
        assertEquals(4, down.code(), down::toString);
        Repo.Run status = PlainUser.run(a, "status");
        assertEquals(0, status.code(), status::toString);
        assertTrue(status.out().contains("unreadable: permission denied"), status::toString);

        // Readable again: the state still knows sub/, so the bucket's edit is a plain download, s2 stays in sync.
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        Repo.Run after = a.run("download", "--yes");
        assertEquals(0, after.code(), after::toString);
        assertEquals("s1 changed by another machine\n", a.text("exp/data/sub/s1.txt"));
        assertEquals("new from another machine\n", a.text("exp/data/sub/new.txt"));
        assertEquals("s2\n", a.text("exp/data/sub/s2.txt"));
    }

    @Test
    void anUnreadableFileOfTheBucketsSizeIsSkippedNotBlamedOnTheEndpoint() throws Exception {
        bucket.put("exp/data/x.txt", "the bucket's\n");
        bucket.put("exp/data/y.txt", "y\n");
        Repo b = Repo.init(tmp.resolve("b"), bucket.config(tmp));
        b.write("exp/data/x.txt", "other bytes\n!"); // same size, never synced: would need hashing
        locked = b.path("exp/data/x.txt");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

        Repo.Run status = PlainUser.run(b, "status");
        assertEquals(0, status.code(), status::toString);
        assertTrue(status.out().contains("exp/data/x.txt  unreadable: permission denied"), status::toString);
        Repo.Run up = PlainUser.run(b, "upload", "--yes", "--force");
        assertEquals(4, up.code(), up::toString);
        Repo.Run down = PlainUser.run(b, "download", "--yes", "--force");
        assertEquals(4, down.code(), down::toString);
        assertEquals("y\n", b.text("exp/data/y.txt"), "the rest is synced");
        assertEquals("the bucket's\n", bucket.text("exp/data/x.txt"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("other bytes\n!", b.text("exp/data/x.txt"), "not overwritten");
    }

    @Test
    void aFolderThatCannotBeWrittenIsNamedNotTheTempFileInIt() throws Exception {
        bucket.put("exp/data/ro/new.txt", "new from another machine\n");
        Repo b = Repo.init(tmp.resolve("b"), bucket.config(tmp));
        b.write("exp/data/ro/mine.txt", "mine\n");
        locked = b.path("exp/data/ro");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));

        Repo.Run down = PlainUser.run(b, "download", "--yes");

        assertEquals(1, down.code(), down::toString);
        assertTrue(
                down.err()
                        .contains("failed: exp/data/ro/new.txt: permission denied: cannot write in the folder "
                                + b.path("exp/data/ro")),
                down::toString);
        assertTrue(!down.err().contains(".lambda-sync-tmp-"), down::toString);
        assertTrue(down.err().contains("could not be read or written here (permission denied)"), down::toString);
    }
}
