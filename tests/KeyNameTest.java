import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that cannot be keys, and folders that must never travel (SYNC.md "What is synced"):
 * each is skipped with its reason, on both sides, instead of being mangled or failing every run.
 */
class KeyNameTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    static void assertSays(Repo.Run r, String text) {
        assertTrue(r.out().contains(text), () -> "expected '" + text + "' in\n" + r);
    }

    /** "exp/data/" + n folders of 200 'a's + "/x.txt". */
    static String longPath(int folders) {
        StringBuilder b = new StringBuilder("exp/data");
        for (int i = 0; i < folders; i++) b.append('/').append("a".repeat(200));
        return b.append("/x.txt").toString();
    }

    @Test
    void aBackslashInALocalNameIsSkippedNotTurnedIntoAFolder() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/back\\slash.txt", "backslash\n");
        a.write("exp/data/back/slash.txt", "real folder\n");
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertSays(r, "exp/data/back\\slash.txt  name cannot be a key: contains a backslash");
        assertEquals(Map.of("exp/data/back/slash.txt", "real folder\n"), bucket.contents());
        Repo.Run again = a.run("upload", "--yes");
        assertEquals(0, again.code(), again::toString);
        assertFalse(again.out().contains("done:"), again::toString);
    }

    @Test
    void aLocalPathTooLongForAKeyIsSkippedCountingTheSyncPrefix() throws Exception {
        Repo plain = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        String fits = longPath(5), tooLong = longPath(6);
        assertEquals(1019, fits.length());
        plain.write(fits, "fits\n");
        plain.write(tooLong, "too long\n");
        Repo.Run r = plain.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertSays(r, "name cannot be a key: too long: 1220 bytes, S3 allows 1024");
        assertEquals(Map.of(fits, "fits\n"), bucket.contents());

        Path prefixed = tmp.resolve("prefixed");
        Bucket other = new Bucket();
        Repo p = Repo.init(tmp.resolve("p"), other.config(Files.createDirectories(prefixed), "SYNC_PREFIX=team/repo"));
        p.write(fits, "fits\n");
        Repo.Run withPrefix = p.run("upload", "--yes");
        assertEquals(0, withPrefix.code(), withPrefix::toString);
        assertSays(withPrefix, "name cannot be a key: too long: 1029 bytes with SYNC_PREFIX, S3 allows 1024");
        assertEquals(Map.of(), other.contents());
    }

    @Test
    void aStoreKeyTooLongIsRefusedOnDownload() throws Exception {
        Path target = tmp.resolve("mirror");
        Files.createDirectories(target.resolve(longPath(6)).getParent());
        Files.writeString(target.resolve(longPath(6)), "too long\n");
        Files.createDirectories(target.resolve("exp/data"));
        Files.writeString(target.resolve("exp/data/ok.txt"), "ok\n");
        Path config = tmp.resolve("dir.sync.env");
        Files.writeString(config, "SYNC_TARGET=" + target + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Repo a = Repo.init(tmp.resolve("a"), config);
        Repo.Run r = a.run("download", "--yes");
        assertEquals(4, r.code(), r::toString);
        assertSays(r, "refused: key too long: 1220 bytes, S3 allows 1024");
        assertEquals(Map.of("exp/data/ok.txt", "ok\n"), a.dataFiles());
    }

    @Test
    void gitFoldersInsideDataDirsNeverTravel() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/clone/.git/config", "[core]\n");
        a.write("exp/data/clone/.git/hooks/post-checkout", "#!/bin/sh\n");
        a.write("exp/data/clone/results.csv", "1\n");
        a.write("exp/data/sub/.git", "gitdir: ../../.git/modules/sub\n");
        assertEquals(0, a.run("upload", "--yes").code());
        assertEquals(Map.of("exp/data/clone/results.csv", "1\n"), bucket.contents());

        bucket.put("exp/reports/repo/.git/hooks/pre-commit", "#!/bin/sh\nrm -rf ~\n");
        bucket.put("exp/reports/repo/.git/config", "[core]\n\thooksPath = x\n");
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run r = b.run("download", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertNull(b.text("exp/reports/repo/.git/hooks/pre-commit"));
        assertFalse(b.exists("exp/reports/repo"));
        assertEquals(Map.of("exp/data/clone/results.csv", "1\n"), b.dataFiles());
    }
}
