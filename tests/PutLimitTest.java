import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that caps single PUTs (500 MB on one filesystem-backed service; here, as the fault
 * proxy plays it, a few hundred KB): a PUT refused as too large goes up in parts instead, and the
 * limit is learned, so a later file that large goes up in parts at once (SYNC.md, "Servers that
 * are not AWS").
 */
class PutLimitTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void cleanUp() {
        proxy.close();
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aPutRefusedAsTooLargeGoesUpInPartsAndTheLimitIsLearned() throws IOException {
        Path config =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), config);
        a.write("exp/data/big.bin", random(300_000, 1));
        a.write("exp/data/small.txt", "small\n");
        var refused = proxy.on(FaultProxy.Kind.PUT, "exp/data/big", FaultProxy.Fault.status(413, "EntityTooLarge"))
                .always();

        Repo.Run up = a.run("upload", "--yes");
        assertEquals(0, up.code(), up::toString);
        assertEquals(a.dataFiles(), bucket.contents());
        assertEquals(1, refused.fired(), proxy::journal);
        assertEquals(1, proxy.count(FaultProxy.Kind.CREATE_MULTIPART), proxy::journal);
        assertTrue(up.err().contains("the server refuses a single PUT of 293.0 KiB"), up::toString);

        a.write("exp/data/big2.bin", random(400_000, 2)); // larger than the refused one: in parts at once
        Repo.Run again = a.run("upload", "--yes");
        assertEquals(0, again.code(), again::toString);
        assertEquals(a.dataFiles(), bucket.contents());
        assertEquals(1, refused.fired(), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.CREATE_MULTIPART), proxy::journal);

        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        assertEquals(a.dataFiles(), b.dataFiles());
    }
}
