package lib.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --bwlimit} and {@code SYNC_BWLIMIT} (SYNC.md, "Bandwidth"): one limit shared by every
 * transfer thread of a run, counted on the wire, both ways: the request bodies the HTTP client
 * sends and the response bodies it receives. For S3 it sits on the SDK's body streams
 * ({@code BandwidthInterceptor}), not in the HTTP client, so it holds whichever client carries them;
 * a directory target reads through {@link #throttled}.
 *
 * <p>A reservation scheme (each caller books its bytes on a shared timeline and sleeps until they
 * are due) with a credit of {@link #CREDIT_NANOS}: in any window of w seconds at most
 * rate x (w + 2 x 0.01 s) pass (a thread woken late can add a read or so), so a 1-second window
 * stays within 10% of the rate.
 */
public final class BandwidthLimit {
    /** How far the limiter lets a caller run ahead of the timeline (and how much an idle pause saves up). */
    static final long CREDIT_NANOS = 10_000_000L;

    public static final String FORMS = "a rate in bytes per second like 10M, 500k or 1.5G (b, k, M, G, T: bytes,"
            + " KiB, MiB, GiB, TiB; a number alone is KiB, as in rclone), or off";

    private static final Pattern RATE = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,6})?)([bkmgt]?)");
    /** Below this a transfer would crawl for hours; surely a typo for k or M. */
    static final long MIN_RATE = 1024;

    /** How a caller waits for its bytes to be due (a seam: tests give a clock they move). */
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedIOException;
    }

    public final long bytesPerSecond;
    private final int chunk;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private long due = Long.MIN_VALUE; // when the bytes booked so far are paid for, on the clock's scale

    public BandwidthLimit(long bytesPerSecond) {
        this(bytesPerSecond, System::nanoTime, BandwidthLimit::sleep);
    }

    public BandwidthLimit(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
        if (bytesPerSecond < 1) throw new IllegalArgumentException("rate " + bytesPerSecond);
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
        this.sleeper = sleeper;
        // A booking never exceeds the credit, so one large read cannot overshoot the window.
        this.chunk = (int) Math.max(1, Math.min(64 * 1024, bytesPerSecond * CREDIT_NANOS / 1_000_000_000L));
    }

    /**
     * Bytes per second for {@code text} ("10M", "500k", "1.5G", "off"), 0 for off; {@code where}
     * names the source for the error ("--bwlimit", "alice.sync.env: SYNC_BWLIMIT").
     */
    public static long parse(String text, String where) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off")) return 0;
        Matcher m = RATE.matcher(t);
        if (!m.matches()) throw StopException.usage(where + " takes " + FORMS + ", not '" + text + "'");
        int shift = switch (m.group(2)) {
            case "b" -> 0;
            case "", "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 40;
        };
        double rate = Double.parseDouble(m.group(1)) * (1L << shift);
        if (rate < MIN_RATE || rate > Long.MAX_VALUE / 4)
            throw StopException.usage(
                    where + " must be at least 1k (1 KiB per second), not '" + text + "'; it takes " + FORMS);
        return (long) rate;
    }

    /** "10.0 MiB/s", or "off". */
    public static String describe(long bytesPerSecond) {
        return bytesPerSecond <= 0 ? "off" : Units.bytes(bytesPerSecond) + "/s";
    }

    /** Waits until {@code n} more bytes may pass; the wait is booked first, so threads share the rate fairly. */
    public void acquire(long n) throws InterruptedIOException {
        while (n > 0) {
            long part = Math.min(n, chunk), wait;
            n -= part;
            synchronized (this) {
                long now = clock.getAsLong();
                if (due == Long.MIN_VALUE || due < now - CREDIT_NANOS) due = now - CREDIT_NANOS;
                due += part * 1_000_000_000L / bytesPerSecond;
                wait = due - CREDIT_NANOS - now;
            }
            if (wait > 0) sleeper.sleep(wait);
        }
    }

    private static void sleep(long nanos) throws InterruptedIOException {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            try {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the bandwidth limit");
            }
        }
    }

    /** {@code in}, read no faster than the limit (and counted against it, with every other stream). */
    public InputStream throttled(InputStream in) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) acquire(1);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = in.read(buf, off, Math.min(len, chunk));
                if (n > 0) acquire(n);
                return n;
            }

            @Override
            public int available() throws IOException {
                return in.available();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
