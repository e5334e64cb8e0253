import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Transfer.Progress} driven by a clock and an I/O counter the test moves: the plain line
 * with no terminal, nothing with -q, and "waiting for the server" on both outputs.
 */
@Tag("unit")
class ProgressTest {
    static final long S = Transfer.Progress.SECOND;
    final AtomicLong now = new AtomicLong(1_000 * S), io = new AtomicLong(0);
    final StringWriter err = new StringWriter();

    Transfer.Progress progress(boolean terminal, boolean quiet, long total, long totalBytes) {
        Console c = new Console(
                new PrintWriter(new StringWriter()),
                new PrintWriter(err, true),
                new BufferedReader(new StringReader("")),
                terminal,
                false,
                quiet);
        return new Transfer.Progress(
                c,
                total,
                totalBytes,
                now.get(),
                now::get,
                io::get,
                Transfer.Progress.PLAIN_EVERY,
                Transfer.Progress.STALLED_AFTER);
    }

    /** Advances the clock second by second, beating as the timer would. */
    void seconds(Transfer.Progress p, int n) {
        for (int i = 0; i < n; i++) {
            now.addAndGet(S);
            p.beat();
        }
    }

    List<String> lines() {
        return err.toString().lines().toList();
    }

    @Test
    void withNoTerminalAPlainLineEveryTenSecondsWithFilesBytesRateAndEta() {
        Transfer.Progress p = progress(false, false, 4, 400 * 1024 * 1024);
        seconds(p, 9);
        assertEquals(List.of(), lines(), "nothing before 10 s");
        p.tick(100 * 1024 * 1024);
        io.addAndGet(100 * 1024 * 1024);
        seconds(p, 1);
        assertEquals(List.of("  progress: 1/4 files, 100.0 MiB of 400.0 MiB, 10.0 MiB/s, ETA 30 s"), lines());
        p.tick(100 * 1024 * 1024);
        seconds(p, 10);
        assertEquals(2, lines().size(), err::toString);
        assertEquals("  progress: 2/4 files, 200.0 MiB of 400.0 MiB, 10.0 MiB/s, ETA 20 s", lines().get(1));
        assertTrue(lines().stream().noneMatch(l -> l.contains("\r")), "a log gets lines, not a redrawn bar");
    }

    @Test
    void underABandwidthLimitTheLineShowsIt() {
        Transfer.Progress p = progress(false, false, 4, 400 * 1024 * 1024).limited(16 << 20);
        p.tick(100 * 1024 * 1024);
        seconds(p, 10);
        assertEquals(
                List.of("  progress: 1/4 files, 100.0 MiB of 400.0 MiB, 10.0 MiB/s (limit 16.0 MiB/s), ETA 30 s"),
                lines());
    }

    @Test
    void saysItIsWaitingForTheServerWhenNothingMovedForTwentySeconds() {
        Transfer.Progress p = progress(false, false, 2, 2048);
        p.tick(1024);
        seconds(p, 30);
        assertTrue(!lines().get(0).contains("waiting"), "10 s idle is not yet waiting: " + lines().get(0));
        assertEquals(
                "  progress: 1/2 files, 1.0 KiB of 2.0 KiB, 34 B/s, ETA 30 s, waiting for the server: 30 s",
                lines().get(2),
                err::toString);
    }

    @Test
    void processIoCountsAsMovementSoALargeFileInFlightIsNotCalledWaiting() {
        Transfer.Progress p = progress(false, false, 1, 1 << 30);
        for (int i = 0; i < 40; i++) {
            io.addAndGet(1 << 20); // a part's bytes going out, no item finished yet
            seconds(p, 1);
        }
        assertEquals(4, lines().size(), err::toString);
        assertTrue(lines().stream().noneMatch(l -> l.contains("waiting")), err::toString);
    }

    @Test
    void onATerminalTheBarStaysAndShowsTheWaitInPlace() {
        Transfer.Progress p = progress(true, false, 2, 2048);
        seconds(p, 3);
        p.tick(1024);
        assertTrue(err.toString().startsWith("\r  1/2 files"), err::toString);
        seconds(p, 25);
        assertTrue(err.toString().contains("waiting for the server: 21 s"), err::toString);
        assertTrue(err.toString().indexOf('\n') < 0, "redrawn in place, never a new line: " + err);
        p.finish();
        assertTrue(err.toString().endsWith("\r"), "cleared at the end");
    }

    @Test
    void quietPrintsNothingAtAll() {
        Transfer.Progress p = progress(false, true, 2, 2048);
        p.tick(1024);
        seconds(p, 60);
        Transfer.Progress t = progress(true, true, 2, 2048);
        seconds(t, 3);
        t.tick(1024);
        seconds(t, 60);
        assertEquals("", err.toString());
    }

    @Test
    void etaReadsInMinutesAndHours() {
        assertEquals("59 s", Transfer.Progress.duration(59));
        assertEquals("3 min", Transfer.Progress.duration(200));
        assertEquals("2 h 5 min", Transfer.Progress.duration(7500));
    }
}
