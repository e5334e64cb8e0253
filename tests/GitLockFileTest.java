import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import lib.common.Ending;
import lib.common.StopException;
import lib.git.GitLockFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** git's lock-file protocol: {@code <file>.lock} is the lock, the rename is the one moment the file changes. */
@Tag("unit")
class GitLockFileTest {
    @TempDir
    Path tmp;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theNewContentAppearsOnlyAtCommitWithTheGivenModeFromTheStart() throws Exception {
        Path file = Files.writeString(tmp.resolve(".git-credentials"), "old\n");
        try (GitLockFile lf = GitLockFile.acquire(file, GitLockFile.OWNER_ONLY)) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(lf.lock)),
                    "set before any secret is written");
            lf.write(utf8("new\n"));
            assertEquals("old\n", Files.readString(file), "unchanged until commit");
            lf.commit();
        }
        assertEquals("new\n", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.exists(tmp.resolve(".git-credentials.lock")));
    }

    @Test
    void closingWithoutCommitLeavesTheFileAndReleasesTheLock() throws Exception {
        Path file = Files.writeString(tmp.resolve("config"), "old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        try (GitLockFile lf = GitLockFile.acquire(file, null)) {
            assertEquals(
                    "rw-r-----",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(lf.lock)),
                    "null mode keeps the file's");
            lf.write(utf8("half"));
        }
        assertEquals("old\n", Files.readString(file));
        assertFalse(Files.exists(tmp.resolve("config.lock")));
    }

    @Test
    void aLockHeldByAnotherProcessStopsWithExit1AndNamesIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("config"), "old\n");
        Path lock = Files.writeString(tmp.resolve("config.lock"), "another git's\n");
        StopException e = assertThrows(StopException.class, () -> GitLockFile.acquire(file, null));
        assertEquals(Ending.FAILED, e.kind);
        assertTrue(e.getMessage().contains(lock.toString()), e.getMessage());
        assertEquals("another git's\n", Files.readString(lock), "the other process's lock is left alone");
    }

    @Test
    void aSymlinkedFileIsWrittenThroughToItsTarget() throws Exception {
        Path target = Files.writeString(
                Files.createDirectories(tmp.resolve("dotfiles")).resolve("gitconfig"), "old\n");
        Path link = Files.createSymbolicLink(tmp.resolve(".gitconfig"), target);
        try (GitLockFile lf = GitLockFile.acquire(link, null)) {
            lf.write(utf8("new\n"));
            lf.commit();
        }
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("new\n", Files.readString(target));
    }
}
