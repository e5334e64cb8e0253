import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over https, small files come down without the S3Client's pipeline (lib/store/s3/DirectGet.java,
 * SYNC.md "Speed"), through the fault proxy speaking TLS: the GETs carry none of the pipeline's
 * headers, keys that need encoding arrive byte for byte, a 503 is retried, and a server that
 * refuses If-Match is learned and asked again without it; the HEAD that compares a file goes the
 * same way.
 */
class DirectGetTest {
    static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    FaultProxy proxy;

    @BeforeEach
    void start() {
        proxy = FaultProxy.startTls(bucket.server.endpoint);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    Path config(String name, boolean https) {
        try {
            Path dir = Files.createDirectories(tmp.resolve("cfg-" + name));
            return https
                    ? bucket.config(
                            dir, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint(), "LAMBDA_CA_BUNDLE=" + TestTls.caPem())
                    : bucket.config(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Uploaded straight to the server (plain http); b is a clone that downloads over https through the proxy. */
    Repo[] uploadedAndCloned() {
        Repo a = Repo.init(tmp.resolve("a"), config("a", false));
        a.write("exp/data/x.txt", "x\n", T0);
        a.write("exp/data/y.txt", "y\n", T0 + 1000);
        a.write("exp/data/a b+c%d.txt", "encoded\n", T0 + 2000);
        a.write("exp/data/café 日本/ü.txt", "accents\n", T0 + 3000);
        Repo.assertExit(0, a.run("upload", "--yes"));
        return new Repo[] {a, a.cloneTo(tmp.resolve("b")).withConfig(config("b", true))};
    }

    @Test
    void smallFilesComeWithoutThePipelineAndA503IsRetried() {
        Repo[] ab = uploadedAndCloned();
        var rule = proxy.on(FaultProxy.Kind.GET, "x.txt", FaultProxy.Fault.slowDown());

        Repo.assertExit(0, ab[1].run("download", "--yes"));

        assertEquals(1, rule.fired(), proxy::journal);
        assertEquals(ab[0].dataFiles(), ab[1].dataFiles());
        assertEquals(ab[0].dataMtimes(), ab[1].dataMtimes());
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "x.txt"), proxy::journal);
        List<FaultProxy.Request> gets = proxy.requests(FaultProxy.Kind.GET, "/exp/data/");
        assertEquals(5, gets.size(), proxy::journal);
        for (var get : gets) {
            assertNull(get.header("amz-sdk-invocation-id"), () -> get + " went through the S3Client's pipeline");
            assertNotNull(get.header("authorization"), get::toString);
        }
        // The listing still goes through the S3Client: the header is recorded where it is sent.
        assertNotNull(
                proxy.requests(FaultProxy.Kind.LIST, null).get(0).header("amz-sdk-invocation-id"), proxy::journal);
    }

    @Test
    void anIfMatchRefusalIsLearnedAndTheGetAskedAgainWithout() {
        Repo[] ab = uploadedAndCloned();
        var rule = proxy.on(FaultProxy.Kind.GET, "y.txt", FaultProxy.Fault.status(400, "InvalidArgument"));

        Repo.Run r = ab[1].run("download", "--yes");

        Repo.assertExit(0, r);
        assertEquals(1, rule.fired(), proxy::journal);
        assertEquals(ab[0].dataFiles(), ab[1].dataFiles());
        List<FaultProxy.Request> y = proxy.requests(FaultProxy.Kind.GET, "y.txt");
        assertEquals(2, y.size(), proxy::journal);
        assertNotNull(y.get(0).header("if-match"), proxy::journal);
        assertNull(y.get(1).header("if-match"), proxy::journal);
        assertFalse(r.both().contains(bucket.server.secretKey), r::toString);
    }

    @Test
    void aHeadThatComparesAFileGoesWithoutThePipelineToo() {
        // Another tool's object, with no proof manifest, and an ETag that is not its MD5: only its
        // metadata (a HEAD) or its bytes can say the local copy is the same.
        proxy.quirks(java.util.EnumSet.of(ServerQuirks.Quirk.OPAQUE_ETAGS));
        bucket.put("exp/data/h.txt", "same\n");
        Repo b = Repo.init(tmp.resolve("b"), config("b", true));
        b.write("exp/data/h.txt", "same\n", T0);

        Repo.assertExit(0, b.run("download", "--yes"));

        assertEquals("same\n", bucket.text("exp/data/h.txt"));
        List<FaultProxy.Request> heads = proxy.requests(FaultProxy.Kind.HEAD, "exp/data/h.txt");
        assertEquals(1, heads.size(), proxy::journal);
        assertNull(heads.get(0).header("amz-sdk-invocation-id"), proxy::journal);
        assertNotNull(heads.get(0).header("authorization"), proxy::journal);
    }
}
