import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.Ending;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.plan.SyncPlan;
import lib.store.Store;
import lib.sync.FailureKind;
import lib.sync.SyncOutcome;
import lib.sync.Transfer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The exit code as a function of the outcome value (SYNC.md, "Exit codes"), without a server. */
@Tag("unit")
class SyncOutcomeTest {
    static final LocalTree.LocalFile F = new LocalTree.LocalFile("exp/data/f.txt", 4, 1_700_000_000_000L);
    static final DataDirs.Note AT_ROOT = new DataDirs.Note(DataDirs.Why.AT_ROOT, "data", "data/ is not synced");

    static SyncOutcome.Planned planned(Map<String, Store.Remote> remote) {
        SyncPlan plan = SyncPlan.build(
                SyncPlan.Direction.UPLOAD,
                Map.of(F.rel(), F),
                remote,
                Map.of(),
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()),
                List.of(),
                new SyncPlan.Options(false, false),
                "dir:/b");
        return new SyncOutcome.Planned(plan, "directory /b", Path.of("/r"), List.of(), List.of(), 0);
    }

    static Transfer.Result result(
            List<Transfer.Failure> failures, List<Transfer.Failure> conflicts, Transfer.Interrupted stop) {
        return new Transfer.Result(1, failures, 4, 0.1, false, conflicts, List.of(), stop, 0);
    }

    static int code(Transfer.Result r, SyncOutcome.Refusal refusal, List<DataDirs.Note> unsynced) {
        return LambdaSync.exitCode(new SyncOutcome(List.of(planned(Map.of())), r, refusal, false, unsynced).ending());
    }

    static final Transfer.Failure FAILED = new Transfer.Failure(F.rel(), "connection reset", FailureKind.TRANSIENT);

    @Test
    void aCleanRunExits0() {
        assertEquals(0, code(result(List.of(), List.of(), null), null, List.of()));
    }

    @Test
    void aFailedItemExits1EvenWithAnUnsyncedFolder() {
        assertEquals(1, code(result(List.of(FAILED), List.of(), null), null, List.of(AT_ROOT)));
    }

    @Test
    void aLostRaceOrAnUnsyncedFolderExits4() {
        assertEquals(4, code(result(List.of(), List.of(FAILED), null), null, List.of()));
        assertEquals(4, code(result(List.of(), List.of(), null), null, List.of(AT_ROOT)));
    }

    @Test
    void aConflictLeftInThePlanExits4() {
        SyncOutcome.Planned conflict = planned(Map.of(F.rel(), new Store.Remote(F.rel(), 5, "etag")));
        assertEquals(4, LambdaSync.exitCode(new SyncOutcome(List.of(conflict), null, null, false, List.of()).ending()));
        assertEquals(
                0,
                LambdaSync.exitCode(new SyncOutcome(List.of(conflict), null, null, true, List.of()).ending()),
                "a dry run exits 0");
    }

    @Test
    void anInterruptExits130AndARefusalItsOwnCode() {
        assertEquals(
                130,
                code(
                        result(List.of(FAILED), List.of(), new Transfer.Interrupted(3, Set.of(F.rel()))),
                        null,
                        List.of()));
        assertEquals(
                3,
                code(
                        null,
                        new SyncOutcome.Refusal(Ending.NOT_CONFIRMED, "aborted: nothing changed"),
                        List.of(AT_ROOT)));
    }
}
