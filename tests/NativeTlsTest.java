import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import lib.store.s3.NativeHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https goes through the SDK's native TLS client (lib/store/s3/NativeHttp.java), which must trust what
 * LAMBDA_CA_BUNDLE names, refuse what it does not, and give way to Java's TLS with one notice
 * where its native library cannot load (SYNC.md, "Speed"). The server speaks TLS with the suite's
 * test certificate ({@link TestTls}), trusted by nothing on this machine but that bundle.
 */
class NativeTlsTest {
    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    FaultProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
    }

    /** A config for the https endpoint, with the extra lines given. */
    Path config(String name, String... extra) throws java.io.IOException {
        Path dir = Files.createDirectories(tmp.resolve("cfg-" + name));
        String[] lines = new String[extra.length + 1];
        lines[0] = "LAMBDA_ENDPOINT_URL=" + proxy.endpoint();
        System.arraycopy(extra, 0, lines, 1, extra.length);
        return bucket.config(dir, lines);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void smallAndLargeFilesRoundTripNativelyTrustingTheCaBundle() throws Exception {
        assertNull(NativeHttp.unavailable(), "the native TLS library does not load on this machine");
        proxy = FaultProxy.startTls(bucket.server.endpoint);
        String ca = "LAMBDA_CA_BUNDLE=" + TestTls.caPem();
        Repo a = Repo.init(tmp.resolve("a"), config("a", ca));
        byte[] big = random(17 * MIB + 5, 1); // two parts up, two ranges down
        a.write("exp/data/small.txt", "over native TLS\n");
        a.write("exp/data/big.bin", big);
        Repo.Run up = a.run("upload", "--yes");
        assertEquals(0, up.code(), up::toString);
        assertFalse(up.both().contains("notice:"), up::toString);
        assertArrayEquals(big, bucket.bytes("exp/data/big.bin"));
        assertEquals("over native TLS\n", bucket.text("exp/data/small.txt"));

        Repo b = Repo.init(tmp.resolve("b"), config("b", ca));
        Repo.Run down = b.run("download", "--yes");
        assertEquals(0, down.code(), down::toString);
        assertArrayEquals(big, Files.readAllBytes(b.root.resolve("exp/data/big.bin")));
        assertEquals("over native TLS\n", Files.readString(b.root.resolve("exp/data/small.txt")));
        assertTrue(proxy.count(FaultProxy.Kind.GET) >= 3, proxy::journal); // the small file and two ranges
    }

    @Test
    void withoutTheCaBundleTheServerIsRefusedInOneLineNamingIt() throws Exception {
        proxy = FaultProxy.startTls(bucket.server.endpoint);
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            Repo.Run r = a.run(mode, "--yes");
            assertEquals(1, r.code(), r::toString);
            assertEquals(1, r.err().lines().count(), r::toString);
            assertTrue(r.err().contains("TLS handshake"), r::toString);
            assertTrue(r.err().contains("LAMBDA_CA_BUNDLE"), r::toString);
            assertFalse(r.both().contains("\tat "), r::toString);
        }
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void whereTheNativeLibraryCannotLoadOneNoticeAndJavaTlsCarriesTheSync() throws Exception {
        proxy = FaultProxy.startTls(bucket.server.endpoint);
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_CA_BUNDLE=" + TestTls.caPem()));
        byte[] big = random(17 * MIB + 5, 2);
        a.write("exp/data/big.bin", big);
        a.write("exp/data/small.txt", "over Java's TLS\n");
        // A CPU the native library has no build for: the library does not load, as on such a machine.
        Repo.Run r = ToolProcess.run(a, "512m", 300, List.of("-Daws.crt.arch=unknown-cpu"), "upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        List<String> notices =
                r.err().lines().filter(l -> l.startsWith("notice:")).toList();
        assertEquals(1, notices.size(), r::toString);
        assertTrue(notices.get(0).contains("native TLS is unavailable"), r::toString);
        assertTrue(notices.get(0).contains("Java's TLS"), r::toString);
        assertArrayEquals(big, bucket.bytes("exp/data/big.bin"));
        assertEquals("over Java's TLS\n", bucket.text("exp/data/small.txt"));
    }
}
