import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import lib.common.Units;
import lib.sync.StoreFactory;
import lib.sync.Transfer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Faults injected for real between the tool and the suite's S3 server ({@link FaultProxy}):
 * flaky networks, failing and dying servers, corrupted bodies, hostile listings, a full disk,
 * bad credentials and endpoints. Each test asserts the end state of bucket and disk byte for
 * byte, and that a failed run says what failed in one line and can be finished by running it
 * again. (SIGKILL of the tool, the lock, hostile keys stored in the bucket and symlinks are
 * covered by InterruptedRunTest, RepoLockTest and HostileInputTest.)
 */
class FaultTest {
    static final long T0 = 1_700_000_000_123L;
    static final int BIG = 40 << 20; // three parts of S3Store.PART_SIZE: multipart up, ranged GETs down

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    // ---- fixtures ----------------------------------------------------------------------------

    /** A config whose endpoint is the proxy (the later assignment wins, as in bash). */
    Path proxied(String name) {
        return config(name, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
    }

    /** A config straight to the server, for setting the scene without faults. */
    Path direct(String name) {
        return config(name);
    }

    Path config(String name, String... extra) {
        try {
            Path dir = Files.createDirectories(tmp.resolve("cfg-" + name));
            return bucket.config(dir, extra);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Small text files, a 200 KB file and a 40 MiB file: single PUTs, a multipart upload, ranged GETs. */
    static void writeResults(Repo r) {
        r.write("exp/data/x.txt", "x: first\n", T0);
        r.write("exp/data/c.txt", "c: third\n", T0 + 1000);
        r.write("exp/data/d.txt", "d: fourth\n", T0 + 2000);
        r.write("exp/data/deep/e.txt", "e: fifth\n", T0 + 3000);
        r.write("exp/data/b.bin", random(200_000, 1));
        r.mtime("exp/data/b.bin", T0 + 4000);
        r.write("exp/reports/big.bin", random(BIG, 2));
        r.mtime("exp/reports/big.bin", T0 + 5000);
    }

    void assertBucketHolds(Repo r) {
        assertEquals(r.dataFiles(), bucket.contents(), "bucket vs " + r.root + "\n" + proxy.journal());
    }

    List<MultipartUpload> pendingUploads() {
        return bucket.s3.listMultipartUploads(b -> b.bucket(bucket.name)).uploads();
    }

    /** The exit code, and never the secret in what was printed, whatever went wrong. */
    void assertExit(int expected, Repo.Run r) {
        Repo.assertExit(expected, r);
        assertFalse(r.both().contains(bucket.server.secretKey), r::toString);
    }

    void assertNothingToDo(Repo.Run r) {
        assertExit(0, r);
        assertTrue(r.out().contains("nothing to do"), r::toString);
    }

    /** exit 1, and stderr is one plain line: no stack trace, no exception class, no secret. */
    void assertOneLineFailure(Repo.Run r, String... hints) {
        assertExit(1, r);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith("lambda-sync: "), r::toString);
        assertFalse(
                r.both().contains("\tat ")
                        || r.both().contains("Exception")
                        || r.both().contains("Caused by"),
                r::toString);
        assertFalse(r.both().contains(bucket.server.secretKey), r::toString);
        for (String h : hints) assertTrue(r.err().contains(h), () -> "expected '" + h + "' in\n" + r);
    }

    /**
     * The SDK sometimes hands a network error over wrapped, with the cause's class name as the
     * message; a failed item is reported in the cause's own words (the server-kill test of this class
     * met "failed: …: java.net.SocketException: Connection reset" when the kill hit a part upload).
     */
    @Test
    void aWrappedNetworkErrorIsReportedInItsOwnWords() {
        Exception wrapped = new java.io.UncheckedIOException(new java.net.SocketException("Connection reset"));
        assertEquals("Connection reset", Transfer.describe(wrapped));
        assertEquals(
                "Unable to execute HTTP request: Connection reset",
                Transfer.describe(new RuntimeException(
                        "Unable to execute HTTP request: Connection reset", new java.net.SocketException("x"))));
    }

    // ---- how bodies are proven ------------------------------------------------------------------

    /**
     * Over plain http the SDK would hash every body into the signature (a second full pass over
     * each byte); lambda-sync signs UNSIGNED-PAYLOAD, as over https, and Content-MD5 proves the
     * body. The objects must still land byte for byte, small and multipart alike.
     */
    @Test
    void bodiesAreProvenByContentMd5NotHashedIntoTheSignatureOverHttp() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        assertBucketHolds(a);
        List<FaultProxy.Request> bodies = proxy.requests().stream()
                .filter(q -> q.kind() == FaultProxy.Kind.PUT || q.kind() == FaultProxy.Kind.UPLOAD_PART)
                .toList();
        assertEquals(
                5 + 3,
                bodies.stream().filter(q -> !q.own()).count(),
                proxy::journal); // 5 small files, 3 parts of the big one
        for (FaultProxy.Request q : bodies) assertEquals("UNSIGNED-PAYLOAD", q.payloadHash(), q::toString);
    }

    // ---- transient failures: retried, the run succeeds -----------------------------------------

    @Test
    void transientServerErrorsAndResetsDuringUploadAreRetried() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        writeResults(a);
        var rules = List.of(
                proxy.on(FaultProxy.Kind.LIST, null, FaultProxy.Fault.slowDown()),
                proxy.on(FaultProxy.Kind.PUT, "x.txt", FaultProxy.Fault.internalError()),
                proxy.on(FaultProxy.Kind.PUT, "b.bin", FaultProxy.Fault.slowDown())
                        .times(2),
                proxy.on(FaultProxy.Kind.PUT, "c.txt", FaultProxy.Fault.reset()),
                // the server stored it but the answer was lost: the retry must not duplicate anything
                proxy.on(FaultProxy.Kind.PUT, "d.txt", FaultProxy.Fault.dropResponse()),
                proxy.on(FaultProxy.Kind.CREATE_MULTIPART, "big.bin", FaultProxy.Fault.internalError()),
                proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=2", FaultProxy.Fault.reset()),
                proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=3", FaultProxy.Fault.slowDown()),
                proxy.on(FaultProxy.Kind.COMPLETE_MULTIPART, null, FaultProxy.Fault.internalError()));

        Repo.Run r = a.run("upload", "--yes");

        assertExit(0, r);
        for (var rule : rules)
            assertTrue(rule.fired() > 0, () -> rule.kind + " " + rule.part + " never fired\n" + proxy.journal());
        assertBucketHolds(a);
        assertEquals(2, proxy.count(FaultProxy.Kind.PUT, "x.txt"), proxy::journal);
        assertEquals(3, proxy.count(FaultProxy.Kind.PUT, "b.bin"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.PUT, "c.txt"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.PUT, "d.txt"), proxy::journal);
        assertEquals(1, proxy.count(FaultProxy.Kind.PUT, "e.txt"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.CREATE_MULTIPART), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.UPLOAD_PART, "partNumber=2"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.COMPLETE_MULTIPART), proxy::journal);
        assertEquals(List.of(), pendingUploads());
        assertEquals("1700000000.123", bucket.metadata("exp/data/x.txt").get("mtime"));
        assertNothingToDo(a.run("upload", "--yes"));
    }

    @Test
    void transientServerErrorsAndResetsDuringDownloadAreRetried() {
        Repo a = Repo.init(tmp.resolve("a"), direct("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        var rules = List.of(
                proxy.on(FaultProxy.Kind.LIST, "prefix=exp/data/", FaultProxy.Fault.internalError()),
                proxy.on(FaultProxy.Kind.GET, "x.txt", FaultProxy.Fault.internalError()),
                proxy.on(FaultProxy.Kind.GET, "c.txt", FaultProxy.Fault.slowDown())
                        .times(2),
                proxy.on(FaultProxy.Kind.GET, "b.bin", FaultProxy.Fault.reset()),
                proxy.on(FaultProxy.Kind.GET, "d.txt", FaultProxy.Fault.dropResponse()),
                proxy.on(FaultProxy.Kind.GET, "big.bin", FaultProxy.Fault.reset())
                        .nth(2));

        Repo.Run r = b.run("download", "--yes");

        assertExit(0, r);
        for (var rule : rules)
            assertTrue(rule.fired() > 0, () -> rule.kind + " " + rule.part + " never fired\n" + proxy.journal());
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(a.dataMtimes(), b.dataMtimes());
        assertEquals(List.of(), b.tempFiles());
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "x.txt"), proxy::journal);
        assertEquals(3, proxy.count(FaultProxy.Kind.GET, "c.txt"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "b.bin"), proxy::journal);
        assertTrue(proxy.count(FaultProxy.Kind.GET, "big.bin") >= 4, proxy::journal);
        assertBucketHolds(b);
        assertNothingToDo(b.run("download", "--yes"));
    }

    @Test
    void aServerThatStopsAnsweringIsGivenUpOnAfterTheSocketTimeoutAndRetried() {
        var tuning = new StoreFactory.Tuning(StoreFactory.Tuning.DEFAULT.firstPageKeys(), Duration.ofSeconds(2));
        Repo a = Repo.init(tmp.resolve("a"), proxied("a")).withTuning(tuning);
        writeResults(a);
        Duration forever = Duration.ofSeconds(60);
        var up = List.of(
                proxy.on(FaultProxy.Kind.PUT, "e.txt", FaultProxy.Fault.stall(forever)),
                proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=1", FaultProxy.Fault.stall(forever)));
        long t0 = System.nanoTime();
        assertExit(0, a.run("upload", "--yes"));
        for (var rule : up) assertEquals(1, rule.fired(), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.PUT, "e.txt"), proxy::journal);
        assertBucketHolds(a);

        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        // mid-body: headers and half the bytes arrive, then nothing
        var down = List.of(
                proxy.on(FaultProxy.Kind.GET, "d.txt", FaultProxy.Fault.stall(forever)),
                proxy.on(FaultProxy.Kind.GET, "big.bin", FaultProxy.Fault.stall(forever)));
        assertExit(0, b.run("download", "--yes"));
        for (var rule : down) assertEquals(1, rule.fired(), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "d.txt"), proxy::journal);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(List.of(), b.tempFiles());
        assertTrue(System.nanoTime() - t0 < forever.toNanos(), "waited for the stalls instead of timing out");
    }

    // ---- corrupted and truncated bodies --------------------------------------------------------

    @Test
    void aListingCutShortIsNeverReadAsDeleted() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        assertExit(0, b.run("download", "--yes"));
        int deletes = proxy.count(FaultProxy.Kind.DELETE);
        proxy.on(FaultProxy.Kind.LIST, "prefix=exp/data/", FaultProxy.Fault.cutListing())
                .always();

        Repo.Run down = b.run("download", "--delete", "--yes");
        Repo.Run up = a.run("upload", "--delete", "--force", "--yes");

        assertExit(1, down);
        assertTrue(
                down.err().contains("cut a listing of exp/data/ short")
                        && down.err().contains("nothing was read as deleted"),
                down::toString);
        assertExit(1, up);
        assertEquals(a.dataFiles(), b.dataFiles(), "nothing deleted here");
        assertEquals(deletes, proxy.count(FaultProxy.Kind.DELETE), proxy::journal);
        assertBucketHolds(a);
    }

    @Test
    void corruptedOrTruncatedDownloadIsDetectedAndRetried() {
        Repo a = Repo.init(tmp.resolve("a"), direct("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        // written by another tool: no md5chksum metadata, so the ETag is the only proof
        bucket.put("exp/data/other-tool.txt", "from aws s3 cp\n");
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        var rules = List.of(
                proxy.on(FaultProxy.Kind.GET, "x.txt", FaultProxy.Fault.corrupt()),
                proxy.on(FaultProxy.Kind.GET, "other-tool.txt", FaultProxy.Fault.corrupt()),
                proxy.on(FaultProxy.Kind.GET, "b.bin", FaultProxy.Fault.truncate()),
                proxy.on(FaultProxy.Kind.GET, "c.txt", FaultProxy.Fault.shortBody()),
                proxy.on(FaultProxy.Kind.GET, "big.bin", FaultProxy.Fault.corrupt())
                        .nth(3));

        Repo.Run r = b.run("download", "--yes");

        assertExit(0, r);
        for (var rule : rules)
            assertEquals(1, rule.fired(), () -> rule.kind + " " + rule.part + "\n" + proxy.journal());
        assertBucketHolds(b);
        assertEquals(a.dataMtimes().get("exp/reports/big.bin"), b.dataMtimes().get("exp/reports/big.bin"));
        assertEquals(List.of(), b.tempFiles());
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "x.txt"), proxy::journal);
        // An MD5-looking ETag that differs is read again before it is called corruption (a server that
        // fronts a filesystem may give other ETags to files written beside it): the two reads differ, so
        // the body was corrupted, and a third read brings the object.
        assertEquals(3, proxy.count(FaultProxy.Kind.GET, "other-tool.txt"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "b.bin"), proxy::journal);
        assertEquals(2, proxy.count(FaultProxy.Kind.GET, "c.txt"), proxy::journal);
        assertEquals(6, proxy.count(FaultProxy.Kind.GET, "big.bin"), proxy::journal); // 3 ranges, all fetched again
        assertNothingToDo(b.run("download", "--yes"));
    }

    /**
     * A large object lambda-sync uploaded is proven range by range: each range is hashed by the thread
     * that fetched it, and the MD5s must make up the object's multipart ETag. A range corrupted on the
     * way breaks that, and the file is fetched again. The state then records that ETag for the file,
     * which a touched file (same bytes, new mtime) is held to: it is not sent back.
     */
    @Test
    void aRangeCorruptedOnTheWayFailsThePerPartCheckAndIsFetchedAgain() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), direct("a"));
        a.write("exp/data/ckpt.bin", random(BIG, 11));
        assertExit(0, a.run("upload", "--yes"));
        String etag = bucket.s3
                .headObject(h -> h.bucket(bucket.name).key("exp/data/ckpt.bin"))
                .eTag()
                .replace("\"", "");
        assertTrue(etag.endsWith("-3"), etag); // 3 parts of 16 MiB: the ranges a download asks for
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        var rule = proxy.on(FaultProxy.Kind.GET, "ckpt.bin", FaultProxy.Fault.corrupt())
                .nth(2);

        Repo.Run r = b.run("download", "--yes");

        assertExit(0, r);
        assertEquals(1, rule.fired(), proxy::journal);
        assertEquals(6, proxy.count(FaultProxy.Kind.GET, "ckpt.bin"), proxy::journal); // 3 ranges, all again
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(List.of(), b.tempFiles());
        String state;
        try (var files = Files.list(b.path(".lambda-sync/state"))) {
            state = files.map(f -> {
                        try {
                            return Files.readString(f);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .collect(java.util.stream.Collectors.joining());
        }
        assertTrue(state.lines().anyMatch(l -> l.startsWith("exp/data/ckpt.bin\t") && l.endsWith("\t" + etag)), state);
        b.mtime("exp/data/ckpt.bin", T0 + 60_000);
        int writes = proxy.count(FaultProxy.Kind.CREATE_MULTIPART) + proxy.count(FaultProxy.Kind.PUT);
        Repo.Run up = b.run("upload", "--yes");
        assertExit(0, up);
        assertTrue(up.out().contains("record as in sync  1 file"), up::toString); // touched, not changed
        assertEquals(writes, proxy.count(FaultProxy.Kind.CREATE_MULTIPART) + proxy.count(FaultProxy.Kind.PUT));
    }

    /** A multipart object as aws-cli or another tool leaves it: no md5chksum metadata, parts of {@code partSize}. */
    void putMultipartLikeAnotherTool(String key, byte[] body, int partSize) {
        var s3 = bucket.s3;
        String id =
                s3.createMultipartUpload(b -> b.bucket(bucket.name).key(key)).uploadId();
        List<software.amazon.awssdk.services.s3.model.CompletedPart> parts = new ArrayList<>();
        for (int off = 0, n = 1; off < body.length; off += partSize, n++) {
            int num = n;
            byte[] part = java.util.Arrays.copyOfRange(body, off, Math.min(body.length, off + partSize));
            String etag = s3.uploadPart(
                            b -> b.bucket(bucket.name).key(key).uploadId(id).partNumber(num),
                            software.amazon.awssdk.core.sync.RequestBody.fromBytes(part))
                    .eTag();
            parts.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder()
                    .partNumber(num)
                    .eTag(etag)
                    .build());
        }
        s3.completeMultipartUpload(
                b -> b.bucket(bucket.name).key(key).uploadId(id).multipartUpload(m -> m.parts(parts)));
    }

    @Test
    void corruptedMultipartObjectFromAnotherToolIsDetectedAndRetried() {
        putMultipartLikeAnotherTool("exp/data/aws-cli.bin", random(20 << 20, 7), 8 << 20); // aws-cli's part size
        putMultipartLikeAnotherTool(
                "exp/data/odd-parts.bin", random(20 << 20, 8), 6 << 20); // a part size no rule guesses
        Repo b = Repo.init(tmp.resolve("b"), proxied("b"));
        var rules = List.of(
                proxy.on(FaultProxy.Kind.GET, "aws-cli.bin", FaultProxy.Fault.corrupt()),
                proxy.on(FaultProxy.Kind.GET, "odd-parts.bin", FaultProxy.Fault.corrupt())
                        .nth(2));

        Repo.Run r = b.run("download", "--yes");

        assertExit(0, r);
        for (var rule : rules) assertEquals(1, rule.fired(), proxy::journal);
        assertBucketHolds(b);
        assertEquals(List.of(), b.tempFiles());
        // two ranges; no match for any part size, so a second read that disagrees; the retry matches 8 MiB parts
        assertEquals(5, proxy.count(FaultProxy.Kind.GET, "aws-cli.bin"), proxy::journal);
        // two ranges and a second read that disagrees; again, and the second read agrees
        assertEquals(6, proxy.count(FaultProxy.Kind.GET, "odd-parts.bin"), proxy::journal);
        assertNothingToDo(b.run("download", "--yes"));
    }

    @Test
    void downloadCorruptedOnEveryAttemptFailsNamingTheFileAndNeverLands() {
        Repo a = Repo.init(tmp.resolve("a"), direct("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        // the last-sync state belongs to one endpoint, so b talks through the proxy throughout
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        assertExit(0, b.run("download", "--yes"));
        Map<String, String> before = b.dataFiles();
        Map<String, Long> mtimesBefore = b.dataMtimes();
        // new versions in the bucket
        a.write("exp/data/x.txt", "x: second version\n", T0 + 10_000);
        a.write("exp/data/c.txt", "c: second version\n", T0 + 10_000);
        a.write("exp/data/d.txt", "d: second version\n", T0 + 10_000);
        a.write("exp/reports/big.bin", random(BIG, 3));
        assertExit(0, a.run("upload", "--yes"));
        int getsBefore = proxy.count(FaultProxy.Kind.GET, "x.txt");
        proxy.on(FaultProxy.Kind.GET, "x.txt", FaultProxy.Fault.corrupt()).always();
        proxy.on(FaultProxy.Kind.GET, "c.txt", FaultProxy.Fault.shortBody()).always();
        proxy.on(FaultProxy.Kind.GET, "big.bin", FaultProxy.Fault.corrupt()).always();

        Repo.Run r = b.run("download", "--yes");

        assertExit(1, r);
        assertTrue(
                r.err()
                                .contains(
                                        "failed: exp/data/x.txt: downloaded content does not match its checksum (corrupted in transit)")
                        && r.err().contains("failed: exp/data/c.txt: ")
                        && r.err().contains("failed: exp/reports/big.bin: "),
                r::toString);
        assertTrue(r.err().contains("3 item(s) did not finish; run the same command again"), r::toString);
        assertFalse(r.both().contains("Exception"), r::toString);
        // the old content stays at the final path, untouched; the good file arrived
        Map<String, String> now = b.dataFiles();
        assertEquals(before.get("exp/data/x.txt"), now.get("exp/data/x.txt"));
        assertEquals(before.get("exp/data/c.txt"), now.get("exp/data/c.txt"));
        assertEquals(before.get("exp/reports/big.bin"), now.get("exp/reports/big.bin"));
        assertEquals(mtimesBefore.get("exp/data/x.txt"), b.dataMtimes().get("exp/data/x.txt"));
        assertEquals("d: second version\n", now.get("exp/data/d.txt"));
        assertEquals(List.of(), b.tempFiles());
        assertEquals(
                3, proxy.count(FaultProxy.Kind.GET, "x.txt") - getsBefore, proxy::journal); // two retries, then give up

        proxy.clearRules();
        assertExit(0, b.run("download", "--yes"));
        assertEquals(a.dataFiles(), b.dataFiles());
        assertBucketHolds(b);
    }

    // ---- a refusal that repeats on every run ---------------------------------------------------

    /** SYNC.md "When things go wrong": a name the server refuses is named with its fix, never "run the same command again". */
    @Test
    void aFileTheServerRefusesForGoodGetsItsFixNotRunAgain() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        a.write("exp/data/fine.txt", "fine\n");
        a.write("exp/data/refused.txt", "a name this server will not store\n");
        var rule = proxy.on(FaultProxy.Kind.PUT, "refused.txt", FaultProxy.Fault.status(400, "KeyTooLongError"))
                .times(100);

        Repo.Run r = a.run("upload", "--yes");

        assertExit(1, r);
        assertTrue(rule.fired() >= 1, proxy::journal);
        assertTrue(r.err().contains("failed: exp/data/refused.txt: "), r::toString);
        assertTrue(r.err().contains("1 file refused by the server for good"), r::toString);
        assertTrue(
                r.err()
                        .contains(
                                "1 item(s) did not finish, and running the same command again will not finish them: fix what is said above first"),
                r::toString);
        assertFalse(r.err().contains("run the same command again to finish"), r::toString);
        assertEquals("fine\n", bucket.text("exp/data/fine.txt"));
    }

    // ---- the server dies mid-upload ------------------------------------------------------------

    @Test
    void serverKilledMidUploadFailsNamingWhatDidNotFinishAndTheNextRunFinishes() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        writeResults(a);
        a.write("exp/data/a-big.bin", random(BIG, 9)); // first in plan order
        for (int i = 0; i < 30; i++) a.write(String.format("exp/data/many/f%02d.txt", i), "file " + i + "\n", T0 + i);
        a.write("exp/data/one-mib.bin", random(1 << 20, 4));
        // the server dies while the second part of a-big.bin is half-way through its body
        proxy.on(FaultProxy.Kind.UPLOAD_PART, null, FaultProxy.Fault.kill()).nth(2);

        Repo.Run r = a.run("upload", "--yes", "-j", "2");

        assertExit(1, r);
        assertTrue(proxy.isDead(), proxy::journal);
        assertTrue(r.err().contains("failed: exp/data/a-big.bin: "), r::toString);
        assertTrue(r.err().contains("did not finish; run the same command again to finish the job"), r::toString);
        assertFalse(r.both().contains("Exception") || r.both().contains("\tat "), r::toString);
        // no half-written object: whatever the bucket shows is a whole file
        Map<String, String> local = a.dataFiles(), stored = bucket.contents();
        assertFalse(stored.containsKey("exp/data/a-big.bin"), stored::toString);
        for (var e : stored.entrySet()) assertEquals(local.get(e.getKey()), e.getValue(), e.getKey());
        // How many small files got up before the kill depends on timing (the other job uploads
        // them while a-big.bin is hashed); a-big.bin never does.
        assertTrue(stored.size() < local.size(), stored::toString);
        // a-big.bin's upload, and reports/big.bin's if the other job had started it by then
        int pending = pendingUploads().size();
        assertTrue(pending >= 1 && pending <= 2, "the dead server could not be told to abort: " + pending);

        proxy.revive();
        proxy.clearRules();
        int putsBefore = proxy.count(FaultProxy.Kind.PUT),
                multipartBefore = proxy.count(FaultProxy.Kind.CREATE_MULTIPART);
        Repo.Run again = a.run("upload", "--yes");
        assertExit(0, again);
        assertBucketHolds(a);
        // only what had not finished was sent again: the single PUTs not stored, and the two big files' missing parts
        assertEquals(
                local.size() - 2 - (stored.size() - (stored.containsKey("exp/reports/big.bin") ? 1 : 0)),
                proxy.count(FaultProxy.Kind.PUT) - putsBefore,
                proxy::journal);
        // a-big.bin's upload was kept when the server went away and is resumed, not begun again;
        // reports/big.bin's too if the other job had started it, else it begins now
        assertTrue(
                proxy.count(FaultProxy.Kind.CREATE_MULTIPART) - multipartBefore
                        <= (stored.containsKey("exp/reports/big.bin") ? 0 : 1),
                proxy::journal);
        assertEquals(List.of(), pendingUploads(), "a multipart upload left dangling");
        assertNothingToDo(a.run("upload", "--yes"));
    }

    @Test
    void serverKilledMidDownloadLeavesNoPartialFileAndTheNextRunFinishes() {
        Repo a = Repo.init(tmp.resolve("a"), direct("a"));
        writeResults(a);
        assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b")).withConfig(proxied("b"));
        b.write("exp/data/mine.txt", "only here\n", T0);
        proxy.on(FaultProxy.Kind.GET, "big.bin", FaultProxy.Fault.kill()).nth(2);

        Repo.Run r = b.run("download", "--yes", "-j", "2");

        assertExit(1, r);
        assertTrue(r.err().contains("failed: exp/reports/big.bin: "), r::toString);
        assertTrue(r.err().contains("did not finish; run the same command again"), r::toString);
        assertFalse(b.exists("exp/reports/big.bin"));
        assertEquals(List.of(), b.tempFiles());
        Map<String, String> want = a.dataFiles();
        for (var e : b.dataFiles().entrySet()) {
            if (!e.getKey().equals("exp/data/mine.txt")) assertEquals(want.get(e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals("only here\n", b.text("exp/data/mine.txt"));

        proxy.revive();
        proxy.clearRules();
        assertExit(0, b.run("download", "--yes"));
        want.put("exp/data/mine.txt", "only here\n");
        assertEquals(want, b.dataFiles());
        assertEquals(a.dataMtimes().get("exp/reports/big.bin"), b.dataMtimes().get("exp/reports/big.bin"));
    }

    @Test
    void uploadBodyCorruptedOnTheWayIsRefusedByTheServerAndNeverStored() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        writeResults(a);
        proxy.on(FaultProxy.Kind.PUT, "x.txt", FaultProxy.Fault.corruptRequest());
        proxy.on(FaultProxy.Kind.UPLOAD_PART, "partNumber=2", FaultProxy.Fault.corruptRequest());

        Repo.Run r = a.run("upload", "--yes");

        // Content-MD5 makes the server refuse the bytes; whether the run retries or asks for a rerun,
        // a corrupted object is never stored
        Map<String, String> local = a.dataFiles();
        for (var e : bucket.contents().entrySet()) assertEquals(local.get(e.getKey()), e.getValue(), e.getKey());
        if (r.code() != 0) { // S3Proxy answers 403 to a body that fails its signature: not retried, so rerun
            assertExit(1, r);
            assertTrue(r.err().contains("failed: exp/data/x.txt: "), r::toString);
            assertExit(0, a.run("upload", "--yes"));
        }
        assertBucketHolds(a);
        assertEquals(List.of(), pendingUploads());
    }

    @Test
    void serverKilledMidPutLeavesNoPartialObject() {
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        a.write("exp/data/one-mib.bin", random(1 << 20, 5));
        proxy.on(FaultProxy.Kind.PUT, "one-mib.bin", FaultProxy.Fault.kill());

        Repo.Run r = a.run("upload", "--yes");

        assertExit(1, r);
        assertTrue(r.err().contains("failed: exp/data/one-mib.bin: "), r::toString);
        assertEquals(Map.of(), bucket.contents(), "half a body reached the server; nothing may show");
        proxy.revive();
        assertExit(0, a.run("upload", "--yes"));
        assertBucketHolds(a);
    }

    // ---- hostile listing ------------------------------------------------------------------------

    @Test
    void hostileKeysInAListingAreRefusedReportedAndNeverWritten() throws IOException {
        String abs = "/tmp/lambda-sync-evil-" + UUID.randomUUID();
        List<String> hostile = List.of(
                "exp/data/../../evil-parent",
                "exp/data/../evil-in-exp",
                "exp/data/./evil-dot",
                "exp/data//evil-empty-segment",
                abs + "/evil-absolute",
                "exp/data/..\\..\\evil-backslash",
                "exp\\data\\evil-backslash-2",
                "exp/data/evil-nul\0.txt",
                "exp/data/evil-ctrl\u0001.txt",
                "exp/data/a/../../../../../../../.." + abs + "/evil-deep");
        List<String> outside = List.of("exp/evil-not-data.txt", "train.py", ".git/hooks/pre-commit");
        bucket.put("exp/data/ok.txt", "fine\n");
        List<String> injected = new ArrayList<>(hostile);
        injected.addAll(outside);
        proxy.on(FaultProxy.Kind.LIST, "prefix=exp/data/", FaultProxy.Fault.injectKeys(injected.toArray(String[]::new)))
                .always();
        Repo b = Repo.init(tmp.resolve("b"), proxied("b"));
        List<String> before = b.allPaths();

        Repo.Run r = b.run("download", "--yes", "-v");

        assertExit(4, r);
        assertEquals("fine\n", b.text("exp/data/ok.txt"));
        assertEquals(1, proxy.count(FaultProxy.Kind.GET), proxy::journal);
        assertEquals(0, proxy.count(FaultProxy.Kind.HEAD), proxy::journal);
        long refused = r.out().lines().filter(l -> l.contains("refused")).count();
        assertEquals(hostile.size(), refused, r::toString);
        assertTrue(r.out().contains("not synced (outside */data/ and */reports/)"), r::toString);
        assertEquals("print('train')\n", b.text("train.py"));
        // nothing new on disk but the file and the tool's own state
        List<String> added = new ArrayList<>(b.allPaths());
        added.removeAll(before);
        added.removeIf(p -> p.startsWith(".lambda-sync"));
        assertEquals(List.of("exp/data", "exp/data/ok.txt"), added);
        assertFalse(Files.exists(Path.of(abs)));
        try (Stream<Path> s = Files.walk(tmp)) {
            assertEquals(
                    List.of(),
                    s.filter(p -> p.getFileName().toString().contains("evil")).toList());
        }

        // an upload with --delete does not delete what it refused to read
        b.write("exp/data/mine.txt", "mine\n");
        Repo.Run up = b.run("upload", "--yes", "--delete");
        assertExit(4, up);
        assertEquals(0, proxy.count(FaultProxy.Kind.DELETE), proxy::journal);
        assertEquals(Map.of("exp/data/mine.txt", "mine\n", "exp/data/ok.txt", "fine\n"), bucket.contents());
    }

    // ---- bad configuration and unreachable servers: one line, exit 1 ---------------------------

    @Test
    void wrongSecretSaysToCheckTheKeyPair() {
        String wrong = "wrong-" + UUID.randomUUID();
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_SECRET_ACCESS_KEY=" + wrong));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            Repo.Run r = a.run(mode, "--yes");
            assertOneLineFailure(r, "rejected the credentials", "LAMBDA_SECRET_ACCESS_KEY");
            assertFalse(r.both().contains(wrong), r::toString);
        }
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void unknownBucketSaysToCheckBucketName() {
        Repo a = Repo.init(
                tmp.resolve("a"),
                config(
                        "a",
                        "BUCKET_NAME=no-such-bucket-"
                                + UUID.randomUUID().toString().substring(0, 8)));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            assertOneLineFailure(a.run(mode, "--yes"), "does not exist", "BUCKET_NAME");
        }
    }

    @Test
    void closedPortSaysItCannotConnect() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_ENDPOINT_URL=http://127.0.0.1:" + port));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            assertOneLineFailure(
                    a.run(mode, "--yes"), "cannot connect to endpoint http://127.0.0.1:" + port, "LAMBDA_ENDPOINT_URL");
        }
    }

    @Test
    void unresolvableHostSaysToCheckTheEndpointAndDns() {
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_ENDPOINT_URL=http://nonexistent.invalid:9000"));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            assertOneLineFailure(a.run(mode, "--yes"), "cannot resolve", "nonexistent.invalid", "DNS");
        }
    }

    @Test
    void tlsToAPlainHttpPortSaysTheHandshakeFailed() {
        String https = bucket.server.endpoint.replace("http://", "https://");
        assumeTrue(https.startsWith("https://"), "server endpoint is not http://");
        Repo a = Repo.init(tmp.resolve("a"), config("a", "LAMBDA_ENDPOINT_URL=" + https));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            assertOneLineFailure(a.run(mode, "--yes"), "TLS", https, "LAMBDA_ENDPOINT_URL");
        }
    }

    @Test
    void clockSkewReportedByTheServerSaysToFixTheClock() {
        proxy.on(null, null, FaultProxy.Fault.status(403, "RequestTimeTooSkewed"))
                .always();
        Repo a = Repo.init(tmp.resolve("a"), proxied("a"));
        a.write("exp/data/x.txt", "x\n");
        for (String mode : List.of("upload", "download")) {
            assertOneLineFailure(a.run(mode, "--yes"), "clock", "RequestTimeTooSkewed");
        }
        assertEquals(Map.of(), bucket.contents());
    }

    // ---- disk full --------------------------------------------------------------------------

    @Test
    void diskFullDuringDownloadSaysSoAndKeepsWhatWasThere() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString())
                .redirectErrorStream(true)
                .start();
        String why = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(m.waitFor() == 0, "cannot mount a small tmpfs here (needs root): " + why.strip());
        try {
            Repo a = Repo.init(tmp.resolve("a"), direct("a"));
            a.write("exp/data/keep.txt", "synced before\n", T0);
            a.write("exp/data/changed.txt", "version 1\n", T0);
            assertExit(0, a.run("upload", "--yes"));
            Repo b = a.cloneTo(mnt.resolve("b")).withConfig(direct("b"));
            assertExit(0, b.run("download", "--yes"));
            a.write("exp/data/changed.txt", "version 2\n", T0 + 1000);
            FileStore fs = Files.getFileStore(mnt);
            // A plan bigger than the free space is refused up front (DiskSpaceTest). This one fits by its
            // bytes but not on tmpfs, where each small file takes a 4 KiB page: 20 one-byte files take 80 KiB.
            for (int i = 0; i < 20; i++) a.write(String.format("exp/data/a-tiny-%02d", i), "t");
            a.write("exp/data/huge.bin", random((int) fs.getUsableSpace() - (40 << 10), 6));
            assertExit(0, a.run("upload", "--yes"));

            // one job, in plan order: the tiny files and changed.txt land before huge.bin fills the disk
            Repo.Run r = b.run("download", "--yes", "-j", "1");

            assertExit(1, r);
            assertTrue(r.err().contains("failed: exp/data/huge.bin: disk full (No space left on device)"), r::toString);
            assertFalse(r.both().contains("Exception") || r.both().contains("\tat "), r::toString);
            assertEquals("synced before\n", b.text("exp/data/keep.txt"));
            assertEquals("version 2\n", b.text("exp/data/changed.txt"));
            assertFalse(b.exists("exp/data/huge.bin"));
            assertEquals(List.of(), b.tempFiles());
            Map<String, String> landed = new java.util.TreeMap<>(
                    Map.of("exp/data/changed.txt", "version 2\n", "exp/data/keep.txt", "synced before\n"));
            for (int i = 0; i < 20; i++) landed.put(String.format("exp/data/a-tiny-%02d", i), "t");
            assertEquals(landed, b.dataFiles());
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    // ---- many files ---------------------------------------------------------------------------

    /**
     * 100,000 files in one data dir, the tool in its own JVM capped at 256 MiB of heap: the upload
     * and the no-op run after it complete. Against a directory store (SYNC_TARGET): 100,000 PUTs
     * to S3Proxy take minutes (5.5 min here), which the S3 variant below spends only when LAMBDA_SYNC_HEAVY=1.
     */
    @Test
    void aHundredThousandFilesInOneDataDirFitInBoundedMemory() throws Exception {
        Path base = scratch();
        try {
            Path target = base.resolve("target");
            manyFiles(base, config("many", "SYNC_TARGET=" + target), 100_000, 300);
            try (Stream<Path> s = Files.list(target.resolve("exp/data"))) {
                assertEquals(100_000, s.count());
            }
        } finally {
            if (!base.startsWith(tmp)) deleteTree(base);
        }
    }

    @Test
    @EnabledIfEnvironmentVariable(named = "LAMBDA_SYNC_HEAVY", matches = "1")
    void aHundredThousandFilesAgainstTheS3ServerFitInBoundedMemory() throws Exception {
        Path base = scratch();
        try {
            manyFiles(base, direct("many"), 100_000, 1800);
        } finally {
            if (!base.startsWith(tmp)) deleteTree(base);
        }
    }

    void manyFiles(Path base, Path config, int n, long timeoutSeconds) throws Exception {
        Repo a = Repo.init(base.resolve("a"), config);
        Path dir = Files.createDirectories(a.path("exp/data"));
        java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
            try {
                Files.writeString(dir.resolve(String.format("f%06d.txt", i)), "result " + i + "\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        Repo.Run up = ToolProcess.run(a, "256m", timeoutSeconds, "upload", "--yes", "-q");
        assertExit(0, up);
        assertTrue(up.out().contains("done: " + n + " item(s)"), up::toString);
        Repo.Run noop = ToolProcess.run(a, "256m", timeoutSeconds, "upload", "--yes");
        assertNothingToDo(noop);
        assertTrue(noop.out().contains(Units.files(n) + " already in sync"), noop::toString);
    }

    /** A RAM-backed directory when there is one with room (200,000 small files on disk cost a minute), else the test's temp dir. */
    Path scratch() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm)
                && Files.isWritable(shm)
                && Files.getFileStore(shm).getUsableSpace() > (4L << 30)) {
            return Files.createTempDirectory(shm, "lambda-sync-fault-");
        }
        return tmp;
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
