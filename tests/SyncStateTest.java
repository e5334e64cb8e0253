import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lib.state.SyncState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last-sync state: its name per store, a damaged file, and the folder it lives in. */
class SyncStateTest {
    @TempDir
    Path tmp;

    @Test
    void oneEndpointSpelledSeveralWaysIsOneStore() {
        String canonical = "https://files.us-east-2.lambda.ai";
        for (String spelling : List.of(
                canonical,
                "https://files.us-east-2.lambda.ai/",
                "https://files.us-east-2.lambda.ai:443",
                "HTTPS://Files.US-East-2.Lambda.AI:443/",
                " https://files.us-east-2.lambda.ai// ")) {
            assertEquals(canonical, SyncState.sameEndpoint(spelling), spelling);
        }
        assertEquals("http://127.0.0.1:9000", SyncState.sameEndpoint("http://127.0.0.1:9000/"));
        assertEquals("http://minio.local", SyncState.sameEndpoint("http://minio.local:80"));
        assertEquals(
                "https://minio.local:80",
                SyncState.sameEndpoint("https://minio.local:80"),
                "not the default port for https");
    }

    @Test
    void aDamagedStateFileIsReportedAndReadAsNeverSynced() throws Exception {
        Path root = tmp.resolve("repo");
        SyncState fine = SyncState.load(root, "s3:x");
        fine.put("e/data/a", new SyncState.Entry(1, 2, "t", "m"));
        fine.save();
        assertNull(SyncState.load(root, "s3:x").damage);
        Files.writeString(fine.file, SyncState.HEADER + "\ne/data/a\t1\tnot a number\tt\tm\n");

        SyncState damaged = SyncState.load(root, "s3:x");
        assertNotNull(damaged.damage);
        assertTrue(
                damaged.damage.contains(fine.file.toString()) && damaged.damage.contains("line 2 is damaged"),
                damaged.damage);
        assertEquals(Map.of(), damaged.entries);
        damaged.save();
        assertTrue(
                Files.readString(fine.file.resolveSibling(fine.file.getFileName() + ".damaged"))
                        .contains("not a number"),
                "kept aside");
        assertNull(SyncState.load(root, "s3:x").damage);
    }

    @Test
    void theToolsFolderIgnoresItselfInGit() throws Exception {
        Path root = tmp.resolve("repo");
        SyncState.load(root, "s3:x").save();
        assertEquals(
                "*",
                Files.readAllLines(root.resolve(".lambda-sync/.gitignore")).stream()
                        .filter(l -> !l.startsWith("#"))
                        .findFirst()
                        .orElse(""));
    }

    @Test
    void aRunOverADamagedStateOverwritesNothingAndSaysWhereTheFileIs() throws Exception {
        Bucket bucket = new Bucket();
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/mine.txt", "v1\n");
        a.write("exp/data/theirs.txt", "v1\n");
        assertEquals(0, a.run("upload", "--yes").code());
        a.write("exp/data/mine.txt", "v2, changed here\n", 1_700_000_100_000L);
        bucket.put("exp/data/theirs.txt", "v2, changed in the bucket\n");
        Path state;
        try (var s = Files.list(a.path(".lambda-sync/state"))) {
            state = s.filter(p -> p.toString().endsWith(".tsv")).findFirst().orElseThrow();
        }
        Files.writeString(state, "garbage\n");

        Repo.Run down = a.run("download", "--yes");
        assertEquals(4, down.code(), down::toString);
        assertTrue(down.err().contains("the last-sync state " + state + " is unusable"), down::toString);
        assertEquals(
                "v2, changed here\n", a.text("exp/data/mine.txt"), "never synced now: a conflict, not an overwrite");
        Repo.Run up = a.run("upload", "--yes");
        assertEquals(4, up.code(), up::toString);
        assertEquals("v2, changed in the bucket\n", bucket.text("exp/data/theirs.txt"));
        assertEquals("v1\n", bucket.text("exp/data/mine.txt"));
    }

    @Test
    void anotherSpellingOfTheEndpointKeepsTheLastSyncState() {
        Bucket bucket = new Bucket();
        Path config = bucket.config(tmp);
        String text = readString(config);
        assumeTrue(text.contains("//127.0.0.1:"), "the suite's server is not on 127.0.0.1");
        Path lower = tmp.resolve("lower.sync.env"), upper = tmp.resolve("upper.sync.env");
        writeString(lower, text.replace("//127.0.0.1:", "//localhost:"));
        writeString(upper, text.replace("//127.0.0.1:", "//LocalHost:"));
        Repo a = Repo.init(tmp.resolve("a"), lower);
        a.write("exp/data/x.txt", "x\n");
        assertEquals(0, a.run("upload", "--yes").code());
        a.delete("exp/data/x.txt");

        Repo.Run r = a.withConfig(upper).run("upload", "--dry-run");
        assertEquals(0, r.code(), r::toString);
        assertTrue(
                r.out().contains("deleted here (--delete to delete it in bucket)"),
                "the state still knows x.txt:\n" + r);
    }

    static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void writeString(Path p, String s) {
        try {
            Files.writeString(p, s);
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
