import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The table of SYNC.md's "The sync rules", row by row, end to end: one file, a real repo, the real
 * command. "Here" is changed on disk, "bucket" as another machine leaves it. Each row says what
 * both sides hold afterwards, what went to the trash, the exit code and the reason printed;
 * whatever a row leaves untouched must keep its bytes and its timestamp/version. Every row runs
 * against an in-memory store (the rule is the engine's, not the server's); the rows whose
 * outcome passes through the S3 parts (a put, a get, a bucket copy to the trash, a content
 * comparison) run against the real S3 server too.
 */
class SyncRuleTest {
    static final String F = "exp/data/f.txt";
    static final String BASE = "base\n",
            MINE = "mine, changed here\n",
            THEIRS = "theirs, changed in the bucket\n",
            SAME = "the same new content on both sides\n";
    static final long T0 = 1_700_000_000_123L, T1 = T0 + 60_000;

    /**
     * @param synced  whether the file was synced (uploaded as BASE) before the sides changed
     * @param here    the local content now (null: deleted / absent); BASE on a synced row: unchanged
     * @param remote  the bucket's content now, likewise
     * @param command mode and flags (--yes is added)
     */
    record Row(
            String name,
            boolean synced,
            String here,
            String remote,
            String command,
            String hereAfter,
            String remoteAfter,
            String trashed,
            int exit,
            String says) {
        @Override
        public String toString() {
            return name + ": " + command;
        }
    }

    static Row synced(
            String name,
            String here,
            String remote,
            String command,
            String hereAfter,
            String remoteAfter,
            String trashed,
            int exit,
            String says) {
        return new Row(name, true, here, remote, command, hereAfter, remoteAfter, trashed, exit, says);
    }

    static Row fresh(
            String name,
            String here,
            String remote,
            String command,
            String hereAfter,
            String remoteAfter,
            String trashed,
            int exit,
            String says) {
        return new Row(name, false, here, remote, command, hereAfter, remoteAfter, trashed, exit, says);
    }

    static Stream<Row> table() {
        return Stream.of(
                // here new or changed | bucket unchanged, absent or deleted: upload puts; download keeps, says "changed
                // here"
                synced("changed here, bucket unchanged", MINE, BASE, "upload", MINE, MINE, null, 0, "changed here"),
                synced(
                        "changed here, bucket unchanged",
                        MINE,
                        BASE,
                        "download",
                        MINE,
                        BASE,
                        null,
                        0,
                        "changed here (upload to sync it)"),
                synced(
                        "changed here, deleted in bucket",
                        MINE,
                        null,
                        "upload",
                        MINE,
                        MINE,
                        null,
                        0,
                        "changed here, restored"),
                synced(
                        "changed here, deleted in bucket",
                        MINE,
                        null,
                        "download",
                        MINE,
                        null,
                        null,
                        0,
                        "deleted in bucket, changed here"),
                synced(
                        "changed here, deleted in bucket",
                        MINE,
                        null,
                        "download --delete",
                        MINE,
                        null,
                        null,
                        4,
                        "deleted in bucket but changed here"),
                fresh("new here, absent in bucket", MINE, null, "upload", MINE, MINE, null, 0, "new here"),
                fresh(
                        "new here, absent in bucket",
                        MINE,
                        null,
                        "download",
                        MINE,
                        null,
                        null,
                        0,
                        "new here, never uploaded (upload to send it"),
                fresh(
                        "new here, absent in bucket",
                        MINE,
                        null,
                        "download --delete",
                        MINE,
                        null,
                        null,
                        0,
                        "--delete --force to delete it"),
                fresh(
                        "new here, absent in bucket",
                        MINE,
                        null,
                        "download --delete --force",
                        null,
                        null,
                        MINE,
                        0,
                        "new here, never uploaded (--delete --force)"),

                // here unchanged | bucket new or changed: upload keeps, says "changed in bucket"; download gets
                synced(
                        "unchanged here, changed in bucket",
                        BASE,
                        THEIRS,
                        "upload",
                        BASE,
                        THEIRS,
                        null,
                        0,
                        "changed in bucket (download to sync it)"),
                synced(
                        "unchanged here, changed in bucket",
                        BASE,
                        THEIRS,
                        "download",
                        THEIRS,
                        THEIRS,
                        BASE,
                        0,
                        "changed in bucket"),

                // deleted here | bucket unchanged: upload keeps (--delete deletes in bucket); download restores
                synced(
                        "deleted here, bucket unchanged",
                        null,
                        BASE,
                        "upload",
                        null,
                        BASE,
                        null,
                        0,
                        "deleted here (--delete to delete it in bucket)"),
                synced(
                        "deleted here, bucket unchanged",
                        null,
                        BASE,
                        "upload --delete",
                        null,
                        null,
                        BASE,
                        0,
                        "deleted here (--delete) (bucket copy kept in .lambda-sync/trash/)"),
                synced(
                        "deleted here, bucket unchanged",
                        null,
                        BASE,
                        "download",
                        BASE,
                        BASE,
                        null,
                        0,
                        "deleted here, restored"),
                synced(
                        "deleted here, changed in bucket",
                        null,
                        THEIRS,
                        "upload --delete",
                        null,
                        THEIRS,
                        null,
                        4,
                        "deleted here but changed in bucket"),
                synced(
                        "deleted here, changed in bucket",
                        null,
                        THEIRS,
                        "upload --delete --force",
                        null,
                        null,
                        THEIRS,
                        0,
                        "deleted here, changed in bucket (--delete --force) (bucket copy kept in .lambda-sync/trash/)"),

                // here unchanged | deleted in bucket: upload restores; download keeps (--delete deletes here, to the
                // trash)
                synced(
                        "unchanged here, deleted in bucket",
                        BASE,
                        null,
                        "upload",
                        BASE,
                        BASE,
                        null,
                        0,
                        "deleted in bucket, restored"),
                synced(
                        "unchanged here, deleted in bucket",
                        BASE,
                        null,
                        "download",
                        BASE,
                        null,
                        null,
                        0,
                        "deleted in bucket (--delete to delete it here)"),
                synced(
                        "unchanged here, deleted in bucket",
                        BASE,
                        null,
                        "download --delete",
                        null,
                        null,
                        BASE,
                        0,
                        "deleted in bucket (--delete)"),
                synced("deleted on both sides", null, null, "upload", null, null, null, 0, "forget"),

                // changed on both sides: conflict, untouched unless --force (download --force: local copy to the trash)
                synced(
                        "changed on both sides",
                        MINE,
                        THEIRS,
                        "upload",
                        MINE,
                        THEIRS,
                        null,
                        4,
                        "changed on both sides since the last sync"),
                synced(
                        "changed on both sides",
                        MINE,
                        THEIRS,
                        "upload --force",
                        MINE,
                        MINE,
                        THEIRS,
                        0,
                        "conflict overwritten (--force) (bucket copy kept"),
                synced(
                        "changed on both sides",
                        MINE,
                        THEIRS,
                        "download",
                        MINE,
                        THEIRS,
                        null,
                        4,
                        "changed on both sides since the last sync"),
                synced(
                        "changed on both sides",
                        MINE,
                        THEIRS,
                        "download --force",
                        THEIRS,
                        THEIRS,
                        MINE,
                        0,
                        "conflict overwritten (--force)"),
                synced(
                        "changed on both sides to the same content",
                        SAME,
                        SAME,
                        "upload",
                        SAME,
                        SAME,
                        null,
                        0,
                        "record as in sync"),
                synced(
                        "changed on both sides to the same content",
                        SAME,
                        SAME,
                        "download",
                        SAME,
                        SAME,
                        null,
                        0,
                        "record as in sync"),

                // absent, never synced here | present: upload keeps, says "new in bucket" (only --delete --force
                // removes it, to the trash); download gets
                fresh(
                        "absent here, new in bucket",
                        null,
                        THEIRS,
                        "upload",
                        null,
                        THEIRS,
                        null,
                        0,
                        "new in bucket, never synced here (download to get it"),
                fresh(
                        "absent here, new in bucket",
                        null,
                        THEIRS,
                        "upload --delete",
                        null,
                        THEIRS,
                        null,
                        0,
                        "--delete --force to delete it"),
                fresh(
                        "absent here, new in bucket",
                        null,
                        THEIRS,
                        "upload --delete --force",
                        null,
                        null,
                        THEIRS,
                        0,
                        "never synced here (--delete --force)"),
                fresh("absent here, new in bucket", null, THEIRS, "download", THEIRS, THEIRS, null, 0, "new in bucket"),

                // present on both sides, no state: same content is recorded only; different content is a conflict
                fresh(
                        "both present, never synced, same content",
                        SAME,
                        SAME,
                        "upload",
                        SAME,
                        SAME,
                        null,
                        0,
                        "record as in sync"),
                fresh(
                        "both present, never synced, same content",
                        SAME,
                        SAME,
                        "download",
                        SAME,
                        SAME,
                        null,
                        0,
                        "record as in sync"),
                fresh(
                        "both present, never synced, different",
                        MINE,
                        THEIRS,
                        "upload",
                        MINE,
                        THEIRS,
                        null,
                        4,
                        "differs from the bucket's copy, never synced here: upload --force keeps yours"),
                fresh(
                        "both present, never synced, different",
                        MINE,
                        THEIRS,
                        "upload --force",
                        MINE,
                        MINE,
                        THEIRS,
                        0,
                        "conflict overwritten (--force)"),
                fresh(
                        "both present, never synced, different",
                        MINE,
                        THEIRS,
                        "download",
                        MINE,
                        THEIRS,
                        null,
                        4,
                        "differs from your copy here, never synced: download --force takes the bucket's"),
                fresh(
                        "both present, never synced, different",
                        MINE,
                        THEIRS,
                        "download --force",
                        THEIRS,
                        THEIRS,
                        MINE,
                        0,
                        "conflict overwritten (--force)"));
    }

    /** Keeps the bucket from being empty in every row; the same bytes on both sides. */
    static final String BYSTANDER = "other/data/bystander.txt";

    @TempDir
    Path tmp;

    /** What a row starts from and runs, whatever its display name says. */
    record Case(boolean synced, String here, String remote, String command) {}

    /**
     * Rows that also run against the S3 server, chosen by their data: each S3 path the rule leads
     * to, once (a put, a get, a bucket copy to the trash and a delete, an overwrite, a content
     * comparison). {@link #everyS3CaseIsOneRow} keeps each naming a row of the table.
     */
    static final List<Case> ON_S3 = List.of(
            new Case(true, MINE, BASE, "upload"),
            new Case(true, BASE, THEIRS, "download"),
            new Case(true, null, BASE, "upload --delete"),
            new Case(true, MINE, THEIRS, "upload --force"),
            new Case(false, SAME, SAME, "upload"));

    static Case caseOf(Row r) {
        return new Case(r.synced(), r.here(), r.remote(), r.command());
    }

    static Stream<Row> s3Table() {
        return table().filter(r -> ON_S3.contains(caseOf(r)));
    }

    @Tag("unit")
    @Test
    void everyS3CaseIsOneRow() {
        for (Case c : ON_S3)
            assertEquals(1, table().filter(r -> caseOf(r).equals(c)).count(), () -> c + " is not one row of the table");
    }

    @Tag("unit") // no S3 server
    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void row(Row row) {
        play(row, new MemoryStore());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("s3Table")
    void rowOnS3(Row row) {
        play(row, new Bucket());
    }

    void play(Row row, FarSide bucket) {
        Repo a = bucket.repo(tmp.resolve("a"));
        // A file in sync on both sides, in another data dir: the rows are about F, and a bucket that
        // holds nothing at all is a case of its own (EmptyBucketTest), not a row of the rule.
        a.write(BYSTANDER, "bystander\n", T0);
        bucket.put(BYSTANDER, "bystander\n");
        if (row.synced()) {
            a.write(F, BASE, T0);
            assertEquals(0, a.run("upload", "--yes").code());
        }
        // This machine's side.
        if (row.here() == null) {
            if (a.exists(F)) a.delete(F);
        } else if (!row.synced() || !row.here().equals(BASE)) {
            a.write(F, row.here(), T1);
        }
        // The bucket's side, as another machine leaves it.
        if (row.remote() == null) {
            if (row.synced()) bucket.delete(F);
        } else if (!row.synced() || !row.remote().equals(BASE)) {
            bucket.put(F, row.remote());
        }
        Long mtimeBefore = a.exists(F) ? a.mtime(F) : null;
        Object versionBefore = row.remote() == null ? null : bucket.version(F);

        List<String> args = new ArrayList<>(List.of(row.command().split(" ")));
        args.add("--yes");
        Repo.Run r = a.run(args.toArray(String[]::new));

        assertEquals(row.exit(), r.code(), r::toString);
        assertTrue(r.out().contains(row.says()), () -> "expected '" + row.says() + "' in\n" + r);
        assertEquals(row.hereAfter(), a.text(F), "here after\n" + r);
        assertEquals(row.remoteAfter(), bucket.text(F), "bucket after\n" + r);
        // A bucket copy is kept in the bucket's trash where the server copies, else in the local one.
        assertEquals(row.trashed(), a.trashed(F) != null ? a.trashed(F) : bucket.trashed(F), "trash after\n" + r);
        // Untouched means untouched: not rewritten with the same bytes either.
        if (row.hereAfter() != null && row.hereAfter().equals(row.here())) {
            assertEquals(mtimeBefore, a.mtime(F), "the local file was rewritten\n" + r);
        }
        if (row.remoteAfter() != null && row.remoteAfter().equals(row.remote())) {
            assertEquals(versionBefore, bucket.version(F), "the object was uploaded again\n" + r);
        }
    }
}
