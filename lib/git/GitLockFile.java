package lib.git;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import lib.common.Ending;
import lib.common.StopException;

/**
 * Replaces a file the way git and JGit do, so the three never write over each other: the
 * new content goes into {@code <file>.lock}, created exclusively (its existence is the lock),
 * and is renamed over the file only when complete. A crash leaves the old file, never half a
 * new one. A symlinked file (dotfile managers) is written through to its target, as git does.
 */
public final class GitLockFile implements AutoCloseable {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    final Path file;
    public final Path lock;
    private boolean held;

    private GitLockFile(Path file, Path lock) {
        this.file = file;
        this.lock = lock;
    }

    /**
     * Takes the lock, or stops (FAILED) if another process holds it.
     *
     * @param mode the new file's permissions; null keeps the old file's (or the umask's for a new file)
     */
    public static GitLockFile acquire(Path file, Set<PosixFilePermission> mode) {
        Path target = file;
        try {
            if (Files.isSymbolicLink(file)) target = file.toRealPath();
        } catch (IOException e) {
            throw StopException.failure("cannot follow the symlink " + file + ": " + e.getMessage(), e);
        }
        GitLockFile lf = new GitLockFile(target, target.resolveSibling(target.getFileName() + ".lock"));
        try {
            Files.createFile(lf.lock);
            lf.held = true;
        } catch (FileAlreadyExistsException e) {
            throw new StopException(
                    Ending.FAILED,
                    target + " is locked by another git process (" + lf.lock
                            + " exists). Retry when it has finished; if no git command is running, delete " + lf.lock
                            + " and retry.");
        } catch (IOException e) {
            throw StopException.failure("cannot create " + lf.lock + ": " + e.getMessage(), e);
        }
        try {
            // Set while the lock file is still empty, so a secret is never readable by others.
            Set<PosixFilePermission> perms =
                    mode != null ? mode : Files.exists(target) ? Files.getPosixFilePermissions(target) : null;
            if (perms != null) Files.setPosixFilePermissions(lf.lock, perms);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: permissions are the file system's business.
        } catch (IOException e) {
            lf.close();
            throw StopException.failure("cannot set the permissions of " + lf.lock + ": " + e.getMessage(), e);
        }
        return lf;
    }

    /** Writes the whole new content into the lock file and flushes it to disk. */
    public void write(byte[] content) {
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        } catch (IOException e) {
            throw StopException.failure("cannot write " + lock + ": " + e.getMessage(), e);
        }
    }

    /** Renames the lock file over the file: the one moment the file changes. */
    public void commit() {
        try {
            Files.move(lock, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            held = false;
        } catch (IOException e) {
            throw StopException.failure("cannot replace " + file + ": " + e.getMessage(), e);
        }
    }

    /** Gives the lock up without changing the file (a no-op after {@link #commit()}). */
    @Override
    public void close() {
        if (!held) return;
        held = false;
        try {
            Files.deleteIfExists(lock);
        } catch (IOException ignored) {
            // Nothing more to do: the message that brought us here matters more.
        }
    }
}
