import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import lib.store.BytesMoved;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21.4 against the real server: the bytes {@link Progress} shows ({@link BytesMoved}) count
 * while a file is in flight — a single PUT's body as it is sent, a large file's parts and ranges
 * as they finish — not only when the file is done. The proxy holds one request of the file until
 * the test has looked (a latch, no sleep).
 */
class ProgressInFlightTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);
    final CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        proxy.close();
    }

    Repo repo(String name) {
        return Repo.init(tmp.resolve(name), bucket.config(tmp, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()));
    }

    /** Holds the matching request until the test lets it go. */
    FaultProxy.Fault hold() {
        return FaultProxy.Fault.before(() -> {
            held.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * Runs the command on a thread; while the held request waits, returns the bytes counted since
     * it began, once they reach {@code atLeast} (the requests not held finish meanwhile).
     */
    long countedWhileHeld(Repo r, long atLeast, String... args) throws Exception {
        AtomicReference<Repo.Run> result = new AtomicReference<>();
        long before = BytesMoved.total();
        Thread t = new Thread(() -> result.set(r.run(args)));
        t.start();
        assertTrue(held.await(60, TimeUnit.SECONDS), "the request was never held");
        WatchTest.await(() -> BytesMoved.total() - before >= atLeast, () -> "counted " + (BytesMoved.total() - before));
        long counted = BytesMoved.total() - before;
        assertEquals(null, result.get(), "still running: the file is not done");
        release.countDown();
        t.join(60_000);
        assertEquals(0, result.get().code(), result.get()::toString);
        return counted;
    }

    @Test
    void aSinglePutCountsItsBodyWhileItIsSent() throws Exception {
        Repo a = repo("a");
        a.write("exp/data/one.bin", new byte[8 * MIB]);
        proxy.on(FaultProxy.Kind.PUT, "exp/data/one.bin", hold());
        long counted = countedWhileHeld(a, 8 * MIB, "upload", "--yes");
        assertTrue(counted < 9 * MIB, "the body once, and the tool's own small objects: " + counted);
    }

    @Test
    void partsCountAsTheyGo() throws Exception {
        Repo a = repo("a");
        a.write("exp/data/big.bin", new byte[48 * MIB]); // three 16 MiB parts
        proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=3", hold());
        countedWhileHeld(a, 32 * MIB, "upload", "--yes"); // two parts' worth while the third is held
    }

    @Test
    void rangesCountAsTheyArrive() throws Exception {
        bucket.put("exp/data/big.bin", new byte[48 * MIB]);
        Repo b = repo("b");
        proxy.on(FaultProxy.Kind.GET, "exp/data/big.bin", hold()).nth(3);
        countedWhileHeld(b, 16 * MIB, "download", "--yes"); // what arrived while one range is held
        assertEquals(48 * MIB, java.nio.file.Files.size(b.path("exp/data/big.bin")));
    }
}
