import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download that finds nothing at all under the bucket and prefix (a new bucket, a mistyped
 * SYNC_PREFIX or BUCKET_NAME) says so, with its own exit code (5) and JSON field, and changes
 * nothing: on a new instance it must never look like a restore that worked (SYNC.md, "Exit codes").
 */
class EmptyBucketTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Path config(String name, String... lines) throws IOException {
        return bucket.config(Files.createDirectories(tmp.resolve("cfg-" + name)), lines);
    }

    static void assertExit(int code, Repo.Run r) {
        assertEquals(code, r.code(), r::toString);
    }

    @Test
    void aDownloadFromAnEmptyBucketSaysSoAndExits5() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        Repo.Run r = a.run("download", "--yes");
        assertExit(5, r);
        String line = "the bucket holds nothing under its root (SYNC_PREFIX is empty): a new bucket, or another"
                + " BUCKET_NAME?";
        assertTrue(r.out().contains(line), r::toString);
        assertTrue(r.err().contains("nothing downloaded, nothing changed: " + line), r::toString);
        assertFalse(r.both().contains("already in sync"), r::toString);

        Repo.Run json = a.run("download", "--dry-run", "--json");
        assertExit(5, json);
        JsonObject doc = JsonParser.parseString(json.out()).getAsJsonObject();
        assertTrue(doc.get("bucketEmpty").getAsBoolean(), json::toString);
        assertFalse(doc.get("keysElsewhere").getAsBoolean(), json::toString);
        assertEquals(5, doc.getAsJsonObject("result").get("exitCode").getAsInt(), json::toString);

        Repo.Run status = a.run("status", "--json");
        assertExit(0, status); // status changes nothing, and says so in each plan
        for (var plan : JsonParser.parseString(status.out()).getAsJsonObject().getAsJsonArray("plans"))
            assertTrue(plan.getAsJsonObject().get("bucketEmpty").getAsBoolean(), status::toString);
        assertTrue(status.err().contains(line), status::toString);
    }

    /**
     * Where this machine synced files with the bucket before and every one was deleted there since,
     * the rules decide (each "deleted in bucket", kept here without --delete) and the empty bucket
     * is a warning, not a refusal.
     */
    @Test
    void afterASyncAnEmptiedBucketIsSaidAndTheRulesDecide() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/f.txt", "f\n");
        assertExit(0, a.run("upload", "--yes"));
        bucket.delete("exp/data/f.txt");

        Repo.Run r = a.run("download", "--yes");
        assertExit(0, r);
        assertTrue(r.out().contains("deleted in bucket (--delete to delete it here)"), r::toString);
        assertTrue(r.err().contains("warning: the bucket holds nothing under its root"), r::toString);
        assertEquals("f\n", a.text("exp/data/f.txt"));
    }

    /** A mistyped SYNC_PREFIX: the line names it and says the bucket holds keys elsewhere; nothing here is touched. */
    @Test
    void aMistypedPrefixIsNamedAndNothingHereIsTouched() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a", "SYNC_PREFIX=team/"));
        a.write("exp/data/x.txt", "x\n");
        assertExit(0, a.run("upload", "--yes"));

        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(config("b", "SYNC_PREFIX=teem/"));
        b.write("exp/data/mine.txt", "mine\n");
        Repo.Run r = b.run("download", "--yes", "--delete", "--force");
        assertExit(5, r);
        assertTrue(
                r.out()
                        .contains("the bucket holds nothing under 'teem/' (SYNC_PREFIX); it does hold keys elsewhere:"
                                + " is SYNC_PREFIX right?"),
                r::toString);
        assertEquals(Map.of("exp/data/mine.txt", "mine\n"), b.dataFiles());

        Repo.Run ok = a.run("download", "--yes"); // the right prefix: in sync, exit 0
        assertExit(0, ok);
        assertTrue(ok.out().contains("nothing to do: 1 file already in sync"), ok::toString);
    }

    /** SYNC_TARGET on a filesystem that is not mounted looks empty: the same refusal, in its own words. */
    @Test
    void anEmptySyncTargetFolderIsNamedToo() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("mnt/shared"));
        Path config = tmp.resolve("dir.sync.env");
        Files.writeString(config, "SYNC_TARGET=" + target + "\n");
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Repo a = Repo.init(tmp.resolve("a"), config);
        a.write("exp/data/mine.txt", "mine\n");
        Repo.Run r = a.run("download", "--yes", "--delete", "--force");
        assertExit(5, r);
        assertTrue(
                r.out()
                        .contains(
                                "the SYNC_TARGET folder holds nothing: is its filesystem mounted, and SYNC_TARGET right?"),
                r::toString);
        assertEquals(Map.of("exp/data/mine.txt", "mine\n"), a.dataFiles());
    }
}
