import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import lib.common.ContentHash;
import lib.sync.StoreFactory;
import lib.sync.Trash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The bucket's trash (SYNC.md, "The trash"), against the real server through the fault proxy,
 * which counts what moves: an object a run deletes or overwrites is copied by the server (no
 * byte of it comes to this machine) into {@code .lambda-sync/trash/<time>-<machine>/}, listed by
 * {@code trash}, brought back by {@code trash restore}, pruned by age; a server without
 * CopyObject falls back to the local trash, said once.
 */
class BucketTrashTest {
    /**
     * The large objects: a server-side copy of all of it, ranged GETs to restore it. 200 MiB where
     * the test's other 200 MiB move is a single PUT of the test's own (--force: ~18 s here); 100
     * MiB where the tool uploads it first and restores it (--delete: ~33 s at 200 MiB, so halved).
     */
    static final int LARGE = 200 << 20, LARGE_UPLOADED = 100 << 20;

    static final String BIG = "exp/data/big.bin";

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    /** A config whose endpoint is the proxy (the later assignment wins, as in bash). */
    Path config(String name, boolean proxied) {
        try {
            Path dir = Files.createDirectories(tmp.resolve("cfg-" + name));
            return proxied ? bucket.config(dir, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()) : bucket.config(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertExit(int expected, Repo.Run r) {
        assertEquals(expected, r.code(), r::toString);
    }

    /** Writes {@code size} pseudo-random bytes to {@code file} and returns their MD5 (hex). */
    static String large(Path file, int size, long seed) throws Exception {
        Files.createDirectories(file.getParent());
        MessageDigest md = MessageDigest.getInstance("MD5");
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                int n = Math.min(left, buf.length);
                out.write(buf, 0, n);
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String md5(Path file) throws Exception {
        return ContentHash.md5Hex(file);
    }

    /** Response bytes of every GET so far, the tool's own small objects included. */
    long gotSoFar() {
        return proxy.bytesDownloadedAll();
    }

    @Test
    void uploadDeleteOfALargeObjectCopiesItInTheBucketAndTrashRestoreBringsItBack() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), config("a", true)), viaProxy = a;
        String md5 = large(a.path(BIG), LARGE_UPLOADED, 1);
        assertExit(0, a.run("upload", "--yes"));
        a.delete(BIG);

        long before = gotSoFar();
        Repo.Run r = viaProxy.run("upload", "--delete", "--yes");
        assertExit(0, r);
        long got = gotSoFar() - before;
        System.out.printf(
                "  upload --delete of a %d MiB object: %d bytes of GET answers, %d of them data, %d CopyObject%n",
                LARGE_UPLOADED >> 20,
                got,
                proxy.bytesDownloaded(),
                proxy.count(FaultProxy.Kind.COPY, "/.lambda-sync/trash/"));
        assertEquals(0, proxy.bytesDownloaded(), proxy::journal);
        assertTrue(got < 64 * 1024, "only small answers of the tool's own: " + got + "\n" + proxy.journal());
        assertEquals(1, proxy.count(FaultProxy.Kind.COPY, "/.lambda-sync/trash/"), proxy::journal);
        assertEquals(Map.of(), bucket.contents(), "deleted");
        assertNull(a.trashed(BIG), "nothing in this machine's trash");

        Repo.Run list = viaProxy.run("trash");
        assertExit(0, list);
        assertTrue(list.out().contains("trash: empty (.lambda-sync/trash/)\n"), list::toString);
        assertTrue(
                list.out()
                        .contains("bucket trash: 1 file, 100.0 MiB in 1 folder(s) of .lambda-sync/trash/ in bucket '"),
                list::toString);
        assertTrue(
                list.out()
                        .matches(
                                "(?s).*\\n\\d{8}-\\d{6}-[a-z0-9.-]+-[0-9a-f]{6}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by [a-z0-9.-]+-[0-9a-f]{6}: 1 file, 100.0 MiB\\n.*"),
                list::toString);
        assertTrue(
                list.out().contains("  exp/data/big.bin (100.0 MiB)  bucket copy kept before it was deleted there\n"),
                list::toString);

        Repo.Run back = viaProxy.run("trash", "restore", BIG);
        assertExit(0, back);
        assertTrue(back.out().contains("restored: exp/data/big.bin (100.0 MiB, from "), back::toString);
        assertEquals(md5, md5(a.path(BIG)), "the same bytes");
        assertEquals(Map.of(), bucket.trash(), "restored: no longer in the bucket's trash, nor its .why.tsv");
        Repo.Run plan = viaProxy.run("upload", "--dry-run");
        assertTrue(plan.out().contains("exp/data/big.bin (100.0 MiB)  new here"), plan::toString);
    }

    @Test
    void uploadForceOverALargeObjectCopiesItInTheBucketAndRestoreRefusesTheFileThereNow() throws Exception {
        Path theirs = tmp.resolve("theirs.bin");
        String md5 = large(theirs, LARGE, 2);
        bucket.s3.putObject(b -> b.bucket(bucket.name).key(BIG), RequestBody.fromFile(theirs));
        Repo c = Repo.init(tmp.resolve("c"), config("c", true));
        c.write(BIG, "c's own big.bin, small\n");
        assertExit(4, c.run("upload", "--yes"));

        Repo.Run r = c.run("upload", "--force", "--yes");
        assertExit(0, r);
        System.out.printf(
                "  upload --force over a %d MiB object: %d bytes of GET answers, %d of them data, %d CopyObject%n",
                LARGE >> 20,
                gotSoFar(),
                proxy.bytesDownloaded(),
                proxy.count(FaultProxy.Kind.COPY, "/.lambda-sync/trash/"));
        assertEquals(0, proxy.bytesDownloaded(), proxy::journal);
        assertTrue(gotSoFar() < 64 * 1024, proxy::journal);
        assertEquals(1, proxy.count(FaultProxy.Kind.COPY, "/.lambda-sync/trash/"), proxy::journal);
        assertEquals("c's own big.bin, small\n", bucket.text(BIG));
        Repo.Run list = c.run("trash");
        assertTrue(
                list.out().contains("  exp/data/big.bin (200.0 MiB)  bucket copy kept before --force overwrote it\n"),
                list::toString);

        Repo.Run refused = c.run("trash", "restore", BIG);
        assertExit(4, refused);
        assertTrue(
                refused.err()
                        .contains("not restored: exp/data/big.bin: a different file is there now; move it away first"),
                refused::toString);
        assertEquals("c's own big.bin, small\n", c.text(BIG), "untouched");
        assertTrue(gotSoFar() < 64 * 1024, "a refusal moves no bytes: " + gotSoFar());

        c.delete(BIG);
        assertExit(0, c.run("trash", "restore", BIG));
        assertEquals(md5, md5(c.path(BIG)));
    }

    @Test
    void anObjectBeyondOneCopyIsCopiedInPartsWithItsMetadata() throws Exception {
        // S3 copies at most 5 GiB in one CopyObject; here the limit is 8 MiB, so 20 MiB take three part copies.
        Repo a = Repo.init(tmp.resolve("a"), config("a", true))
                .withTuning(StoreFactory.Tuning.DEFAULT.copyingInParts(8 << 20));
        String md5 = large(a.path(BIG), 20 << 20, 3);
        a.mtime(BIG, 1_700_000_000_000L);
        assertExit(0, a.run("upload", "--yes"));
        a.delete(BIG);

        long before = gotSoFar();
        assertExit(0, a.run("upload", "--delete", "--yes"));
        assertEquals(0, proxy.bytesDownloaded(), proxy::journal);
        assertTrue(gotSoFar() - before < 64 * 1024, proxy::journal);
        assertEquals(3, proxy.count(FaultProxy.Kind.COPY, "/.lambda-sync/trash/"), proxy::journal);
        assertNull(a.trashed(BIG));

        assertExit(0, a.run("trash", "restore", BIG));
        assertEquals(md5, md5(a.path(BIG)));
        assertEquals(1_700_000_000_000L, a.mtime(BIG), "its mtime came with the copy's metadata");
    }

    @Test
    void oddNamesAreCopiedAsThemselves() {
        // x-amz-copy-source is a URL-encoded path: a name the encoding mangles would copy another object, or none.
        Repo a = Repo.init(tmp.resolve("a"), config("a", true));
        var names = java.util.List.of(
                "exp/data/a b.txt", "exp/data/p+q.txt", "exp/data/100%.txt", "exp/data/é ü.txt", "exp/data/x&y=z?.txt");
        for (String n : names) a.write(n, n + "\n");
        assertExit(0, a.run("upload", "--yes"));
        for (String n : names) a.delete(n);
        assertExit(0, a.run("upload", "--delete", "--yes"));
        assertEquals(Map.of(), bucket.contents());
        for (String n : names) assertEquals(n + "\n", bucket.trashed(n), n);
    }

    @Test
    void aServerWithoutCopyObjectFallsBackToTheLocalTrashSaidOnce() {
        proxy.quirks(EnumSet.of(ServerQuirks.Quirk.NO_COPY));
        Repo a = Repo.init(tmp.resolve("a"), config("a", true));
        a.write("exp/data/one.txt", "one\n");
        a.write("exp/data/two.txt", "two\n");
        a.write("exp/data/three.txt", "three\n");
        assertExit(0, a.run("upload", "--yes"));
        a.delete("exp/data/one.txt");
        a.delete("exp/data/two.txt");

        Repo.Run r = a.run("upload", "--delete", "--yes");
        assertExit(0, r);
        long said = r.both()
                .lines()
                .filter(l -> l.contains("does not support CopyObject"))
                .count();
        assertEquals(1, said, r::toString);
        assertTrue(r.both().contains("downloaded into .lambda-sync/trash/ here"), r::toString);
        assertEquals("one\n", a.trashed("exp/data/one.txt"));
        assertEquals("two\n", a.trashed("exp/data/two.txt"));
        assertEquals(Map.of(), bucket.trash());
        assertEquals(Map.of("exp/data/three.txt", "three\n"), bucket.contents());

        a.delete("exp/data/three.txt");
        Repo.Run again = a.run("upload", "--delete", "--yes");
        assertExit(0, again);
        assertFalse(again.both().contains("CopyObject"), "learned: not said again\n" + again);
        assertEquals(1, proxy.count(FaultProxy.Kind.COPY, null), "asked once, then known: " + proxy.journal());
        assertEquals("three\n", a.trashed("exp/data/three.txt"));
    }

    @Test
    void theBucketTrashIsNeverSyncedAsData() {
        Repo a = Repo.init(tmp.resolve("a"), config("a", true));
        a.write("exp/data/f.txt", "f\n");
        a.write("exp/reports/r.md", "r\n");
        assertExit(0, a.run("upload", "--yes"));
        a.delete("exp/data/f.txt");
        assertExit(0, a.run("upload", "--delete", "--yes"));
        assertEquals("f\n", bucket.trashed("exp/data/f.txt"));

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes", "--delete");
        assertExit(0, down);
        assertEquals(Map.of("exp/reports/r.md", "r\n"), b.dataFiles());
        Repo.Run status = b.run("status");
        assertFalse(status.out().contains("not synced (outside"), status::toString);
        Repo.Run again = a.run("upload", "--delete", "--force", "--dry-run");
        assertTrue(again.out().contains("nothing to do"), again::toString);
        Repo.Run scoped = b.run("download", "exp/reports", "--yes");
        assertExit(0, scoped);
        assertEquals("f\n", bucket.trashed("exp/data/f.txt"), "still there: no run took it for data");
    }

    @Test
    void underAPrefixTheTrashIsThePrefixsOwn() throws IOException {
        Path cfg = bucket.config(Files.createDirectories(tmp.resolve("cfg-p")), "SYNC_PREFIX=team/repo");
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        a.write("exp/data/f.txt", "f\n");
        assertExit(0, a.run("upload", "--yes"));
        a.delete("exp/data/f.txt");
        assertExit(0, a.run("upload", "--delete", "--yes"));
        var keys = bucket.contents().keySet().stream()
                .filter(k -> !k.endsWith("/.why.tsv"))
                .toList();
        assertEquals(1, keys.size(), keys::toString);
        assertTrue(
                keys.get(0).matches("team/repo/\\.lambda-sync/trash/\\d{8}-\\d{6}-[^/]+/exp/data/f\\.txt"),
                keys::toString);
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        // The trash is not data: to a fresh clone the prefix holds nothing (exit 5, SYNC.md's table).
        assertExit(5, down);
        assertTrue(down.out().contains("the bucket holds nothing under 'team/repo/'"), down::toString);
        assertEquals(Map.of(), b.dataFiles());
        assertTrue(
                b.run("trash").out().contains("  exp/data/f.txt (2 B)  bucket copy kept before it was deleted there"));
    }

    /** Folder names as runs make them: a start in UTC, a machine. */
    static String folder(LocalDateTime utc, String machine) {
        return utc.format(Trash.TIME) + "-" + machine;
    }

    @Test
    void twoMachinesPruningAtOnceLoseNothingNotOlderThanAsked() {
        Repo a = Repo.init(tmp.resolve("a"), config("a", true));
        a.write("exp/data/recent.txt", "recent\n");
        assertExit(0, a.run("upload", "--yes"));
        a.delete("exp/data/recent.txt");
        assertExit(0, a.run("upload", "--delete", "--yes")); // a real trash folder, made now
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        String old = folder(now.minusDays(40), "old-box-aaaaaa"), mid = folder(now.minusDays(10), "mid-box-bbbbbb");
        bucket.put(Bucket.TRASH + old + "/exp/data/o1.txt", "o1\n");
        bucket.put(Bucket.TRASH + old + "/exp/data/sub/o2.txt", "o2\n");
        bucket.put(Bucket.TRASH + old + "/.why.tsv", "exp/data/o1.txt\tBUCKET_COPY_BEFORE_DELETE\n");
        bucket.put(Bucket.TRASH + mid + "/exp/data/m.txt", "m\n");
        Repo b = Repo.init(tmp.resolve("b"), config("b", true));

        // a prunes what is older than 30 days; while its first delete is held, b prunes what is older than 5.
        Repo.Run[] bRun = new Repo.Run[1];
        proxy.on(FaultProxy.Kind.DELETE, "/.lambda-sync/trash/", FaultProxy.Fault.before(() -> {
            bRun[0] = b.run("trash", "prune", "--older-than", "5d");
        }));
        Repo.Run aRun = a.run("trash", "prune", "--older-than", "30d");

        assertExit(0, aRun);
        assertExit(0, bRun[0]);
        assertTrue(aRun.out().contains("pruned " + old + " in the bucket: 2 files, 6 B\n"), aRun::toString);
        assertTrue(aRun.out().contains("; 2 folder(s) kept there"), aRun::toString);
        assertTrue(bRun[0].out().contains("pruned " + mid + " in the bucket: 1 file, 2 B\n"), bRun[0]::toString);
        assertEquals("recent\n", bucket.trashed("exp/data/recent.txt"), "not older than either asked: kept");
        assertEquals(
                1,
                bucket.trash().keySet().stream()
                        .filter(k -> !k.endsWith("/.why.tsv"))
                        .count(),
                bucket.trash().toString());
    }
}
