import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two machines, one bucket: machine B writes a key while machine A's run is between its plan and
 * its write. A's write must lose the race as a conflict (exit 4), never overwrite B's work. The
 * race is made deterministic by the proxy, which runs B's upload just before A's request reaches
 * the server. Both ways of checking are played: the server honouring If-Match / If-None-Match
 * (S3Proxy does), and a server ignoring them (then a HEAD right before the write is the check).
 */
class LostUpdateTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    Path config(String name, String... extra) {
        try {
            return bucket.config(Files.createDirectories(tmp.resolve("cfg-" + name)), extra);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A through the proxy, B straight to the server; both synced on exp/data/x.txt = "v1". */
    Repo[] twoMachines(boolean serverIgnoresConditionals) {
        if (serverIgnoresConditionals) proxy.quirks(EnumSet.of(ServerQuirks.Quirk.IGNORES_CONDITIONALS));
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()));
        a.write("exp/data/x.txt", "v1\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(config("b"));
        Repo.assertExit(0, b.run("download", "--yes"));
        return new Repo[] {a, b};
    }

    /** B's own upload, run by the proxy when A's {@code kind} request for {@code key} arrives. */
    void bUploadsJustBefore(FaultProxy.Kind kind, String key, Repo b) {
        proxy.on(kind, key, FaultProxy.Fault.before(() -> Repo.assertExit(0, b.run("upload", "--yes"))));
    }

    /** Where the server ignores conditionals, the HEAD right before the write is where the race is decided. */
    static FaultProxy.Kind raceAt(boolean ignores, FaultProxy.Kind write) {
        return ignores ? FaultProxy.Kind.HEAD : write;
    }

    @ParameterizedTest(name = "server ignores conditionals: {0}")
    @ValueSource(booleans = {false, true})
    void anOverwriteRacingAnotherMachinesUploadIsAConflictAndKeepsItsWork(boolean ignores) {
        Repo[] m = twoMachines(ignores);
        Repo a = m[0], b = m[1];
        a.write("exp/data/x.txt", "A's edit\n");
        b.write("exp/data/x.txt", "B's edit\n");
        bUploadsJustBefore(raceAt(ignores, FaultProxy.Kind.PUT), "data/x.txt", b);

        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(4, r);
        assertTrue(
                r.err().contains("conflict: exp/data/x.txt: changed in the bucket since the plan was made"),
                r::toString);
        assertEquals("B's edit\n", bucket.text("exp/data/x.txt"));
        assertEquals("A's edit\n", a.text("exp/data/x.txt"));
        // Next time A sees both edits for what they are: a conflict, untouched.
        Repo.Run next = a.run("upload", "--yes");
        Repo.assertExit(4, next);
        assertTrue(next.out().contains("changed on both sides"), next::toString);
        assertEquals("B's edit\n", bucket.text("exp/data/x.txt"));
    }

    @ParameterizedTest(name = "server ignores conditionals: {0}")
    @ValueSource(booleans = {false, true})
    void aNewFileRacingAnotherMachinesNewFileOfTheSameNameIsAConflict(boolean ignores) {
        Repo[] m = twoMachines(ignores);
        Repo a = m[0], b = m[1];
        a.write("exp/data/y.txt", "A's y\n");
        b.write("exp/data/y.txt", "B's y\n");
        bUploadsJustBefore(raceAt(ignores, FaultProxy.Kind.PUT), "data/y.txt", b);

        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(4, r);
        assertEquals("B's y\n", bucket.text("exp/data/y.txt"));
        assertEquals("A's y\n", a.text("exp/data/y.txt"));
    }

    @ParameterizedTest(name = "server ignores conditionals: {0}")
    @ValueSource(booleans = {false, true})
    void aDeleteRacingAnotherMachinesUploadIsAConflictAndDeletesNothing(boolean ignores) {
        Repo[] m = twoMachines(ignores);
        Repo a = m[0], b = m[1];
        a.delete("exp/data/x.txt");
        b.write("exp/data/x.txt", "B's edit\n");
        proxy.on(
                FaultProxy.Kind.HEAD,
                "data/x.txt",
                FaultProxy.Fault.before(() -> Repo.assertExit(0, b.run("upload", "--yes"))));

        Repo.Run r = a.run("upload", "--delete", "--yes");

        Repo.assertExit(4, r);
        assertEquals("B's edit\n", bucket.text("exp/data/x.txt"));
    }

    @ParameterizedTest(name = "server ignores conditionals: {0}")
    @ValueSource(booleans = {false, true})
    void aLostAnswerToOurOwnConditionalWriteIsNotAConflict(boolean ignores) {
        Repo[] m = twoMachines(ignores);
        Repo a = m[0];
        a.write("exp/data/x.txt", "A's edit\n");
        a.write("exp/data/z.txt", "new\n");
        // The server stores both, the answers are lost, the SDK sends them again.
        proxy.on(FaultProxy.Kind.PUT, "data/x.txt", FaultProxy.Fault.dropResponse());
        proxy.on(FaultProxy.Kind.PUT, "data/z.txt", FaultProxy.Fault.dropResponse());

        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(0, r);
        assertEquals("A's edit\n", bucket.text("exp/data/x.txt"));
        assertEquals("new\n", bucket.text("exp/data/z.txt"));
        assertTrue(a.run("upload", "--yes").out().contains("nothing to do"));
    }
}
