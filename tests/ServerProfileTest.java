import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Servers that are not AWS (SYNC.md, "Servers that are not AWS"): the suite's server is made to
 * show each quirk of the Lambda adapter's kind through {@link ServerQuirks}, alone and all at once,
 * and the whole cycle must hold on each: a bucket the bash tool filled (aws s3 sync) comes down to
 * a new clone byte for byte; the machine that filled it adopts it with no conflict and no upload;
 * new small and large files round-trip; a second run only lists; an object another tool changed is
 * seen as changed; a corrupted body is caught wherever the server offers a proof.
 */
class ServerProfileTest {
    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    FaultProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
    }

    static Stream<Arguments> profiles() {
        return Stream.of(
                Arguments.of("aws-like", EnumSet.noneOf(ServerQuirks.Quirk.class), false),
                Arguments.of("opaque etags", EnumSet.of(ServerQuirks.Quirk.OPAQUE_ETAGS), false),
                Arguments.of("no metadata", EnumSet.of(ServerQuirks.Quirk.NO_METADATA), false),
                Arguments.of(
                        "opaque etags, no metadata",
                        EnumSet.of(ServerQuirks.Quirk.OPAQUE_ETAGS, ServerQuirks.Quirk.NO_METADATA),
                        false),
                Arguments.of("ignores conditionals", EnumSet.of(ServerQuirks.Quirk.IGNORES_CONDITIONALS), false),
                Arguments.of("ignores range", EnumSet.of(ServerQuirks.Quirk.IGNORES_RANGE), false),
                Arguments.of("ignores content-md5", EnumSet.of(ServerQuirks.Quirk.IGNORES_CONTENT_MD5), false),
                Arguments.of("no multipart", EnumSet.of(ServerQuirks.Quirk.NO_MULTIPART), false),
                Arguments.of("no list-parts", EnumSet.of(ServerQuirks.Quirk.NO_LIST_PARTS), false),
                Arguments.of("lambda-like over https", ServerQuirks.LAMBDA_LIKE, true));
    }

    /** A config through the quirky proxy (trusting the test CA when it speaks https). */
    Path config(String name) {
        try {
            Path dir = Files.createDirectories(tmp.resolve("cfg-" + name));
            return proxy.endpoint().startsWith("https")
                    ? bucket.config(
                            dir, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint(), "LAMBDA_CA_BUNDLE=" + TestTls.caPem())
                    : bucket.config(dir, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Requests that write data (not the tool's own probe and manifest objects). */
    int dataWrites() {
        return proxy.count(FaultProxy.Kind.PUT)
                + proxy.count(FaultProxy.Kind.CREATE_MULTIPART)
                + proxy.count(FaultProxy.Kind.DELETE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void theWholeCycleHolds(String name, Set<ServerQuirks.Quirk> quirks, boolean https) {
        proxy = (https ? FaultProxy.startTls(bucket.server.endpoint) : FaultProxy.start(bucket.server.endpoint))
                .quirks(quirks);
        // The bash tool stored no metadata: where ETags are not MD5s, nothing proves its objects.
        boolean noProof = quirks.contains(ServerQuirks.Quirk.OPAQUE_ETAGS);

        // The bash tool's bucket: aws s3 sync per data dir, straight to the server (a 17 MiB file goes multipart).
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/small.txt", "hello\n");
        a.write("exp/data/sub/table.csv", "a,b\n1,2\n");
        a.write("exp/reports/summary.md", "# run 1\n");
        a.write("exp/data/big.bin", random(17 * MIB, 1));
        for (String dir : List.of("exp/data", "exp/reports")) {
            AwsCli.run(
                    bucket,
                    tmp,
                    "s3",
                    "sync",
                    "--no-progress",
                    a.path(dir).toString(),
                    "s3://" + bucket.name + "/" + dir);
        }

        // 1. A new machine downloads it byte for byte. With no proof on offer, the first object is read
        // twice (learning that the ETags are not MD5s); the rest are accepted on length and said so.
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes", "--jobs", "1");
        Repo.assertExit(0, down);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals(List.of(), b.tempFiles());
        if (noProof)
            assertTrue(
                    down.out().contains("unverified: 3 files downloaded with only their length checked"),
                    down::toString);
        else assertFalse(down.both().contains("unverified"), down::toString);

        // 2. The machine that filled it adopts everything: no conflict, nothing uploaded.
        int writes = dataWrites();
        Repo.Run adopt = a.run("upload", "--yes");
        Repo.assertExit(0, adopt);
        assertEquals(writes, dataWrites(), proxy::journal);
        assertFalse(adopt.both().contains("conflict"), adopt::toString);

        // 3. New small and large files round-trip, proven on the way down (by metadata, MD5 ETags or
        // the proof manifests) wherever the bash tool's objects could not be.
        a.write("exp/data/new.txt", "new result\n");
        a.write("exp/data/big2.bin", random(17 * MIB + 5, 2));
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo.Run down2 = b.run("download", "--yes");
        Repo.assertExit(0, down2);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertFalse(down2.both().contains("unverified"), down2::toString);

        // 4. A second run only lists: no data written, nothing read.
        int before = dataWrites(), gets = proxy.count(FaultProxy.Kind.GET);
        Repo.Run again = a.run("upload", "--yes");
        Repo.assertExit(0, again);
        assertTrue(again.out().contains("nothing to do"), again::toString);
        assertEquals(before, dataWrites(), proxy::journal);
        assertEquals(gets, proxy.count(FaultProxy.Kind.GET), proxy::journal);

        // 5. An object another tool changed is seen as changed (its ETag changed) and brought down.
        bucket.put("exp/data/new.txt", "changed by another tool\n");
        Repo.Run changed = b.run("download", "--yes");
        Repo.assertExit(0, changed);
        assertTrue(
                changed.out().contains("exp/data/new.txt") && changed.out().contains("changed in bucket"),
                changed::toString);
        assertEquals("changed by another tool\n", b.text("exp/data/new.txt"));

        // 6. A body corrupted on the way is caught where a proof exists: fetched again, lands intact.
        a.write("exp/data/proven.txt", "worth protecting\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        proxy.on(FaultProxy.Kind.GET, "proven.txt", FaultProxy.Fault.corrupt());
        Repo.Run corrupt = b.run("download", "--yes");
        Repo.assertExit(0, corrupt);
        assertEquals("worth protecting\n", b.text("exp/data/proven.txt"));
        // With only an MD5 ETag or a manifest entry to go by, a mismatch is read a second time before
        // it is called corruption (two reads that agree would mean the ETag or the entry is wrong).
        boolean readTwice = quirks.contains(ServerQuirks.Quirk.NO_METADATA);
        assertEquals(readTwice ? 3 : 2, proxy.count(FaultProxy.Kind.GET, "proven.txt"), proxy::journal);
    }

    @Test
    void statusShowsTheLearnedProfileAndDoctorProbesIt() {
        proxy = FaultProxy.start(bucket.server.endpoint).quirks(ServerQuirks.LAMBDA_LIKE);
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        Repo.assertExit(0, a.run("upload", "--yes"));
        Repo.Run status = a.run("status");
        Repo.assertExit(0, status);
        assertTrue(
                status.out()
                        .contains(
                                "server: etag-md5 no, metadata no, content-md5 no, if-match-get no, conditional-put no"),
                status::toString);

        Repo.Run doctor = a.run("doctor");
        Repo.assertExit(0, doctor);
        for (String row : List.of(
                "etag-md5         no",
                "metadata         no",
                "content-md5      no",
                "if-match-get     no",
                "conditional-put  no",
                "range-get        no",
                "multipart        no",
                "list-parts       unknown")) {
            assertTrue(doctor.out().contains(row), () -> row + " missing in\n" + doctor);
        }
        proxy.close();
        proxy = FaultProxy.start(bucket.server.endpoint);
        Repo.Run aws = a.withConfig(config("plain")).run("doctor");
        Repo.assertExit(0, aws);
        for (String row : List.of(
                "etag-md5         yes",
                "metadata         yes",
                "content-md5      yes",
                "if-match-get     yes",
                "conditional-put  yes",
                "range-get        yes",
                "multipart        yes",
                "list-parts       yes")) {
            assertTrue(aws.out().contains(row), () -> row + " missing in\n" + aws);
        }
    }

    /** Each quirk alone: doctor's profile says "no" for exactly the features it takes away. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(
            value = ServerQuirks.Quirk.class,
            mode = org.junit.jupiter.params.provider.EnumSource.Mode.MATCH_NONE,
            names = {"HIDES_.*", "DROPS_.*", "LISTS_.*", "REPEATS_.*"}) // listings: ListingQuirkTest
    void doctorProbesEachQuirk(ServerQuirks.Quirk quirk) {
        proxy = FaultProxy.start(bucket.server.endpoint).quirks(EnumSet.of(quirk));
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        Repo.Run doctor = a.run("doctor");
        Repo.assertExit(0, doctor);
        Set<String> missing = switch (quirk) {
            case OPAQUE_ETAGS -> Set.of("etag-md5");
            case NO_METADATA -> Set.of("metadata");
            case IGNORES_CONDITIONALS -> Set.of("if-match-get", "conditional-put");
            case IGNORES_RANGE -> Set.of("range-get");
            case IGNORES_CONTENT_MD5 -> Set.of("content-md5");
            case NO_MULTIPART -> Set.of("multipart", "list-parts");
            case NO_LIST_PARTS -> Set.of("list-parts");
            case NO_COPY -> Set.of("copy-object", "copy-metadata");
            default -> throw new IllegalArgumentException(quirk + " is not probed by doctor");
        };
        for (String f : List.of(
                "etag-md5",
                "metadata",
                "content-md5",
                "if-match-get",
                "conditional-put",
                "range-get",
                "multipart",
                "list-parts",
                "copy-object",
                "copy-metadata")) {
            // What cannot be asked stays unknown: ListParts without multipart, a copy's metadata without copies or
            // metadata.
            boolean unaskable = quirk == ServerQuirks.Quirk.NO_MULTIPART && f.equals("list-parts")
                    || quirk == ServerQuirks.Quirk.NO_COPY && f.equals("copy-metadata")
                    || quirk == ServerQuirks.Quirk.NO_METADATA && f.equals("copy-metadata");
            String want = unaskable ? "unknown" : missing.contains(f) ? "no" : "yes";
            String row = String.format("%-16s %-8s", f, want);
            assertTrue(doctor.out().contains(row), () -> "'" + row + "' missing in\n" + doctor);
        }
    }

    @Test
    void anHttpsSyncRunsAsItsOwnProcessThroughTheWrapper() throws Exception {
        // The wrapper's fast path (a class-data archive with the TLS classes) on a successful https run.
        proxy = FaultProxy.startTls(bucket.server.endpoint);
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "over https\n");
        Path log = tmp.resolve("run.log");
        Process p = a.start(log, "upload", "--yes");
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "the run did not end");
        assertEquals(0, p.exitValue(), () -> {
            try {
                return Files.readString(log);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        assertEquals("over https\n", bucket.text("exp/data/x.txt"));
        assertTrue(proxy.count(FaultProxy.Kind.PUT) >= 1, proxy::journal);
    }

    @Test
    void aMissingFeatureIsReportedOnceNotPerFile() {
        proxy = FaultProxy.start(bucket.server.endpoint).quirks(EnumSet.of(ServerQuirks.Quirk.NO_MULTIPART));
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        for (int i = 0; i < 3; i++) a.write("exp/data/big" + i + ".bin", random(17 * MIB, 10 + i));
        Repo.Run r = a.run("upload", "--yes", "--jobs", "1");
        Repo.assertExit(0, r);
        long said = r.both()
                .lines()
                .filter(l -> l.contains("does not support multipart upload"))
                .count();
        assertEquals(1, said, r::toString);
        assertEquals(3, proxy.count(FaultProxy.Kind.PUT), proxy::journal);
        assertEquals(
                new String(random(17 * MIB, 10), StandardCharsets.ISO_8859_1),
                new String(bucket.bytes("exp/data/big0.bin"), StandardCharsets.ISO_8859_1));
    }
}
