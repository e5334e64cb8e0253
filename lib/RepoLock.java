import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One sync per repo at a time: {@code .lambda-sync/lock} holds the owner's PID. A lock whose
 * process is gone (killed, machine rebooted) is stale and taken over with a warning.
 */
final class RepoLock implements AutoCloseable {
    private final Path file;

    private RepoLock(Path file) {
        this.file = file;
    }

    static RepoLock acquire(Path root, Console console) {
        Path file = SyncState.dir(root).resolve("lock");
        long me = ProcessHandle.current().pid();
        try {
            Files.createDirectories(file.getParent());
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Files.writeString(file, me + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    return new RepoLock(file);
                } catch (FileAlreadyExistsException held) {
                    long pid = readPid(file);
                    if (pid > 0 && pid != me && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        throw new ExitException(ExitException.FAILURE, "another lambda-sync (pid " + pid + ") is syncing this repo;"
                                + " wait for it to finish (or, if it is not running, remove " + file + ")");
                    }
                    console.warn("taking over a stale lock from " + (pid > 0 ? "pid " + pid + ", which is no longer running" : "an unreadable lock file"));
                    Files.deleteIfExists(file);
                }
            }
            throw new ExitException(ExitException.FAILURE, "could not take the lock " + file + "; try again");
        } catch (IOException e) {
            throw ExitException.failure("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover lock is detected as stale next time
        }
    }
}
