import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lib.common.Console;
import lib.local.LocalTree;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.store.Store;
import lib.sync.DeletionGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one gate every destructive act passes (SYNC.md, "Deletion" and "The trash"): deletions
 * here and in the bucket count against one policy and stop at its count; a dry run destroys
 * nothing on either side. The far side is a {@link MemoryStore} (no bucket trash: its copies are
 * downloaded into the local trash).
 */
@Tag("unit")
class DeletionGateTest {
    @TempDir
    Path root;

    final MemoryStore bucket = new MemoryStore();
    final Console console = new Console(
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()),
            new BufferedReader(new StringReader("")),
            false,
            false,
            true);

    DeletionGate gate(DeletionGate.Policy policy) {
        return new DeletionGate(root, bucket, console, policy, ConcurrentHashMap.newKeySet());
    }

    SyncPlan.Item here(String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return new SyncPlan.Item(
                rel,
                SyncPlan.Action.DELETE_LOCAL,
                Reason.Rule.DELETED_AT_SOURCE_PASSED_ON,
                true,
                0,
                LocalTree.stat(root, rel),
                null);
    }

    SyncPlan.Item inBucket(String rel, String text) {
        bucket.put(rel, text);
        Store.Remote r = new Store.Remote(rel, text.length(), (String) bucket.version(rel));
        return new SyncPlan.Item(
                rel, SyncPlan.Action.DELETE_REMOTE, Reason.Rule.DELETED_AT_SOURCE_PASSED_ON, true, 0, null, r);
    }

    @Test
    void thePolicyIsTheDeletionBoundOrMaxDeleteWhereThatIsMore() {
        assertEquals(50, DeletionGate.Policy.of(1000, null, false).deletions());
        assertEquals(50, DeletionGate.Policy.of(9, null, false).deletions(), "a side under 10: only the 50");
        assertEquals(5, DeletionGate.Policy.of(10, null, false).deletions(), "half of a side of 10");
        assertEquals(5, DeletionGate.Policy.of(11, null, false).deletions());
        assertEquals(5, DeletionGate.Policy.of(10, 3, false).deletions(), "--max-delete never lowers the bound");
        assertEquals(60, DeletionGate.Policy.of(1000, 60, false).deletions());
    }

    @Test
    void refusesTheDeletionsPastItsCountHereAndInTheBucketAlike() throws IOException {
        SyncPlan.Item a = here("exp/data/a.txt", "a\n"), b = here("exp/data/b.txt", "b\n");
        SyncPlan.Item x = inBucket("exp/data/x.txt", "x\n"), y = inBucket("exp/data/y.txt", "y\n");
        DeletionGate gate = gate(new DeletionGate.Policy(2, "--max-delete", false));

        gate.deleteLocal(a);
        gate.deleteInStore(x);
        var here = assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteLocal(b));
        var there = assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteInStore(y));

        assertEquals("not deleted: this run may delete at most 2 files (--max-delete)", here.getMessage());
        assertEquals(here.getMessage(), there.getMessage());
        assertFalse(Files.exists(root.resolve("exp/data/a.txt")));
        assertEquals("b\n", Files.readString(root.resolve("exp/data/b.txt")), "past the count: left alone");
        assertEquals(Map.of("exp/data/y.txt", "y\n"), bucket.contents(), "x deleted, y left alone");
        assertEquals("a\n", trashed("exp/data/a.txt"), "what went is in the trash");
        assertEquals("x\n", trashed("exp/data/x.txt"), "the bucket's copy too (downloaded: no bucket trash here)");
    }

    @Test
    void watchsGateRefusesEveryDeletionButLetsWritesThrough() throws IOException {
        SyncPlan.Item a = here("exp/data/a.txt", "a\n");
        SyncPlan.Item x = inBucket("exp/data/x.txt", "x\n");
        DeletionGate gate = gate(DeletionGate.Policy.NEVER);

        var refused = assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteLocal(a));
        assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteInStore(x));
        SyncPlan.Item put = new SyncPlan.Item(
                "exp/data/n.txt", SyncPlan.Action.PUT, Reason.Rule.NEW_AT_SOURCE, false, 2, null, null);

        assertEquals("not deleted: watch never deletes", refused.getMessage());
        assertEquals("a\n", Files.readString(root.resolve("exp/data/a.txt")));
        assertEquals(Map.of("exp/data/x.txt", "x\n"), bucket.contents());
        assertEquals("sent", gate.writeInStore(put, () -> "sent"), "an upload is no deletion");
    }

    @Test
    void aDryRunDestroysNothingHereNorInTheBucket() throws IOException {
        SyncPlan.Item a = here("exp/data/a.txt", "a\n");
        SyncPlan.Item x = inBucket("exp/data/x.txt", "x\n");
        SyncPlan.Item overwrite = new SyncPlan.Item(
                "exp/data/a.txt", SyncPlan.Action.GET, Reason.Rule.CHANGED_AT_SOURCE, true, 2, a.local(), x.remote());
        Path tmp = root.resolve("exp/data/new.tmp");
        Files.writeString(tmp, "new\n");
        boolean[] put = {false};
        DeletionGate gate = gate(DeletionGate.Policy.of(2, 10, true));

        var deleted = assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteLocal(a));
        assertThrows(DeletionGate.RefusedException.class, () -> gate.deleteInStore(x));
        assertThrows(
                DeletionGate.RefusedException.class, () -> gate.replaceLocal(overwrite, tmp, root.resolve(a.rel())));
        assertThrows(DeletionGate.RefusedException.class, () -> gate.writeInStore(x, () -> put[0] = true));

        assertEquals("not deleted: a dry run deletes nothing", deleted.getMessage());
        assertEquals("a\n", Files.readString(root.resolve("exp/data/a.txt"), StandardCharsets.UTF_8));
        assertEquals(Map.of("exp/data/x.txt", "x\n"), bucket.contents());
        assertFalse(put[0], "the put never ran");
        assertTrue(Files.exists(tmp), "the download was not moved into place");
        assertFalse(Files.exists(root.resolve(".lambda-sync/trash")), "nothing went to the trash either");
    }

    /** Content of {@code rel} in the local trash, or null. */
    String trashed(String rel) throws IOException {
        try (var runs = Files.list(root.resolve(".lambda-sync/trash"))) {
            for (Path run : runs.toList()) {
                Path p = run.resolve(rel);
                if (Files.isRegularFile(p)) return Files.readString(p);
            }
        }
        return null;
    }
}
