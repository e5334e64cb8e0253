import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import lib.local.SyncIgnore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the tool's own temp names ({@code .lambda-sync-tmp-<8 hex>-<name>}) are ever removed
 * without the trash; a user's file that merely starts the same way is data like any other: it is
 * uploaded, downloaded and kept, on the first run of a fresh clone too.
 */
class OwnTempNameTest {
    static final String NOTES = "exp/data/.lambda-sync-tmp-mynotes.txt";
    static final String OWN = "exp/data/.lambda-sync-tmp-0a1b2c3d-ckpt.bin";

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @Test
    void theShapeIsExact() {
        assertTrue(SyncIgnore.isOwnTemp(".lambda-sync-tmp-0a1b2c3d-ckpt.bin"));
        assertTrue(
                SyncIgnore.isOwnTemp(".lambda-sync-tmp-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"),
                "an older DirStore temp");
        assertFalse(SyncIgnore.isOwnTemp(".lambda-sync-tmp-mynotes.txt"));
        assertFalse(SyncIgnore.isOwnTemp(".lambda-sync-tmp-0a1b2c3d"), "no name after the id");
        assertFalse(SyncIgnore.isOwnTemp(".lambda-sync-tmp-0A1B2C3D-x"), "the tool writes lower-case hex");
        assertFalse(SyncIgnore.isOwnTemp("x.lambda-sync-tmp-0a1b2c3d-x"));
    }

    @Test
    void aUserFileNamedLikeATempIsSyncedAndKeptWhileOurOwnTempsAreCleanedUp() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(Files.createDirectories(tmp.resolve("cfg"))));
        a.write(NOTES, "my notes");
        a.write(OWN, "half of a killed download");

        Repo.Run up = a.run("upload", "--yes");

        assertEquals(0, up.code(), up::toString);
        assertEquals("my notes", bucket.text(NOTES), up::toString);
        assertTrue(a.exists(NOTES));
        assertFalse(a.exists(OWN), "a stale temp of ours is removed");
        assertFalse(bucket.contents().containsKey(OWN));

        // A fresh clone, where the user wrote a note of that shape before the first download.
        Repo b = a.cloneTo(tmp.resolve("b"));
        b.write("exp/data/.lambda-sync-tmp-todo.txt", "to do");
        b.write(OWN, "half of another killed download");
        Repo.Run down = b.run("download", "--yes");

        assertEquals(0, down.code(), down::toString);
        assertEquals("my notes", b.text(NOTES));
        assertEquals("to do", b.text("exp/data/.lambda-sync-tmp-todo.txt"), down::toString);
        assertFalse(b.exists(OWN));
    }
}
