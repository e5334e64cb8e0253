import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Set;
import lib.report.TextReport;
import lib.store.StoreException;
import lib.sync.FailureKind;
import lib.sync.Transfer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * "Run the same command again" only where it helps (SYNC.md, "When things go wrong"): a failure's
 * kind comes from its type, and a failure that repeats on every run gets its cause and fix.
 */
@Tag("unit")
class FailureAdviceTest {
    static StoreException store(StoreException.Kind kind) {
        return new StoreException(kind, "exp/data/x: the server answered something");
    }

    @Test
    void theKindComesFromTheFailuresType() {
        assertEquals(FailureKind.TRANSIENT, FailureKind.of(store(StoreException.Kind.UNREACHABLE)));
        assertEquals(FailureKind.TRANSIENT, FailureKind.of(store(StoreException.Kind.CORRUPTED)));
        assertEquals(FailureKind.SERVER_ERROR, FailureKind.of(store(StoreException.Kind.SERVER_ERROR)));
        assertEquals(FailureKind.TRANSIENT, FailureKind.of(store(StoreException.Kind.THROTTLED)));
        assertEquals(FailureKind.REFUSED, FailureKind.of(store(StoreException.Kind.REFUSED)));
        assertEquals(FailureKind.STORE_SETUP, FailureKind.of(store(StoreException.Kind.AUTH)));
        assertEquals(FailureKind.CHANGED, FailureKind.of(store(StoreException.Kind.CHANGED_WHILE_UPLOADING)));
        assertEquals(FailureKind.PERMISSION, FailureKind.of(new AccessDeniedException("/r/exp/data/x")));
        assertEquals(
                FailureKind.DISK_FULL,
                FailureKind.of(new Transfer.DiskFullException(new IOException("No space left on device"))));
        assertEquals(
                FailureKind.IN_THE_WAY,
                FailureKind.of(new Transfer.InTheWayException("not sent: exp/data/k is in its way")));
        // The words do not decide: a plain I/O error that merely mentions the network is not taken for one.
        assertEquals(FailureKind.OTHER, FailureKind.of(new IOException("Connection reset")));
    }

    @Test
    void onlyTransientFailuresAreSentRoundAgain() {
        assertEquals(
                "2 item(s) did not finish; run the same command again to finish the job",
                TextReport.lastLine(2, Set.of(FailureKind.TRANSIENT, FailureKind.CHANGED)));
        for (FailureKind k :
                Set.of(FailureKind.REFUSED, FailureKind.PERMISSION, FailureKind.IN_THE_WAY, FailureKind.DISK_FULL)) {
            String last = TextReport.lastLine(1, Set.of(k));
            assertFalse(last.contains("run the same command again to finish"), last);
            assertTrue(last.contains("fix what is said above first"), last);
        }
        assertEquals(
                "3 item(s) did not finish; fix what is said above, then run the same command again to finish the job",
                TextReport.lastLine(3, Set.of(FailureKind.TRANSIENT, FailureKind.REFUSED)));
    }

    @Test
    void anInterruptAfterTheLastItemDoesNotAskToRunAgain() {
        var all = new Transfer.Result(
                23,
                java.util.List.of(),
                4,
                0.1,
                false,
                java.util.List.of(),
                java.util.List.of(),
                new Transfer.Interrupted(23, Set.of()),
                0);
        assertEquals("interrupted: all 23 done; nothing left to run", TextReport.interruptedLine(all));
        var some = new Transfer.Result(
                20,
                java.util.List.of(),
                4,
                0.1,
                false,
                java.util.List.of(),
                java.util.List.of(),
                new Transfer.Interrupted(23, Set.of("exp/data/a", "exp/data/b", "exp/data/c")),
                0);
        assertEquals("interrupted: 20 of 23 done; run again to finish", TextReport.interruptedLine(some));
    }

    @Test
    void eachRepeatingCauseNamesItsFix() {
        assertTrue(TextReport.advice(FailureKind.REFUSED, 1).startsWith("1 file refused by the server for good"));
        assertTrue(TextReport.advice(FailureKind.REFUSED, 1).endsWith("rename them, or exclude them in .syncignore"));
        assertTrue(TextReport.advice(FailureKind.PERMISSION, 2)
                .contains("2 files could not be read or written here (permission denied)"));
        assertTrue(TextReport.advice(FailureKind.DISK_FULL, 1).contains("df -h ."));
        assertTrue(TextReport.advice(FailureKind.IN_THE_WAY, 1).contains("move it away"));
    }
}
