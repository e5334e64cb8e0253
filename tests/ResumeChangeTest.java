import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import lib.common.ContentHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A large upload killed (SIGKILL) after two parts, then the file changed before the next run in
 * each way a file can (keeping its size and modification time where it can, as {@code cp -p},
 * {@code rsync -a} or {@code touch -r} do): the next upload must store exactly the bytes the file
 * holds now with the proof (md5chksum, mtime) of those bytes, so another machine's download of it
 * succeeds byte for byte; and nothing of the old upload is left on the server or in the journal.
 * The kill is deterministic: parts 3 and up are held at the proxy until parts 1-2 are journaled.
 * {@code -Dresume.mib=200} plays it with a bigger file and prints the runs' key lines.
 */
class ResumeChangeTest {
    static final int MIB = 1024 * 1024;
    static final long SIZE = Long.getLong("resume.mib", 80) * MIB;
    static final boolean SHOW = System.getProperty("resume.mib") != null;
    static final long PART = 16L * MIB;
    static final String FILE = "exp/data/ckpt.bin";

    /** How the file differs at the next run from what the killed run was sending. */
    enum Change {
        BYTE_IN_SENT_PART,
        BYTE_IN_UNSENT_PART,
        ALL_BYTES,
        TRUNCATED,
        GROWN,
        DELETED
    }

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stop() {
        proxy.close();
    }

    static void writeRandom(Path p, long size, long seed) throws IOException {
        Files.createDirectories(p.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long n = 0; n < size; n += buf.length) {
                r.nextBytes(buf);
                out.write(buf);
            }
        }
    }

    /** Starts an upload as its own process, holds parts 3 and up, and kills it once parts 1-2 are journaled. */
    void uploadKilledAfterTwoParts(Repo a) throws Exception {
        show("killed run", killAfterTwoParts(proxy, tmp.resolve("killed.log"), a));
    }

    /** The same for any test: returns what the killed run printed. */
    static String killAfterTwoParts(FaultProxy proxy, Path log, Repo a) throws Exception {
        long size = Files.size(a.path(FILE));
        for (int n = 3; n <= size / PART + 1; n++)
            proxy.on(
                            FaultProxy.Kind.UPLOAD_PART,
                            "partNumber=" + n + "&",
                            FaultProxy.Fault.stall(Duration.ofMinutes(10)))
                    .always();
        Process p = a.start(log, "upload", "--yes");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (ResumeTest.journaledParts(a) < 2) {
            assertTrue(p.isAlive(), () -> "the upload ended early:\n" + ResumeTest.read(log));
            assertTrue(System.nanoTime() < deadline, "parts 1-2 were not journaled in time:\n" + proxy.journal());
            Thread.sleep(50); // polling for a condition, not timing an assertion
        }
        Repo.kill(p);
        proxy.clearRules();
        return ResumeTest.read(log);
    }

    /** Changes the file as {@code change} says; size and mtime stay where the change allows. */
    static void change(Path f, Change change) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(f);
        long size = Files.size(f);
        switch (change) {
            case BYTE_IN_SENT_PART -> flip(f, PART / 2);
            case BYTE_IN_UNSENT_PART -> flip(f, 3 * PART + 12345);
            case ALL_BYTES -> writeRandom(f, size, 2);
            case TRUNCATED -> {
                try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                    r.setLength(size - PART - 7);
                }
            }
            case GROWN -> Files.write(f, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
            case DELETED -> {
                Files.delete(f);
                return;
            }
        }
        Files.setLastModifiedTime(f, mtime); // touch -r: the time says nothing changed
    }

    static void flip(Path f, long offset) throws IOException {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.seek(offset);
            int b = r.read();
            r.seek(offset);
            r.write(b ^ 0xFF);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Change.class)
    void aResumeAfterTheFileChangedStoresTheNewBytesWithTheirOwnProof(Change how) throws Exception {
        Path cfg =
                bucket.config(Files.createDirectories(tmp.resolve("cfg")), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        Repo a = Repo.init(tmp.resolve("a"), cfg);
        writeRandom(a.path(FILE), SIZE, 1);
        uploadKilledAfterTwoParts(a);
        change(a.path(FILE), how);

        Repo.Run up = a.run("upload", "--yes");
        show("upload again", up.toString());

        assertEquals(0, up.code(), up::toString);
        assertEquals(
                List.of(),
                bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads(),
                "the old upload is aborted");
        assertEquals(List.of(), journals(a), "no journal is left");
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        show("second clone's download", down.toString());
        // Deleted, the file was the bucket's only one: a fresh clone is told the bucket is empty (exit 5).
        assertEquals(how == Change.DELETED ? 5 : 0, down.code(), down::toString);
        assertFalse(down.both().contains("corrupted"), down::toString);
        if (how == Change.TRUNCATED || how == Change.GROWN) {
            assertTrue(
                    up.out()
                            .contains("dropped the interrupted upload of " + FILE
                                    + " (32.0 MiB sent): the file changed since"),
                    up::toString);
        }
        if (how == Change.DELETED) {
            assertFalse(b.exists(FILE), down::toString);
            assertTrue(
                    up.out()
                            .contains("dropped the interrupted upload of " + FILE
                                    + " (32.0 MiB sent): the file was deleted since"),
                    up::toString);
        } else {
            assertArrayEquals(a.read(FILE), b.read(FILE));
            String md5 = bucket.s3
                    .headObject(h -> h.bucket(bucket.name).key(FILE))
                    .metadata()
                    .get("md5chksum");
            assertEquals(ContentHash.md5Hex(a.path(FILE)), ContentHash.base64ToHex(md5), "the proof is the new bytes'");
        }
        assertFalse(up.out().contains(" already there"), () -> "no bytes of the old content can be reused\n" + up);
        boolean sameSizeAndTime =
                how == Change.BYTE_IN_SENT_PART || how == Change.BYTE_IN_UNSENT_PART || how == Change.ALL_BYTES;
        assertEquals(
                sameSizeAndTime,
                up.out()
                        .contains("resume: none for " + FILE + ": it changed since its upload was cut off (same size"
                                + " and time, other bytes), so it is sent whole"),
                up::toString);
    }

    static List<String> journals(Repo a) throws IOException {
        Path dir = a.path(".lambda-sync/uploads");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** With -Dresume.mib: the lines a user sees, for the record. */
    static void show(String what, String text) {
        if (!SHOW) return;
        System.out.println("==== " + what);
        text.lines()
                .filter(l -> !l.startsWith("  progress") && !l.isBlank())
                .forEach(l -> System.out.println("  " + l));
    }
}
