import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The --json schema (SYNC.md, "For agents and scripts: --json"), pinned byte for byte: a fixed
 * plan and result render to a fixed string, so a change to field names, order or escaping
 * shows here first.
 */
@Tag("unit")
class PlanJsonTest {
    @TempDir Path root;

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
        var link = new SyncPlan.Item("exp/data/link\ttab", SyncPlan.Action.SKIP, new Reason.Skip(Reason.Skip.Kind.SYMLINK), false, 0, null, null);
        return SyncPlan.build(SyncPlan.Direction.UPLOAD, Map.of(created.rel(), created, changed.rel(), changed, both.rel(), both), remote, state,
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()), List.of(link), new SyncPlan.Options(false, true), "dir:/mnt/shared");
    }

    String planJson() throws Exception {
        Files.createDirectories(root.resolve("exp/data"));
        DataDirs dirs = DataDirs.find(root, root, List.of());
        return PlanJson.plan(plan(), new DirStore(Path.of("/mnt/shared"), "team/"), dirs, List.of("z.txt", "notes/"));
    }

    static final String PLAN = "{\"direction\":\"upload\",\"planId\":\"ID\",\"store\":\"directory /mnt/shared/team\","
            + "\"repo\":\"ROOT\",\"scopes\":[],"
            + "\"totals\":{\"put\":{\"files\":2,\"bytes\":9},\"delete-remote\":{\"files\":1,\"bytes\":0},"
            + "\"conflict\":{\"files\":1,\"bytes\":0},\"skip\":{\"files\":1,\"bytes\":0}},"
            + "\"items\":["
            + "{\"path\":\"exp/data/both.txt\",\"action\":\"conflict\","
            + "\"reason\":\"differs from the bucket and was never synced here: download first, or --force\",\"bytes\":0,\"toTrash\":false},"
            + "{\"path\":\"exp/data/changed.txt\",\"action\":\"put\",\"reason\":\"changed here\",\"bytes\":5,\"toTrash\":false},"
            + "{\"path\":\"exp/data/gone.txt\",\"action\":\"delete-remote\",\"reason\":\"deleted here (--delete)\",\"bytes\":0,\"toTrash\":true},"
            + "{\"path\":\"exp/data/link\\ttab\",\"action\":\"skip\",\"reason\":\"symlink, not followed\",\"bytes\":0,\"toTrash\":false},"
            + "{\"path\":\"exp/data/new \\\"q\\\".txt\",\"action\":\"put\",\"reason\":\"new here\",\"bytes\":4,\"toTrash\":false}],"
            + "\"outside\":[\"notes/\",\"z.txt\"]}";

    @Test
    void aFixedPlanRendersToAFixedDocument() throws Exception {
        String json = planJson();
        assertEquals(PLAN.replace("ROOT", root.toString()).replace("ID", plan().id), json);
    }

    @Test
    void theResultIsAppendedWithAStatusPerItemThatChangesSomething() throws Exception {
        String doc = planJson();
        SyncPlan plan = plan();
        var r = new Transfer.Result(1, List.of(new Transfer.Failure("exp/data/changed.txt", "disk full")), 4, 0.5, true,
                List.of(new Transfer.Failure("exp/data/new \"q\".txt", "changed in the bucket since the plan was made")), List.of(), null);
        String expected = doc.substring(0, doc.length() - 1) + ",\"result\":{\"exitCode\":1,\"done\":1,\"failed\":1,\"bytes\":4,"
                + "\"seconds\":0.500,\"deletionsSkipped\":true,\"items\":["
                + "{\"path\":\"exp/data/changed.txt\",\"action\":\"put\",\"status\":\"failed\",\"error\":\"disk full\"},"
                + "{\"path\":\"exp/data/gone.txt\",\"action\":\"delete-remote\",\"status\":\"not run\"},"
                + "{\"path\":\"exp/data/new \\\"q\\\".txt\",\"action\":\"put\",\"status\":\"conflict\","
                + "\"error\":\"changed in the bucket since the plan was made\"}]}}";
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            // A decimal comma (de_DE) must not leak into the document: "0,500" is not JSON.
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals(expected, PlanJson.result(doc, plan, r, 1));
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertEquals(doc.substring(0, doc.length() - 1) + ",\"result\":{\"exitCode\":3}}", PlanJson.result(doc, plan, null, 3),
                "refused before anything ran: the exit code alone");
    }
}
