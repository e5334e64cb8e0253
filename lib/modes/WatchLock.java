package lib.modes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import lib.common.Ending;
import lib.common.StopException;
import lib.state.StateDir;

/**
 * One watch per repo (SYNC.md, "Autosave: watch"): two would send the same files twice and
 * each read the other's lock waits as failures. {@code .lambda-sync/watch.lock} is locked by the
 * operating system for the watch's whole life (let go however the process ends) and names its
 * pid. Separate from the repo lock, which a watch holds only while it sends.
 */
final class WatchLock implements AutoCloseable {

    private final FileChannel channel;

    private WatchLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Takes the lock, or stops (FAILED) naming the watch that holds it. */
    static WatchLock acquire(Path root) {
        Path file = StateDir.watchLock(root);
        FileChannel ch = null;
        try {
            StateDir.create(root);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            String holder = read(ch);
            if (!locked(ch, holder)) {
                ch.close();
                throw new StopException(
                        Ending.FAILED,
                        "another watch (" + (holder.isEmpty() ? "starting" : "pid " + holder)
                                + ") is already watching this repo; one is enough (to start this one instead, stop"
                                + " that one first" + (holder.isEmpty() ? "" : ": kill " + holder) + ")");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new WatchLock(ch);
        } catch (IOException e) {
            close(ch);
            throw StopException.failure("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The OS lock; where the file system has none (some NFS mounts), the pid it names must not be running. */
    private static boolean locked(FileChannel ch, String holder) {
        try {
            return ch.tryLock() != null;
        } catch (OverlappingFileLockException heldInThisJvm) {
            return false;
        } catch (IOException unsupported) {
            try {
                return ProcessHandle.of(Long.parseLong(holder))
                        .map(h -> !h.isAlive())
                        .orElse(true);
            } catch (NumberFormatException empty) {
                return true;
            }
        }
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
        } catch (IOException ignored) {
            // the OS lock goes with the channel anyway
        }
        close(channel);
    }

    private static void close(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
