import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.local.LocalTree;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.state.SyncState;
import lib.store.Store;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three-way rule of SYNC.md ("The sync rules"), row by row, both directions, with and
 * without --force and --delete. Columns: local change, remote change, same content?, flags,
 * upload action, the bucket's copy goes to the trash first?, download action, the local copy
 * goes to the trash first?
 */
@Tag("unit")
class SyncPlanTest {
    @ParameterizedTest(name = "{0}/{1} same={2} {3}: up={4} down={6}")
    @CsvSource(delimiter = '|', textBlock = """
            # row 1: new or changed here; bucket unchanged, absent or deleted
            CHANGED   | UNCHANGED | false | -              | PUT           | false | KEEP         | false
            CHANGED   | DELETED   | false | -              | PUT           | false | KEEP         | false
            NEW       | ABSENT    | false | -              | PUT           | false | KEEP         | false
            # row 2: unchanged here; new or changed in bucket
            UNCHANGED | CHANGED   | false | -              | KEEP          | false | GET          | true
            UNCHANGED | CHANGED   | false | force,delete   | KEEP          | false | GET          | true
            # row 3: deleted here; bucket unchanged (--delete passes this machine's deletion on, bucket copy to the trash)
            DELETED   | UNCHANGED | false | -              | KEEP          | false | GET          | false
            DELETED   | UNCHANGED | false | delete         | DELETE_REMOTE | true  | GET          | false
            # row 4: unchanged here; deleted in bucket
            UNCHANGED | DELETED   | false | -              | PUT           | false | KEEP         | false
            UNCHANGED | DELETED   | false | delete         | PUT           | false | DELETE_LOCAL | true
            # row 5: changed on both sides (--force: the destination's copy to the trash)
            CHANGED   | CHANGED   | false | -              | CONFLICT      | false | CONFLICT     | false
            CHANGED   | CHANGED   | false | delete         | CONFLICT      | false | CONFLICT     | false
            CHANGED   | CHANGED   | false | force          | PUT           | true  | GET          | true
            CHANGED   | CHANGED   | true  | -              | RECORD        | false | RECORD       | false
            # row 6: absent and never synced here; present in bucket: --delete alone does not delete it
            ABSENT    | NEW       | false | -              | KEEP          | false | GET          | false
            ABSENT    | NEW       | false | delete         | KEEP          | false | GET          | false
            ABSENT    | NEW       | false | force          | KEEP          | false | GET          | false
            ABSENT    | NEW       | false | force,delete   | DELETE_REMOTE | true  | GET          | false
            # row 7: present here, never synced; absent in bucket: likewise
            NEW       | ABSENT    | false | delete         | PUT           | false | KEEP         | false
            NEW       | ABSENT    | false | force,delete   | PUT           | false | DELETE_LOCAL | true
            # row 8: present on both sides, no state
            NEW       | NEW       | true  | -              | RECORD        | false | RECORD       | false
            NEW       | NEW       | false | -              | CONFLICT      | false | CONFLICT     | false
            NEW       | NEW       | false | delete         | CONFLICT      | false | CONFLICT     | false
            NEW       | NEW       | false | force          | PUT           | true  | GET          | true
            # rows 9, 10: deleted on one side, changed on the other; gone from both
            DELETED   | CHANGED   | false | -              | KEEP          | false | GET          | false
            DELETED   | CHANGED   | false | delete         | CONFLICT      | false | GET          | false
            DELETED   | CHANGED   | false | force,delete   | DELETE_REMOTE | true  | GET          | false
            CHANGED   | DELETED   | false | delete         | PUT           | false | CONFLICT     | false
            CHANGED   | DELETED   | false | force,delete   | PUT           | false | DELETE_LOCAL | true
            DELETED   | DELETED   | false | -              | FORGET        | false | FORGET       | false
            """)
    void tableRow(
            SyncPlan.Change local,
            SyncPlan.Change remote,
            boolean same,
            String flags,
            SyncPlan.Action upload,
            boolean uploadTrash,
            SyncPlan.Action download,
            boolean downloadTrash) {
        SyncPlan.Options opt = new SyncPlan.Options(flags.contains("force"), flags.contains("delete"));
        SyncPlan.Decision up = SyncPlan.decide(SyncPlan.Direction.UPLOAD, local, remote, same, opt);
        SyncPlan.Decision down = SyncPlan.decide(SyncPlan.Direction.DOWNLOAD, local, remote, same, opt);
        assertEquals(upload, up.action(), "upload: " + up.why());
        assertEquals(download, down.action(), "download: " + down.why());
        assertEquals(uploadTrash, up.trash(), "upload: bucket copy to the trash: " + up.why());
        assertEquals(downloadTrash, down.trash(), "download: local copy to the trash: " + down.why());
    }

    @Test
    void inSyncNeedsNoDecision() {
        SyncPlan.Options opt = new SyncPlan.Options(true, true);
        assertNull(SyncPlan.decide(
                SyncPlan.Direction.UPLOAD, SyncPlan.Change.UNCHANGED, SyncPlan.Change.UNCHANGED, false, opt));
        assertNull(SyncPlan.decide(
                SyncPlan.Direction.DOWNLOAD, SyncPlan.Change.UNCHANGED, SyncPlan.Change.UNCHANGED, false, opt));
    }

    @Test
    void reasonsSayWhichSideChangedAndWhichFlagWouldAct() {
        SyncPlan.Options none = new SyncPlan.Options(false, false);
        assertEquals(
                "changed in bucket (download to sync it)",
                SyncPlan.decide(
                                SyncPlan.Direction.UPLOAD,
                                SyncPlan.Change.UNCHANGED,
                                SyncPlan.Change.CHANGED,
                                false,
                                none)
                        .why()
                        .words(SyncPlan.Direction.UPLOAD));
        assertEquals(
                "changed here (upload to sync it)",
                SyncPlan.decide(
                                SyncPlan.Direction.DOWNLOAD,
                                SyncPlan.Change.CHANGED,
                                SyncPlan.Change.UNCHANGED,
                                false,
                                none)
                        .why()
                        .words(SyncPlan.Direction.DOWNLOAD));
        assertEquals(
                "deleted here (--delete to delete it in bucket)",
                SyncPlan.decide(
                                SyncPlan.Direction.UPLOAD,
                                SyncPlan.Change.DELETED,
                                SyncPlan.Change.UNCHANGED,
                                false,
                                none)
                        .why()
                        .words(SyncPlan.Direction.UPLOAD));
        assertEquals(
                "new in bucket, never synced here (download to get it; --delete --force to delete it)",
                SyncPlan.decide(SyncPlan.Direction.UPLOAD, SyncPlan.Change.ABSENT, SyncPlan.Change.NEW, false, none)
                        .why()
                        .words(SyncPlan.Direction.UPLOAD));
    }

    /** A first sync with different copies names both ways out (each --force, and where the other copy goes), never "X first". */
    @Test
    void aFirstSyncConflictNamesWhichCommandKeepsWhichCopy() {
        SyncPlan.Options none = new SyncPlan.Options(false, false);
        String keep = "upload --force keeps yours (the bucket's goes to .lambda-sync/trash/)";
        String take = "download --force takes the bucket's (yours goes to .lambda-sync/trash/)";
        assertEquals(
                "differs from the bucket's copy, never synced here: " + keep + ", " + take,
                SyncPlan.decide(SyncPlan.Direction.UPLOAD, SyncPlan.Change.NEW, SyncPlan.Change.NEW, false, none)
                        .why()
                        .words(SyncPlan.Direction.UPLOAD));
        assertEquals(
                "differs from your copy here, never synced: " + take + ", " + keep,
                SyncPlan.decide(SyncPlan.Direction.DOWNLOAD, SyncPlan.Change.NEW, SyncPlan.Change.NEW, false, none)
                        .why()
                        .words(SyncPlan.Direction.DOWNLOAD));
    }

    @Test
    void exit4ComesFromTheReasonsTypeNeverFromItsWords() {
        var refused = new SyncPlan.Item(
                "e/data/bad",
                SyncPlan.Action.SKIP,
                new Reason.Skip(Reason.Skip.Kind.REFUSED_KEY, "contains .."),
                false,
                0,
                null,
                null);
        var link = new SyncPlan.Item(
                "e/data/link", SyncPlan.Action.SKIP, new Reason.Skip(Reason.Skip.Kind.SYMLINK), false, 0, null, null);
        SyncPlan p = SyncPlan.build(
                SyncPlan.Direction.UPLOAD,
                Map.of(),
                Map.of(),
                Map.of(),
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()),
                List.of(refused, link),
                new SyncPlan.Options(false, false),
                "s3:x");
        assertEquals(1, p.leftUntouched());
        for (SyncPlan.Direction d : SyncPlan.Direction.values()) {
            for (Reason.Rule r : Reason.Rule.values()) assertTrue(!r.words(d).isBlank(), r + " has words");
            for (Reason.Skip.Kind k : Reason.Skip.Kind.values())
                assertTrue(!new Reason.Skip(k, "x").words(d).isBlank(), k + " has words");
        }
    }

    @Test
    void aFileReplacedByAFolderIsDeletedFirstToMakeRoom() {
        var x = new LocalTree.LocalFile("e/data/k/x", 1, 1);
        var k = new Store.Remote("e/data/k", 2, "t");
        SyncPlan.Facts none = new SyncPlan.Facts(Map.of(), Set.of(), Set.of());
        SyncPlan p = SyncPlan.build(
                SyncPlan.Direction.UPLOAD,
                Map.of(x.rel(), x),
                Map.of(k.rel(), k),
                Map.of("e/data/k", new SyncState.Entry(2, 1, "t", "m")),
                none,
                List.of(),
                new SyncPlan.Options(false, false),
                "s3:x");
        assertEquals(
                List.of("e/data/k:DELETE_REMOTE:REPLACED_BY_FOLDER:true", "e/data/k/x:PUT:NEW_AT_SOURCE:false"),
                p.items.stream()
                        .map(i -> i.rel() + ":" + i.action() + ":" + i.why() + ":" + i.trash())
                        .toList());

        // Never synced here: the bucket's k is not this machine's to replace without --force.
        SyncPlan q = SyncPlan.build(
                SyncPlan.Direction.UPLOAD,
                Map.of(x.rel(), x),
                Map.of(k.rel(), k),
                Map.of(),
                none,
                List.of(),
                new SyncPlan.Options(false, true),
                "s3:x");
        assertEquals(
                List.of("e/data/k:KEEP", "e/data/k/x:CONFLICT"),
                q.items.stream().map(i -> i.rel() + ":" + i.action()).toList());
        assertEquals(1, q.leftUntouched());
    }

    @Test
    void theDeletionBoundIsFiftyFilesOrHalfOfASideOfTenOrMore() {
        assertEquals(50, SyncPlan.bound(1000));
        assertEquals(5, SyncPlan.bound(10), "half is still within");
        assertEquals(5, SyncPlan.bound(11));
        assertEquals(50, SyncPlan.bound(9), "a side of fewer than 10 files is bounded only by the 50");
        assertEquals(50, SyncPlan.bound(0));
    }

    @Test
    void actionsHaveTheJsonNamesSyncMdDocuments() {
        assertEquals(
                List.of("put", "get", "delete-remote", "delete-local", "record", "forget", "keep", "conflict", "skip"),
                java.util.Arrays.stream(SyncPlan.Action.values())
                        .map(a -> a.json)
                        .toList());
    }

    @Test
    void changesAreMeasuredAgainstTheLastSync() {
        SyncState.Entry s = new SyncState.Entry(10, 1000, "etag1", "md5");
        assertEquals(SyncPlan.Change.UNCHANGED, SyncPlan.localChange(new LocalTree.LocalFile("a", 10, 1000), s, false));
        assertEquals(SyncPlan.Change.CHANGED, SyncPlan.localChange(new LocalTree.LocalFile("a", 10, 2000), s, false));
        assertEquals(SyncPlan.Change.UNCHANGED, SyncPlan.localChange(new LocalTree.LocalFile("a", 10, 2000), s, true));
        assertEquals(SyncPlan.Change.DELETED, SyncPlan.localChange(null, s, false));
        assertEquals(SyncPlan.Change.NEW, SyncPlan.localChange(new LocalTree.LocalFile("a", 1, 1), null, false));
        assertEquals(SyncPlan.Change.UNCHANGED, SyncPlan.remoteChange(new Store.Remote("a", 10, "etag1"), s));
        assertEquals(SyncPlan.Change.CHANGED, SyncPlan.remoteChange(new Store.Remote("a", 10, "etag2"), s));
        assertEquals(SyncPlan.Change.DELETED, SyncPlan.remoteChange(null, s));
        assertEquals(SyncPlan.Change.ABSENT, SyncPlan.remoteChange(null, null));
    }

    @Test
    void sizeAloneNeverProvesSameContent() {
        LocalTree.LocalFile l = new LocalTree.LocalFile("a", 10, 1);
        assertTrue(
                SyncPlan.needsComparison(l, new Store.Remote("a", 10, "x"), null),
                "same size, no state: must compare contents");
        assertEquals(
                false, SyncPlan.needsComparison(l, new Store.Remote("a", 11, "x"), null), "different sizes differ");
    }

    @Test
    void planIdIsStableAndChangesWithAnyAction() {
        Map<String, LocalTree.LocalFile> local = Map.of("e/data/a", new LocalTree.LocalFile("e/data/a", 3, 100));
        SyncPlan.Facts none = new SyncPlan.Facts(Map.of(), Set.of(), Set.of());
        SyncPlan.Options opt = new SyncPlan.Options(false, false);
        SyncPlan p1 =
                SyncPlan.build(SyncPlan.Direction.UPLOAD, local, Map.of(), Map.of(), none, List.of(), opt, "s3:x");
        SyncPlan p2 =
                SyncPlan.build(SyncPlan.Direction.UPLOAD, local, Map.of(), Map.of(), none, List.of(), opt, "s3:x");
        assertEquals(p1.id, p2.id);
        Map<String, LocalTree.LocalFile> edited = Map.of("e/data/a", new LocalTree.LocalFile("e/data/a", 4, 100));
        assertNotEquals(
                p1.id,
                SyncPlan.build(SyncPlan.Direction.UPLOAD, edited, Map.of(), Map.of(), none, List.of(), opt, "s3:x").id);
        assertNotEquals(
                p1.id,
                SyncPlan.build(SyncPlan.Direction.UPLOAD, local, Map.of(), Map.of(), none, List.of(), opt, "s3:y").id);
    }

    @Test
    void buildJoinsBothSidesAndStateIntoOneItemPerPath() {
        var l = new LocalTree.LocalFile("e/data/changed", 5, 200);
        var r = new Store.Remote("e/data/remote-only", 7, "t");
        var gone = new SyncState.Entry(1, 1, "t0", "m0");
        SyncPlan p = SyncPlan.build(
                SyncPlan.Direction.DOWNLOAD,
                Map.of(l.rel(), l),
                Map.of(r.rel(), r),
                Map.of("e/data/gone", gone),
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()),
                List.of(),
                new SyncPlan.Options(false, false),
                "s3:x");
        assertEquals(
                List.of("e/data/changed:KEEP", "e/data/gone:FORGET", "e/data/remote-only:GET"),
                p.items.stream().map(i -> i.rel() + ":" + i.action()).toList());
        assertEquals(7, p.of(SyncPlan.Action.GET).get(0).bytes());
    }
}
