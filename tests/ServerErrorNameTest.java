import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that answers 500 to one name every time (a filesystem-backed server that cannot store
 * it) while the other files go through: the run does not just say "run the same command again",
 * which would fail the same way for ever; it says what to do if the same file fails again.
 */
class ServerErrorNameTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void aNameTheServerAlwaysFailsOnGetsAdviceBeyondRunningAgain() throws Exception {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        a.write("exp/data/ok.txt", "fine");
        a.write("exp/data/we:ird.txt", "a name the server's filesystem chokes on");
        proxy.on(FaultProxy.Kind.PUT, "we:ird.txt", FaultProxy.Fault.internalError())
                .always();

        Repo.Run r = a.run("upload", "--yes");

        assertEquals(1, r.code(), r::toString);
        assertEquals("fine", bucket.text("exp/data/ok.txt"));
        assertTrue(r.err().contains("failed: exp/data/we:ird.txt: the server answered 500 InternalError"), r::toString);
        assertTrue(
                r.err()
                        .contains("1 file got a server error (5xx) while other files went through: if the same files"
                                + " fail on the next run too, the server cannot store them under these names: rename them,"
                                + " or exclude them in .syncignore"),
                r::toString);
    }
}
