import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.Ending;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.report.JsonReport;
import lib.state.SyncState;
import lib.store.DirStore;
import lib.store.Store;
import lib.sync.FailureKind;
import lib.sync.SyncOutcome;
import lib.sync.Transfer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The --json schema (SYNC.md, "JSON output (--json)"), pinned byte for byte: a fixed outcome
 * renders to a fixed string, so a change to field names, order, number format or escaping
 * shows here first. (Written against the hand-made writer JsonReport replaced: the document is
 * the same.)
 */
@Tag("unit")
class JsonReportTest {
    @TempDir
    Path root;

    SyncPlan plan() {
        var created = new LocalTree.LocalFile("exp/data/new \"q\".txt", 4, 10);
        var changed = new LocalTree.LocalFile("exp/data/changed.txt", 5, 20);
        var both = new LocalTree.LocalFile("exp/data/both.txt", 1, 30);
        Map<String, Store.Remote> remote = Map.of(
                "exp/data/changed.txt", new Store.Remote("exp/data/changed.txt", 3, "t1"),
                "exp/data/gone.txt", new Store.Remote("exp/data/gone.txt", 2, "t2"),
                "exp/data/both.txt", new Store.Remote("exp/data/both.txt", 2, "t3"));
        Map<String, SyncState.Entry> state = Map.of(
                "exp/data/changed.txt", new SyncState.Entry(3, 1, "t1", "m1"),
                "exp/data/gone.txt", new SyncState.Entry(2, 1, "t2", "m2"));
        var link = new SyncPlan.Item(
                "exp/data/link\ttab",
                SyncPlan.Action.SKIP,
                new Reason.Skip(Reason.Skip.Kind.SYMLINK),
                false,
                0,
                null,
                null);
        return SyncPlan.build(
                SyncPlan.Direction.UPLOAD,
                Map.of(created.rel(), created, changed.rel(), changed, both.rel(), both),
                remote,
                state,
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()),
                List.of(link),
                new SyncPlan.Options(false, true),
                "dir:/mnt/shared");
    }

    SyncOutcome.Planned planned() throws Exception {
        Files.createDirectories(root.resolve("exp/data"));
        DataDirs dirs = DataDirs.find(root, root, List.of());
        return new SyncOutcome.Planned(
                plan(),
                new DirStore(Path.of("/mnt/shared"), "team/").describe(),
                dirs.root,
                dirs.scopes,
                List.of("z.txt", "notes/"),
                0);
    }

    String planJson() throws Exception {
        return json(new SyncOutcome(List.of(planned()), null, null, true, List.of()));
    }

    String document(Transfer.Result r, SyncOutcome.Refusal refusal) throws Exception {
        return json(new SyncOutcome(List.of(planned()), r, refusal, false, List.of()));
    }

    /** The document as the entry prints it: with the exit code it gives the outcome. */
    static String json(SyncOutcome o) {
        return JsonReport.document(o, LambdaSync.exitCode(o.ending()));
    }

    static final String PLAN = "{\"direction\":\"upload\",\"planId\":\"ID\",\"store\":\"directory /mnt/shared/team\","
            + "\"repo\":\"ROOT\",\"scopes\":[],"
            + "\"totals\":{\"put\":{\"files\":2,\"bytes\":9},\"delete-remote\":{\"files\":1,\"bytes\":0},"
            + "\"conflict\":{\"files\":1,\"bytes\":0},\"skip\":{\"files\":1,\"bytes\":0}},"
            + "\"items\":["
            + "{\"path\":\"exp/data/both.txt\",\"action\":\"conflict\","
            + "\"reason\":\"differs from the bucket's copy, never synced here: upload --force keeps yours (the bucket's goes to"
            + " .lambda-sync/trash/), download --force takes the bucket's (yours goes to .lambda-sync/trash/)\",\"bytes\":0,\"toTrash\":false},"
            + "{\"path\":\"exp/data/changed.txt\",\"action\":\"put\",\"reason\":\"changed here\",\"bytes\":5,\"toTrash\":false},"
            + "{\"path\":\"exp/data/gone.txt\",\"action\":\"delete-remote\",\"reason\":\"deleted here (--delete)\",\"bytes\":0,\"toTrash\":true},"
            + "{\"path\":\"exp/data/link\\ttab\",\"action\":\"skip\",\"reason\":\"symlink, not followed\",\"bytes\":0,\"toTrash\":false},"
            + "{\"path\":\"exp/data/new \\\"q\\\".txt\",\"action\":\"put\",\"reason\":\"new here\",\"bytes\":4,\"toTrash\":false}],"
            + "\"outside\":[\"notes/\",\"z.txt\"],\"bucketEmpty\":false}";

    @Test
    void aFixedPlanRendersToAFixedDocument() throws Exception {
        String json = planJson();
        assertEquals(PLAN.replace("ROOT", root.toString()).replace("ID", plan().id), json);
    }

    @Test
    void theResultIsAppendedWithAStatusPerItemThatChangesSomething() throws Exception {
        String doc = planJson();
        var r = new Transfer.Result(
                1,
                List.of(new Transfer.Failure("exp/data/changed.txt", "disk full", FailureKind.DISK_FULL)),
                4,
                0.5,
                true,
                List.of(new Transfer.Failure(
                        "exp/data/new \"q\".txt",
                        "changed in the bucket since the plan was made",
                        FailureKind.CHANGED)),
                List.of(),
                null,
                0);
        String expected =
                doc.substring(0, doc.length() - 1) + ",\"result\":{\"exitCode\":1,\"done\":1,\"failed\":1,\"bytes\":4,"
                        + "\"seconds\":0.500,\"deletionsSkipped\":true,\"items\":["
                        + "{\"path\":\"exp/data/changed.txt\",\"action\":\"put\",\"status\":\"failed\",\"error\":\"disk full\"},"
                        + "{\"path\":\"exp/data/gone.txt\",\"action\":\"delete-remote\",\"status\":\"not run\"},"
                        + "{\"path\":\"exp/data/new \\\"q\\\".txt\",\"action\":\"put\",\"status\":\"conflict\","
                        + "\"error\":\"changed in the bucket since the plan was made\"}]}}";
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            // A decimal comma (de_DE) must not leak into the document: "0,500" is not JSON.
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals(expected, document(r, null));
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertEquals(
                doc.substring(0, doc.length() - 1) + ",\"result\":{\"exitCode\":3}}",
                document(null, new SyncOutcome.Refusal(Ending.NOT_CONFIRMED, "aborted: nothing changed")),
                "refused before anything ran: the exit code alone");
    }

    @Test
    void secondsAreRoundedToThreeDecimals() throws Exception {
        var r = new Transfer.Result(0, List.of(), 0, 0.0456, false, List.of(), List.of(), null, 0);
        assertTrue(document(r, null).contains(",\"seconds\":0.046,"));
    }

    @Test
    void statusIsBothPlansUnderPlans() throws Exception {
        SyncOutcome.Planned p = planned();
        String one = planJson();
        assertEquals("{\"plans\":[" + one + "," + one + "]}", json(SyncOutcome.status(List.of(p, p))));
    }
}
