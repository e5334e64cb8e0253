import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof manifests on a server whose ETags are not MD5s and that keeps no metadata (SYNC.md,
 * "Servers that are not AWS"): read one object at a time and leniently, only when a decision
 * needs a proof, and this machine's own rewritten only from a read of it that worked.
 */
class ManifestReadTest {
    static final String DIR = ".lambda-sync/manifest/";
    /** 15 bytes that are not UTF-8, named to be read before any machine's own. */
    static final byte[] NOT_UTF8 = {
        (byte) 0xC3,
        0x28,
        (byte) 0xA0,
        (byte) 0xA1,
        (byte) 0xE2,
        0x28,
        (byte) 0xA1,
        (byte) 0xF0,
        0x28,
        (byte) 0x8C,
        (byte) 0xBC,
        (byte) 0xFF,
        (byte) 0xFE,
        (byte) 0xC0,
        (byte) 0x80
    };

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint)
            .quirks(EnumSet.of(ServerQuirks.Quirk.OPAQUE_ETAGS, ServerQuirks.Quirk.NO_METADATA));

    @AfterEach
    void cleanUp() {
        proxy.close();
    }

    Path config(String name) throws IOException {
        return bucket.config(
                Files.createDirectories(tmp.resolve("cfg-" + name)), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
    }

    static void assertExit(int code, Repo.Run r) {
        assertEquals(code, r.code(), r::toString);
    }

    static String manifestOf(Repo r) {
        return DIR + r.text(".lambda-sync/machine-id").trim() + ".tsv";
    }

    static int times(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void anUnreadableManifestIsSkippedAndNamedOnceAndNoMachineLosesItsProofs() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        a.write("exp/data/y.txt", "y\n");
        assertExit(0, a.run("upload", "--yes"));
        bucket.put(DIR + "000000000000.tsv", NOT_UTF8);

        a.write("exp/data/z.txt", "z\n");
        assertExit(0, a.run("upload", "--yes"));
        String mine = bucket.text(manifestOf(a));
        for (String f : List.of("x.txt", "y.txt", "z.txt")) assertTrue(mine.contains("exp/data/" + f), mine);

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        assertExit(0, down);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertFalse(down.out().contains("unverified:"), down::toString); // every file proven by a's manifest
        assertEquals(1, times(down.err(), DIR + "000000000000.tsv is not valid UTF-8"), down::toString);
    }

    @Test
    void thisMachinesOwnManifestIsNotRewrittenWhenItCannotBeRead() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        assertExit(0, a.run("upload", "--yes"));
        bucket.put(manifestOf(a), NOT_UTF8);

        a.write("exp/data/y.txt", "y\n");
        Repo.Run up = a.run("upload", "--yes");
        assertExit(0, up);
        assertArrayEquals(NOT_UTF8, bucket.bytes(manifestOf(a)), "left as it was, not truncated");
        assertTrue(up.err().contains("it is not rewritten (delete it to have it written anew)"), up::toString);
    }

    /** An entry the object's bytes contradict: not "corrupted in transit; run again" forever, but named and not trusted. */
    @Test
    void anEntryTheBytesContradictIsNotTrustedAndItsManifestIsNamed() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        assertExit(0, a.run("upload", "--yes"));
        String key = manifestOf(a), text = bucket.text(key);
        String md5 = text.lines()
                .filter(l -> l.startsWith("exp/data/x.txt\t"))
                .findFirst()
                .orElseThrow();
        String wrong = md5.substring(0, md5.lastIndexOf('\t') + 1) + "0123456789abcdef0123456789abcdef";
        bucket.put(key, text.replace(md5, wrong).getBytes(StandardCharsets.UTF_8));

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        assertExit(0, down);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertTrue(down.err().contains("the proof manifest " + key + " says exp/data/x.txt has MD5"), down::toString);
        assertTrue(down.err().contains("that entry is not trusted"), down::toString);
        assertFalse(down.both().contains("corrupted in transit"), down::toString);
    }

    /** Nothing to decide, nothing to prove: a no-op run sends listings only, not a GET per machine's manifest. */
    @Test
    void aNoOpRunSendsListingsOnly() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n");
        assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertExit(0, b.run("download", "--yes"));
        b.write("exp/data/from-b.txt", "b\n");
        assertExit(0, b.run("upload", "--yes")); // two machines' manifests now
        assertExit(0, a.run("download", "--yes"));

        int from = proxy.size();
        assertExit(0, a.run("upload", "--yes"));
        assertExit(0, b.run("download", "--yes"));
        assertExit(0, a.run("status"));
        List<FaultProxy.Request> sent = proxy.requests().subList(from, proxy.size());
        // Listings of keys, and status's listing of unfinished uploads (SYNC.md, "Resuming"): no GET of a manifest.
        assertTrue(
                sent.stream()
                        .allMatch(r -> r.kind() == FaultProxy.Kind.LIST || r.kind() == FaultProxy.Kind.LIST_UPLOADS),
                proxy::journal);
        assertTrue(sent.stream().noneMatch(r -> r.target().contains(DIR)), proxy::journal);
    }
}
