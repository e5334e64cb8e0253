import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A file over the part size that changes while it is being uploaded (a checkpoint still being
 * written): the multipart upload must be aborted, the previous object must stay whole, the run
 * says "changed while it was being uploaded", and the next run simply uploads the file, with no
 * false conflict on either machine. The change is made by the proxy as the first part arrives,
 * so it is deterministic; played with a server that checks Content-MD5 and one that does not.
 */
class TornUploadTest {
    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "server checks Content-MD5: {0}")
    @ValueSource(booleans = {true, false})
    void aLargeFileChangedDuringItsUploadIsAbortedAndTheOldObjectStays(boolean checksMd5) throws Exception {
        if (!checksMd5) proxy.quirks(EnumSet.of(ServerQuirks.Quirk.IGNORES_CONTENT_MD5));
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        byte[] v1 = random(40 * MIB, 1);
        a.write("exp/data/ckpt.bin", v1);
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.assertExit(0, b.run("download", "--yes"));

        byte[] v2 = random(40 * MIB, 2);
        a.write("exp/data/ckpt.bin", v2);
        // The training job writes on while part 1 is on its way: every later part reads new bytes.
        byte[] v3 = random(40 * MIB, 3);
        proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=1", FaultProxy.Fault.before(() -> {
            try {
                Files.write(a.path("exp/data/ckpt.bin"), v3, StandardOpenOption.WRITE);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));

        Repo.Run torn = a.run("upload", "--yes");

        Repo.assertExit(1, torn);
        assertTrue(
                torn.err().contains("exp/data/ckpt.bin") && torn.err().contains("changed while it was being uploaded"),
                torn::toString);
        assertArrayEquals(v1, bucket.bytes("exp/data/ckpt.bin"), "the previous object must stay whole");
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(r -> r.bucket(bucket.name)).uploads(),
                "no upload left dangling");

        // The next run just uploads what the file holds now; the other machine then gets it, no conflict.
        proxy.clearRules();
        Repo.Run again = a.run("upload", "--yes");
        Repo.assertExit(0, again);
        assertArrayEquals(v3, bucket.bytes("exp/data/ckpt.bin"));
        Repo.Run down = b.run("download", "--yes");
        Repo.assertExit(0, down);
        assertArrayEquals(v3, Files.readAllBytes(b.path("exp/data/ckpt.bin")));
        assertTrue(a.run("upload", "--yes").out().contains("nothing to do"));
    }

    /**
     * The order the race above can also take: a part's body is read partly after the rewrite, so a
     * server that checks Content-MD5 refuses it (BadDigest). That is the file changing, said as
     * such, not a request "refused for good"; and a BadDigest while the file stayed as it was is
     * damage on the way, worth a rerun. Played deterministically: the proxy answers BadDigest.
     */
    @ParameterizedTest(name = "file rewritten meanwhile: {0}")
    @ValueSource(booleans = {true, false})
    void aPartRefusedAsDamagedIsTheFileChangingOrDamageOnTheWay(boolean rewritten) throws Exception {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        byte[] v1 = random(40 * MIB, 1);
        a.write("exp/data/ckpt.bin", v1);
        Repo.assertExit(0, a.run("upload", "--yes"));

        a.write("exp/data/ckpt.bin", random(40 * MIB, 2));
        byte[] v3 = random(40 * MIB, 3);
        if (rewritten) {
            proxy.on(FaultProxy.Kind.CREATE_MULTIPART, "", FaultProxy.Fault.before(() -> {
                try {
                    Files.write(a.path("exp/data/ckpt.bin"), v3, StandardOpenOption.WRITE);
                    Files.setLastModifiedTime(
                            a.path("exp/data/ckpt.bin"),
                            java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=1", FaultProxy.Fault.status(400, "BadDigest"));

        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(1, r);
        if (rewritten) {
            assertTrue(r.err().contains("changed while it was being uploaded"), r::toString);
        } else {
            assertTrue(r.err().contains("damaged on the way"), r::toString);
            assertTrue(r.err().contains("run the same command again"), r::toString);
        }
        assertTrue(!r.err().contains("for good"), r::toString);
        assertArrayEquals(v1, bucket.bytes("exp/data/ckpt.bin"), "the previous object must stay whole");
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(l -> l.bucket(bucket.name)).uploads(),
                "no upload left dangling");
    }
}
