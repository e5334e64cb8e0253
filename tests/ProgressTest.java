import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import lib.common.Console;
import lib.sync.Progress;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Progress} driven by a clock, an I/O counter and a bytes-moved counter the test moves:
 * the plain line with no terminal, nothing with -q, "waiting for the server" on both outputs,
 * and bytes counted while a file is in flight (ProgressInFlightTest: the counter on a real server).
 */
@Tag("unit")
class ProgressTest {
    static final long S = Progress.SECOND;
    final AtomicLong now = new AtomicLong(1_000 * S), io = new AtomicLong(0), moved = new AtomicLong(7);
    final StringWriter err = new StringWriter();

    Progress progress(boolean terminal, boolean quiet, long total, long totalBytes) {
        Console c = new Console(
                new PrintWriter(new StringWriter()),
                new PrintWriter(err, true),
                new BufferedReader(new StringReader("")),
                terminal,
                false,
                quiet);
        return new Progress(
                c,
                total,
                totalBytes,
                now.get(),
                now::get,
                io::get,
                moved::get,
                Progress.PLAIN_EVERY,
                Progress.STALLED_AFTER);
    }

    /** Advances the clock second by second, beating as the timer would. */
    void seconds(Progress p, int n) {
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
        Progress p = progress(false, false, 4, 400 * 1024 * 1024);
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
        Progress p = progress(false, false, 4, 400 * 1024 * 1024).limited(16 << 20);
        p.tick(100 * 1024 * 1024);
        seconds(p, 10);
        assertEquals(
                List.of("  progress: 1/4 files, 100.0 MiB of 400.0 MiB, 10.0 MiB/s (limit 16.0 MiB/s), ETA 30 s"),
                lines());
    }

    @Test
    void saysItIsWaitingForTheServerWhenNothingMovedForTwentySeconds() {
        Progress p = progress(false, false, 2, 2048);
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
        Progress p = progress(false, false, 1, 1 << 30);
        for (int i = 0; i < 40; i++) {
            io.addAndGet(1 << 20); // a part's bytes going out, no item finished yet
            seconds(p, 1);
        }
        assertEquals(4, lines().size(), err::toString);
        assertTrue(lines().stream().noneMatch(l -> l.contains("waiting")), err::toString);
    }

    @Test
    void onATerminalTheBarStaysAndShowsTheWaitInPlace() {
        Progress p = progress(true, false, 2, 2048);
        seconds(p, 1);
        assertEquals("", err.toString(), "nothing in the first 2 s");
        seconds(p, 2);
        p.tick(1024);
        assertTrue(err.toString().startsWith("\r  0/2 files, 0 B of 2.0 KiB"), err::toString);
        assertTrue(err.toString().contains("\r  1/2 files"), err::toString);
        seconds(p, 25);
        assertTrue(err.toString().contains("waiting for the server: 21 s"), err::toString);
        assertTrue(err.toString().indexOf('\n') < 0, "redrawn in place, never a new line: " + err);
        p.finish();
        assertTrue(err.toString().endsWith("\r"), "cleared at the end");
    }

    @Test
    void quietPrintsNothingAtAll() {
        Progress p = progress(false, true, 2, 2048);
        p.tick(1024);
        seconds(p, 60);
        Progress t = progress(true, true, 2, 2048);
        seconds(t, 3);
        t.tick(1024);
        seconds(t, 60);
        assertEquals("", err.toString());
    }

    /** Issue 21.4: a 5 GiB upload shows its bytes while they go, not "0 B of 5.0 GiB" until it is done. */
    @Test
    void bytesCountAsTheyAreSentNotOnlyWhenAFileIsDone() {
        Progress p = progress(false, false, 1, 5L << 30);
        for (int i = 0; i < 10; i++) {
            moved.addAndGet(100 << 20); // a part's (or a single PUT's) bytes read by the HTTP client
            seconds(p, 1);
        }
        assertEquals(List.of("  progress: 0/1 files, 1000.0 MiB of 5.0 GiB, 100.0 MiB/s, ETA 41 s"), lines());
    }

    @Test
    void onATerminalTheBarMovesWithTheBytesOfAFileInFlight() {
        Progress p = progress(true, false, 1, 1 << 30);
        for (int i = 0; i < 4; i++) {
            moved.addAndGet(64 << 20);
            seconds(p, 1);
        }
        assertTrue(
                err.toString().endsWith("\r  0/1 files, 256.0 MiB of 1.0 GiB, 64.0 MiB/s, ETA 12 s   "), err::toString);
    }

    @Test
    void aRetriedBodyNeverTakesTheFigureBeyondTheTotalAndPartsAlreadyThereCountWhenTheFileIsDone() {
        Progress p = progress(false, false, 2, 2048);
        moved.addAndGet(3000); // a body sent twice
        assertEquals(2048, p.bytes());
        Progress q = progress(false, false, 1, 1 << 30);
        moved.addAndGet(1 << 20); // a resumed upload: only the last part went
        q.tick(1 << 30);
        assertEquals(1 << 30, q.bytes());
    }

    @Test
    void etaReadsInMinutesAndHours() {
        assertEquals("59 s", Progress.duration(59));
        assertEquals("3 min", Progress.duration(200));
        assertEquals("2 h 5 min", Progress.duration(7500));
    }
}
