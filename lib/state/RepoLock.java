package lib.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import lib.common.Console;
import lib.common.Ending;
import lib.common.StopException;
import lib.common.WorkerPool;

/**
 * One sync per repo at a time. {@code .lambda-sync/lock} is locked by the operating system
 * (a lock on the open file, which it drops when the process dies, so two runs can never both
 * hold it: there is no check-then-delete) and says who holds it: "pid host". It is emptied,
 * not deleted, on release (a deleted lock file lets a late opener lock a file nobody else sees).
 *
 * <p>Where file locks do not reach across machines (a repo on an NFS mount without locking), the
 * content still stops a second machine: the holder refreshes the file's modification time every
 * {@link #REFRESH}, and another host treats the lock as stale only when it has not been
 * refreshed for {@link #OTHER_HOST_STALE}. On this host, a holder's PID is simply checked.
 */
public final class RepoLock implements AutoCloseable {
    static final Duration REFRESH = Duration.ofSeconds(30);
    static final Duration OTHER_HOST_STALE = Duration.ofMinutes(10);

    /** Who holds (or last held) the lock, as its file says; an old file without a host is this host's. */
    record Holder(long pid, String host) {
        static Holder parse(String text, String thisHost) {
            String[] f = text.strip().split("\\s+", 2);
            if (f[0].isEmpty()) return null;
            try {
                return new Holder(Long.parseLong(f[0]), f.length > 1 ? f[1] : thisHost);
            } catch (NumberFormatException e) {
                return new Holder(-1, thisHost);
            }
        }

        String who(String thisHost) {
            return "pid " + pid + (host.equals(thisHost) ? "" : " on host " + host);
        }
    }

    private final Path file;
    private final FileChannel channel; // holds the OS lock until closed
    private final ScheduledExecutorService refresher;

    private RepoLock(Path file, FileChannel channel, Duration refresh) {
        this.file = file;
        this.channel = channel;
        this.refresher = Executors.newSingleThreadScheduledExecutor(WorkerPool.daemon("lock-refresh"));
        refresher.scheduleAtFixedRate(this::refresh, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static RepoLock acquire(Path root, Console console) {
        return acquire(root, console, REFRESH);
    }

    /** @param refresh how often the holder touches the file (a test makes it short) */
    public static RepoLock acquire(Path root, Console console, Duration refresh) {
        Path file = StateDir.lock(root);
        String host = hostName();
        long me = ProcessHandle.current().pid();
        FileChannel ch = null;
        try {
            StateDir.create(root);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean locked = tryLock(ch, console);
            Holder held = Holder.parse(read(ch), host);
            if (!locked) throw busy(file, held, host, "");
            if (held != null && held.host().equals(host)) takeOverOnThisHost(file, held, host, me, console);
            else if (held != null) takeOverFromOtherHost(file, held, host, console);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((me + " " + host + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new RepoLock(file, ch, refresh);
        } catch (IOException e) {
            closeQuietly(ch);
            throw StopException.failure("cannot write " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** The OS lock; where the file system has none, the lock file's content alone guards. */
    private static boolean tryLock(FileChannel ch, Console console) throws IOException {
        try {
            return ch.tryLock() != null;
        } catch (OverlappingFileLockException heldInThisJvm) {
            return false;
        } catch (IOException unsupported) {
            // Some network file systems refuse file locks (ENOLCK): the content below still guards.
            console.warn("this file system does not support file locks (" + unsupported.getMessage()
                    + "); relying on the lock file's content");
            return true;
        }
    }

    /** The file names a process here that holds no OS lock: take over unless it is a live lambda-sync. */
    private static void takeOverOnThisHost(Path file, Holder held, String host, long me, Console console) {
        ProcessHandle p = held.pid() > 0 && held.pid() != me
                ? ProcessHandle.of(held.pid()).filter(ProcessHandle::isAlive).orElse(null)
                : null;
        // A live lambda-sync that holds no file lock: a run of an older version.
        if (p != null && mayBeLambdaSync(p)) throw busy(file, held, host, "");
        String was = held.pid() <= 0
                ? "an unreadable lock file"
                : p == null
                        ? "pid " + held.pid() + ", which is no longer running"
                        : "pid " + held.pid() + ", which is now another program (" + commandName(p) + ")";
        console.warn("taking over a stale lock from " + was);
    }

    private static String commandName(ProcessHandle p) {
        return p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
    }

    /** Another machine's lock (a shared file system) is stale only once it stops being refreshed. */
    private static void takeOverFromOtherHost(Path file, Holder held, String host, Console console) throws IOException {
        Duration age = Duration.ofMillis(
                System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis());
        if (age.compareTo(OTHER_HOST_STALE) < 0) {
            throw busy(
                    file,
                    held,
                    host,
                    ", refreshed " + age.toSeconds() + " s ago; a lock another machine stops refreshing"
                            + " counts as stale after " + OTHER_HOST_STALE.toMinutes() + " min");
        }
        console.warn("taking over a lock from " + held.who(host) + ", not refreshed for " + age.toMinutes() + " min");
    }

    /** The lock is held by another run: a wait, not a failure, for a caller that tries again (watch). */
    @SuppressWarnings("serial")
    public // never serialized: a failure lives and dies within one run
    static final class Busy extends StopException {
        /** Who holds it: "pid 123", "pid 123 on host b", or "starting". */
        public final String holder;

        Busy(String message, String holder) {
            super(Ending.FAILED, message);
            this.holder = holder;
        }
    }

    /**
     * Whether a live process may be a lambda-sync run: its command line names the tool (java
     * running LambdaSync, or JBang running lambda-sync.java). A pid reused by another program
     * after a reboot is not one; a command line we may not read is taken as one (to be safe).
     */
    static boolean mayBeLambdaSync(ProcessHandle p) {
        return p.info()
                .commandLine()
                .map(c -> c.contains("LambdaSync") || c.contains("lambda-sync"))
                .orElse(true);
    }

    private static StopException busy(Path file, Holder held, String host, String detail) {
        String who = held == null ? "starting" : held.who(host);
        return new Busy(
                "another lambda-sync (" + who + ") is syncing this repo" + detail
                        + "; wait for it to finish (or, if it is not running, remove " + file + ")",
                who);
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(256);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** This machine's name as the kernel has it (no DNS lookup, which can hang on a misconfigured instance). */
    public static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "unknown-host";
            }
        }
    }

    /** Tells other machines the holder is alive (see the class comment). */
    private void refresh() {
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException ignored) {
            // the next refresh tries again
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            channel.truncate(0); // released: the next run takes it without a warning
        } catch (IOException ignored) {
            // a leftover "pid host" is detected as stale next time
        }
        closeQuietly(channel); // closing the channel releases the OS lock
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
