import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import lib.common.ContentHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 300 MiB upload or download killed (SIGKILL) at about 60%: the next run moves only what is
 * missing (counted at the proxy) and the result is byte-exact; a file edited between the runs
 * is sent whole; a server without ListParts still finishes, sending it whole. The kill is made
 * deterministic by holding the requests after the 11th at the proxy and waiting for the tool's
 * journal to record 11 parts or ranges before killing.
 */
class ResumeTest {
    static final int MIB = 1024 * 1024;
    static final long SIZE = 300L * MIB;
    static final String FILE = "exp/data/ckpt.bin";

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    Repo repoWithCheckpoint() throws IOException {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        writeRandom(a.path(FILE), 1);
        return a;
    }

    static void writeRandom(Path p, long seed) throws IOException {
        Files.createDirectories(p.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long n = 0; n < SIZE; n += buf.length) {
                r.nextBytes(buf);
                out.write(buf);
            }
        }
    }

    /** Starts an upload as its own process, holds parts 12 and up, and kills it once parts 1-11 are journaled. */
    void uploadKilledAtSixtyPercent(Repo a) throws Exception {
        for (int n = 12; n <= 19; n++)
            proxy.on(
                            FaultProxy.Kind.UPLOAD_PART,
                            "partNumber=" + n + "&",
                            FaultProxy.Fault.stall(Duration.ofMinutes(10)))
                    .always();
        Process p = a.start(tmp.resolve("killed.log"), "upload", "--yes");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (journaledParts(a) < 11) {
            assertTrue(p.isAlive(), () -> "the upload ended early:\n" + read(tmp.resolve("killed.log")));
            assertTrue(System.nanoTime() < deadline, "parts 1-11 were not journaled in time:\n" + proxy.journal());
            Thread.sleep(50); // polling for a condition, not timing an assertion
        }
        Repo.kill(p);
        proxy.clearRules();
    }

    static int journaledParts(Repo a) throws IOException {
        Path dir = a.path(".lambda-sync/uploads");
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            int max = 0;
            for (Path f : s.toList())
                max = Math.max(max, (int) Files.readAllLines(f).stream()
                        .filter(l -> l.matches("\\d+\t.*"))
                        .count());
            return max;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    String bucketMd5() throws IOException {
        try (InputStream in = bucket.s3.getObject(b -> b.bucket(bucket.name).key(FILE))) {
            return ContentHash.md5Hex(in);
        }
    }

    @Test
    void aKilledUploadResumesWithTheMissingPartsOnly() throws Exception {
        Repo a = repoWithCheckpoint();
        uploadKilledAtSixtyPercent(a);

        int from = proxy.size();
        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(0, r);
        assertTrue(r.out().contains("resume: 176.0 MiB of 300.0 MiB already there (" + FILE + ")"), r::toString);
        long sent = proxy.bytesUploaded(from);
        assertTrue(sent <= SIZE * 45 / 100, () -> "sent " + sent + " bytes of " + SIZE + "\n" + proxy.journal());
        assertEquals(ContentHash.md5Hex(a.path(FILE)), bucketMd5());
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads());
        assertTrue(a.run("upload", "--yes").out().contains("nothing to do"));
    }

    @Test
    void aKilledDownloadResumesWithTheMissingRangesOnly() throws Exception {
        Repo a = repoWithCheckpoint();
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        // Ranges go 16 at a time: the first eleven pass, the rest are held until the kill.
        proxy.on(FaultProxy.Kind.GET, "ckpt.bin", FaultProxy.Fault.stall(Duration.ofMinutes(10)))
                .nth(12)
                .always();
        Process p = b.start(tmp.resolve("killed.log"), "download", "--yes");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (finishedRanges(b) < 11) {
            assertTrue(p.isAlive(), () -> "the download ended early:\n" + read(tmp.resolve("killed.log")));
            assertTrue(System.nanoTime() < deadline, "eleven ranges were not recorded in time:\n" + proxy.journal());
            Thread.sleep(50); // polling for a condition, not timing an assertion
        }
        Repo.kill(p);
        proxy.clearRules();

        int gets = proxy.count(FaultProxy.Kind.GET, "ckpt.bin");
        Repo.Run r = b.run("download", "--yes");

        Repo.assertExit(0, r);
        assertTrue(r.out().contains("resume: 176.0 MiB of 300.0 MiB already here (" + FILE + ")"), r::toString);
        int again = proxy.count(FaultProxy.Kind.GET, "ckpt.bin") - gets;
        assertTrue(
                again <= 8,
                () -> again + " ranges fetched again of 19\n" + proxy.journal()); // 8 x 16 MiB <= 45% of 300 MiB
        assertEquals(ContentHash.md5Hex(a.path(FILE)), ContentHash.md5Hex(b.path(FILE)));
        assertEquals(List.of(), b.tempFiles());
        assertTrue(b.run("download", "--yes").out().contains("nothing to do"));
    }

    static int finishedRanges(Repo r) throws IOException {
        Path dir = r.path(".lambda-sync/partial");
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            int max = 0;
            for (Path f : s.filter(f -> f.toString().endsWith(".tsv")).toList()) {
                max = Math.max(max, (int) Files.readAllLines(f).stream()
                        .filter(l -> l.matches("\\d+\t([0-9a-f]{32})?")) // offset, MD5 (PartialDownload v2)
                        .count());
            }
            return max;
        }
    }

    @Test
    void aFileEditedBetweenTheRunsIsSentWhole() throws Exception {
        Repo a = repoWithCheckpoint();
        uploadKilledAtSixtyPercent(a);
        writeRandom(a.path(FILE), 2);

        int from = proxy.size();
        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(0, r);
        assertTrue(proxy.bytesUploaded(from) >= SIZE, proxy::journal);
        assertEquals(ContentHash.md5Hex(a.path(FILE)), bucketMd5());
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads(),
                "the old upload is aborted");
    }

    @Test
    void aServerWithoutListPartsStillFinishes() throws Exception {
        Repo a = repoWithCheckpoint();
        uploadKilledAtSixtyPercent(a);
        proxy.quirks(EnumSet.of(ServerQuirks.Quirk.NO_LIST_PARTS));

        int from = proxy.size();
        Repo.Run r = a.run("upload", "--yes");

        Repo.assertExit(0, r);
        assertTrue(
                r.err()
                        .contains(
                                "does not support ListParts: an interrupted large upload starts again from the first byte"),
                r::toString);
        assertTrue(proxy.bytesUploaded(from) >= SIZE, proxy::journal);
        assertEquals(ContentHash.md5Hex(a.path(FILE)), bucketMd5());
    }
}
