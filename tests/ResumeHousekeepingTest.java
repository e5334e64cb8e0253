import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bookkeeping around an upload killed after two parts (SYNC.md, "Resuming"): the server's
 * list of parts decides what is reused (a part it holds but the journal missed is not sent
 * again); an upload the server no longer has starts afresh in the same run; {@code status} and
 * {@code doctor} say what is pending on the server and how big. The kill is made deterministic
 * as in {@link ResumeChangeTest}.
 */
class ResumeHousekeepingTest {
    static final int MIB = 1024 * 1024;
    static final long SIZE = 80L * MIB;
    static final String FILE = ResumeChangeTest.FILE;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    Repo killedAfterTwoParts() throws Exception {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        ResumeChangeTest.writeRandom(a.path(FILE), SIZE, 1);
        ResumeChangeTest.killAfterTwoParts(proxy, tmp.resolve("killed.log"), a);
        return a;
    }

    void assertUploadedWhole(Repo a, Repo.Run r) throws Exception {
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(a.read(FILE), bucket.bytes(FILE));
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads(),
                "nothing left dangling");
        assertEquals(List.of(), ResumeChangeTest.journals(a));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        assertEquals(0, down.code(), down::toString);
        assertArrayEquals(a.read(FILE), b.read(FILE));
    }

    @Test
    void aPartTheServerHoldsButTheJournalMissedIsReused() throws Exception {
        Repo a = killedAfterTwoParts();
        // Killed between the server's answer for part 2 and its journal line: only part 1 is recorded.
        Path journal = a.path(".lambda-sync/uploads")
                .resolve(ResumeChangeTest.journals(a).get(0));
        List<String> lines = Files.readAllLines(journal);
        Files.write(journal, lines.stream().filter(l -> !l.startsWith("2\t")).toList());

        int from = proxy.size();
        Repo.Run r = a.run("upload", "--yes");

        assertTrue(r.out().contains("resume: 32.0 MiB of 80.0 MiB already there (" + FILE + ")"), r::toString);
        assertEquals(SIZE - 32L * MIB, proxy.bytesUploaded(from), proxy::journal);
        assertUploadedWhole(a, r);
    }

    @Test
    void anUploadTheServerDroppedStartsAfreshInTheSameRun() throws Exception {
        Repo a = killedAfterTwoParts();
        // The server forgets it between the plan's ListParts and the first part sent (expired, aborted elsewhere).
        proxy.on(FaultProxy.Kind.UPLOAD_PART, null, FaultProxy.Fault.status(404, "NoSuchUpload"));

        int creates = proxy.count(FaultProxy.Kind.CREATE_MULTIPART);
        Repo.Run r = a.run("upload", "--yes");

        assertFalse(r.both().contains("NoSuchUpload"), r::toString);
        assertEquals(creates + 1, proxy.count(FaultProxy.Kind.CREATE_MULTIPART), proxy::journal);
        assertUploadedWhole(a, r);
    }

    @Test
    void anUploadAbortedOnTheServerIsNotPromisedAndStartsAfresh() throws Exception {
        Repo a = killedAfterTwoParts();
        for (var u : bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads())
            bucket.s3.abortMultipartUpload(
                    b -> b.bucket(bucket.name).key(u.key()).uploadId(u.uploadId()));

        Repo.Run r = a.run("upload", "--yes");

        assertFalse(r.out().contains("resume:"), r::toString);
        assertUploadedWhole(a, r);
    }

    @Test
    void statusAndDoctorSayWhatIsPendingOnTheServer() throws Exception {
        Repo a = killedAfterTwoParts();

        Repo.Run status = a.run("status");
        String line = "1 unfinished upload holds 32.0 MiB on the server: " + FILE + " (32.0 MiB, resumable here)";
        assertTrue(status.out().contains(line), status::toString);
        Repo.Run doctor = a.run("doctor", "--read-only");
        assertTrue(doctor.out().contains(line), doctor::toString);

        assertEquals(0, a.run("upload", "--yes").code());
        assertFalse(a.run("status").out().contains("unfinished upload"));
    }
}
