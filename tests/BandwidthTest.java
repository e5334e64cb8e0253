import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import lib.common.BandwidthLimit;
import lib.store.s3.NativeHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --bwlimit} and {@code SYNC_BWLIMIT} (SYNC.md, "Bandwidth"), measured where the bytes
 * are: at the fault proxy between the tool and the server, both ways, with the time each piece
 * passed. The bound is asserted one way only (a limiter may be slower than its rate on a busy
 * machine, never faster): the busiest 1-second window after the first second, and the whole
 * transfer, each at most 10% over the limit.
 */
class BandwidthTest {
    static final long MiB = 1 << 20;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    Path proxied(String name, String... extra) {
        try {
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve("cfg-" + name));
            String[] lines = new String[extra.length + 1];
            lines[0] = "LAMBDA_ENDPOINT_URL=" + proxy.endpoint();
            System.arraycopy(extra, 0, lines, 1, extra.length);
            return bucket.config(dir, lines);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(42).nextBytes(b);
        return b;
    }

    /**
     * The traffic kept to {@code rate}: on average from its first byte to the end of the run
     * ({@code end}, when every byte has been read through the limit), and, where {@code windows},
     * in every 1-second window after the first, each at most 10% over. Windows are asserted for
     * what the tool sends: the proxy reads it as it comes. What it receives lands first in the
     * kernel's receive buffer (tcp_rmem grows it up to 32 MiB on this machine), which takes a burst
     * at the start of each response before the limit paces the reads from it.
     */
    static void assertWithin(FaultProxy.Traffic t, long end, long rate, long atLeast, boolean windows, String what) {
        long bytes = t.bytes(), busiest = t.busiest(Duration.ofSeconds(1), Duration.ofSeconds(1));
        double seconds = t.secondsUntil(end), average = bytes / Math.max(seconds, 1e-3);
        String figures = String.format(
                "%s: %d bytes in %.2f s on the wire = %.2f MiB/s; busiest second after the first %.2f MiB;"
                        + " limit %.2f MiB/s",
                what, bytes, seconds, average / MiB, busiest / (double) MiB, rate / (double) MiB);
        System.out.println("  " + figures);
        assertTrue(bytes >= atLeast, figures);
        assertTrue(average <= rate * 1.1, figures + "\n  KiB per 0.1 s: " + t.profile());
        if (windows) assertTrue(busiest <= rate * 1.1, figures + "\n  KiB per 0.1 s: " + t.profile());
    }

    @Test
    void aThrottledUploadAndDownloadKeepToTheLimitOnTheWire() {
        int size = 64 << 20; // multipart up, ranged GETs down: several connections share the one limit
        long rate = 16 * MiB;
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        byte[] data = random(size);
        a.write("exp/data/big.bin", data);

        FaultProxy.Traffic up = proxy.meter();
        Repo.Run u = a.run("upload", "--yes", "--bwlimit", "16M");
        long upEnd = System.nanoTime();
        assertEquals(0, u.code(), u::toString);
        assertTrue(u.out().contains(", limit 16.0 MiB/s)"), u::toString);
        assertWithin(up, upEnd, rate, size, true, "upload --bwlimit 16M of 64 MiB");

        Repo b = a.cloneTo(tmp.resolve("b"));
        FaultProxy.Traffic down = proxy.meter();
        Repo.Run d = b.run("download", "--yes", "--bwlimit", "16M");
        long downEnd = System.nanoTime();
        assertEquals(0, d.code(), d::toString);
        assertArrayEquals(data, b.read("exp/data/big.bin"));
        assertWithin(down, downEnd, rate, size, false, "download --bwlimit 16M of 64 MiB");
    }

    /** Over https the SDK's native (CRT) client carries the bodies: the limit sits above any client. */
    @Test
    void overHttpsTheNativeClientKeepsToTheLimitToo() throws Exception {
        assertEquals(null, NativeHttp.unavailable(), "the native TLS library does not load on this machine");
        int size = 32 << 20;
        long rate = 8 * MiB;
        try (FaultProxy tls = FaultProxy.startTls(bucket.server.endpoint)) {
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve("cfg-tls"));
            Path cfg = bucket.config(
                    dir,
                    "LAMBDA_ENDPOINT_URL=" + tls.endpoint(),
                    "LAMBDA_CA_BUNDLE=" + TestTls.caPem(),
                    "SYNC_BWLIMIT=8M");
            Repo a = Repo.init(tmp.resolve("a"), cfg);
            byte[] data = random(size);
            a.write("exp/data/big.bin", data);
            FaultProxy.Traffic up = tls.meter();
            Repo.Run u = a.run("upload", "--yes");
            long upEnd = System.nanoTime();
            assertEquals(0, u.code(), u::toString);
            assertTrue(u.out().contains(", limit 8.0 MiB/s)"), u::toString);
            assertWithin(up, upEnd, rate, size, true, "upload over https (native client), SYNC_BWLIMIT=8M, 32 MiB");

            Repo b = a.cloneTo(tmp.resolve("b"));
            FaultProxy.Traffic down = tls.meter();
            Repo.Run d = b.run("download", "--yes");
            long downEnd = System.nanoTime();
            assertEquals(0, d.code(), d::toString);
            assertArrayEquals(data, b.read("exp/data/big.bin"));
            assertWithin(down, downEnd, rate, size, false, "download over https (native client), 32 MiB");
        }
    }

    @Test
    void watchKeepsToTheConfigKey() throws Exception {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a", "SYNC_BWLIMIT=4M"));
        a.write("exp/data/seed.txt", "seed\n");
        assertEquals(0, a.run("upload", "--yes").code());
        FaultProxy.Traffic t = proxy.meter();
        WatchTest.Running w = new WatchTest.Running(a, WatchTest.FAST, System::currentTimeMillis);
        try {
            assertTrue(WatchTest.log(a).contains("at most 4.0 MiB/s (bandwidth limit)"), WatchTest.log(a));
            byte[] data = random(12 << 20);
            a.write("exp/data/autosaved.bin", data);
            WatchTest.await(
                    () -> WatchTest.log(a).contains("sent exp/data/autosaved.bin"),
                    () -> "never sent; log:\n" + WatchTest.log(a));
            assertArrayEquals(data, bucket.bytes("exp/data/autosaved.bin"));
        } finally {
            assertEquals(0, w.stop());
        }
        assertWithin(t, System.nanoTime(), 4 * MiB, 12 << 20, true, "watch with SYNC_BWLIMIT=4M, 12 MiB");
    }

    @Test
    void aBadRateIsOneLineNamingTheAcceptedForms() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        Repo.Run r = a.run("upload", "--yes", "--bwlimit", "10 MB/s");
        assertEquals(2, r.code(), r::toString);
        assertEquals(
                "lambda-sync: --bwlimit takes " + BandwidthLimit.FORMS + ", not '10 MB/s'\n", r.err(), r::toString);
        assertEquals(2, a.run("status", "--bwlimit", "10M").code(), "status moves no bytes: refused");

        Repo c = Repo.init(tmp.resolve("c"), proxied("c", "SYNC_BWLIMIT=fast"));
        Repo.Run k = c.run("upload", "--yes");
        assertEquals(2, k.code(), k::toString);
        assertTrue(k.err().contains(": SYNC_BWLIMIT takes " + BandwidthLimit.FORMS + ", not 'fast'"), k::toString);
        assertEquals(0, c.run("upload", "--yes", "--bwlimit", "off").code(), "the option wins over the file");
        Repo.Run doctor = c.run("doctor", "--read-only");
        assertEquals(1, doctor.code(), doctor::toString);
        assertTrue(
                doctor.out().contains("FAIL  keys: ") && doctor.out().contains("; fix SYNC_BWLIMIT"), doctor::toString);
    }
}
