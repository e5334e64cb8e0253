package lib.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import lib.common.BandwidthLimit;
import lib.common.Console;
import lib.common.Units;
import lib.store.BytesMoved;

/**
 * Where a run stands, on stderr. On a terminal: a line redrawn in place, once the run has
 * taken more than two seconds. With no terminal (nohup, a CI log, an agent's shell): a plain
 * line every 10 s, which a log keeps. With -q: nothing. Both say when nothing has moved for
 * a while, so a silent server is told from a slow one (SYNC.md, "Progress"). Bytes count as
 * they go ({@link BytesMoved}: parts, ranges, a single PUT's body as it is sent), and when a
 * file is done (a store that does not stream them, a resumed file's parts already there). The
 * clock and the counters are values, for tests; {@link #beat} is what the timer calls each second.
 */
public final class Progress {
    public static final long SECOND = 1_000_000_000L;
    /** A plain line this often; "waiting for the server" once nothing moved for this long. */
    public static final long PLAIN_EVERY = 10 * SECOND, STALLED_AFTER = 20 * SECOND;
    /** Below this much process I/O between two beats, nothing moved (our own progress lines are ~100 B). */
    static final long IO_MOVED = 64 * 1024;

    private final Console console;
    private final long total, totalBytes, start, plainEvery, stalledAfter;
    private final LongSupplier clock, io, streamed;
    private final AtomicLong count = new AtomicLong(), bytes = new AtomicLong();
    private final long streamedAtStart;
    private volatile long lastPrint, lastPlain, lastMove, lastIo, lastStreamed;
    private volatile boolean printed, finished;
    private Thread timer;
    private long limit;

    Progress(Console console, long total, long totalBytes, long start) {
        this(
                console,
                total,
                totalBytes,
                start,
                System::nanoTime,
                Progress::processIo,
                BytesMoved::total,
                PLAIN_EVERY,
                STALLED_AFTER);
    }

    /**
     * @param io bytes this process has read and written so far (files and sockets alike), or -1 where unknown
     * @param streamed data bytes sent and received so far, as they go ({@link BytesMoved#total})
     */
    public Progress(
            Console console,
            long total,
            long totalBytes,
            long start,
            LongSupplier clock,
            LongSupplier io,
            LongSupplier streamed,
            long plainEvery,
            long stalledAfter) {
        this.console = console;
        this.total = total;
        this.totalBytes = totalBytes;
        this.start = start;
        this.clock = clock;
        this.io = io;
        this.plainEvery = plainEvery;
        this.stalledAfter = stalledAfter;
        this.lastPrint = this.lastPlain = this.lastMove = start;
        this.lastIo = io.getAsLong();
        this.streamed = streamed;
        this.streamedAtStart = this.lastStreamed = streamed.getAsLong();
    }

    /** Bytes moved so far: as they went, or as files finished, whichever says more; never beyond the total. */
    public long bytes() {
        return Math.min(totalBytes, Math.max(bytes.get(), streamed.getAsLong() - streamedAtStart));
    }

    /** Shows the bandwidth limit beside the rate (bytes per second; 0: none). */
    public Progress limited(long bytesPerSecond) {
        this.limit = bytesPerSecond;
        return this;
    }

    /** Starts the timer that calls {@link #beat} every second (nothing to do with -q). */
    Progress start() {
        if (console.quiet) return this;
        timer = new Thread(
                () -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            Thread.sleep(1000);
                            beat();
                        }
                    } catch (InterruptedException done) {
                        // finish() stops it
                    }
                },
                "progress");
        timer.setDaemon(true);
        timer.start();
        return this;
    }

    /** An item finished with {@code b} bytes. */
    public void tick(long b) {
        long n = count.incrementAndGet(), now = clock.getAsLong();
        bytes.addAndGet(b);
        lastMove = now;
        if (!console.interactive() || console.quiet || now - start < 2 * SECOND || now - lastPrint < SECOND / 2) return;
        lastPrint = now;
        bar(n, bytes(), now, "");
    }

    /**
     * Once a second: on a terminal the line redrawn (bytes move within a file), with no terminal
     * the plain line when it is due; on either, whether the run is waiting.
     */
    public void beat() {
        long now = clock.getAsLong(), x = io.getAsLong(), y = streamed.getAsLong();
        // A large file's parts moving count, though no item finished (under a bandwidth limit of a
        // few KiB/s, what 5 s of it moves: 64 KiB would take longer than "waiting" allows).
        long moved = limit > 0 ? Math.min(IO_MOVED, 5 * limit) : IO_MOVED;
        if ((x >= 0 && x - lastIo >= moved) || y > lastStreamed) {
            lastIo = x;
            lastStreamed = y;
            lastMove = now;
        }
        if (console.quiet || finished) return;
        long idle = now - lastMove;
        String waiting = idle >= stalledAfter ? ", waiting for the server: " + idle / SECOND + " s" : "";
        if (console.interactive()) {
            if (now - start >= 2 * SECOND) bar(count.get(), bytes(), now, waiting);
        } else if (now - lastPlain >= plainEvery) {
            lastPlain = now;
            synchronized (console.err) {
                console.err.println("  progress: " + line(count.get(), bytes(), now) + waiting);
                console.err.flush();
            }
        }
    }

    /** "12/40 files, 1.2 GiB of 3.0 GiB, 45.0 MiB/s, ETA 40 s" */
    String line(long n, long sum, long now) {
        double s = Math.max(now - start, 1) / (double) SECOND;
        long rate = (long) (sum / s);
        String eta =
                rate > 0 && totalBytes > sum ? ", ETA " + duration((long) ((totalBytes - sum) / (double) rate)) : "";
        return n + "/" + total + " files, " + Units.bytes(sum) + " of " + Units.bytes(totalBytes) + ", "
                + Units.bytes(rate) + "/s" + (limit > 0 ? " (limit " + BandwidthLimit.describe(limit) + ")" : "")
                + eta;
    }

    private void bar(long n, long sum, long now, String waiting) {
        printed = true;
        synchronized (console.err) {
            console.err.print("\r  " + line(n, sum, now) + waiting + "   ");
            console.err.flush();
        }
    }

    public static String duration(long seconds) {
        if (seconds < 120) return seconds + " s";
        if (seconds < 7200) return seconds / 60 + " min";
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }

    /** rchar + wchar of /proc/self/io (Linux): socket and file I/O alike; -1 elsewhere. */
    static long processIo() {
        try {
            long n = 0;
            for (String l : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (l.startsWith("rchar:") || l.startsWith("wchar:"))
                    n += Long.parseLong(l.substring(6).trim());
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public void finish() {
        finished = true;
        if (timer != null) timer.interrupt();
        if (printed) {
            printed = false;
            synchronized (console.err) {
                console.err.print("\r" + " ".repeat(100) + "\r");
                console.err.flush();
            }
        }
    }
}
