import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import lib.sync.StoreFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that stops answering altogether (frozen, or the network gone silent): each request is
 * given up after the socket timeout, naming the endpoint, and the run as a whole gives up once one
 * request has failed all its attempts with nothing answering meanwhile, instead of every file
 * waiting out its own timeouts (SYNC.md, "When things go wrong"). The socket timeout is tuned to
 * 2 s; the proxy holds every upload, so no sleep is involved and the bound is counted in requests.
 */
class SilentServerTest {
    static final int FILES = 40;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void aFrozenServerEndsTheRunAfterOneRequestsAttemptsNamingTheEndpoint() throws Exception {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        var tuning = new StoreFactory.Tuning(StoreFactory.Tuning.DEFAULT.firstPageKeys(), Duration.ofSeconds(2));
        Repo a = Repo.init(tmp.resolve("a"), cfg).withTuning(tuning);
        a.write("exp/data/first.txt", "learns the server's profile");
        assertEquals(0, a.run("upload", "--yes").code());
        for (int i = 0; i < FILES; i++) a.write("exp/data/f" + i + ".txt", "result " + i);
        proxy.on(FaultProxy.Kind.PUT, null, FaultProxy.Fault.stall(Duration.ofMinutes(10)))
                .always();
        int puts = proxy.count(FaultProxy.Kind.PUT);

        Repo.Run r = a.run("upload", "--yes", "-j", "4");

        assertEquals(1, r.code(), r::toString);
        assertTrue(
                r.err().contains("no answer from " + proxy.endpoint() + " within 2 s (Read timed out)"), r::toString);
        assertTrue(
                r.err()
                        .contains("no answer from " + proxy.endpoint() + " for 6 s: gave up (check the network and the"
                                + " server, then run the same command again)\n"),
                r::toString);
        assertTrue(r.err().contains("run the same command again"), r::toString);
        int sent = proxy.count(FaultProxy.Kind.PUT) - puts;
        // 4 at a time, 3 attempts each, then nothing more: far fewer requests than files.
        assertTrue(sent < FILES, () -> sent + " uploads tried for " + FILES + " files\n" + r);
    }
}
