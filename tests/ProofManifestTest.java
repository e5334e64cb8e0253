import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.s3.ProofManifest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each machine's list of what it uploaded, read by all: proof of content only while size and ETag still match. */
@Tag("unit")
class ProofManifestTest {
    static final String MD5_A = "0cc175b9c0f1b6a831c399e269772661", MD5_B = "92eb5ffee6ae2fec3ad71c777531578f";

    @TempDir
    Path root;

    @Test
    void formatSortsAndEscapesAndParseReadsItBack() {
        var a = new ProofManifest.Entry("exp/data/z.txt", 1, "etag-1", MD5_A);
        var b = new ProofManifest.Entry("exp/data/tab\there\nnewline.txt", 2, "etag-2", MD5_B);
        String text = ProofManifest.format(List.of(a, b));
        assertEquals(
                ProofManifest.HEADER + "\n"
                        + "exp/data/tab\\there\\nnewline.txt\t2\tetag-2\t" + MD5_B + "\n"
                        + "exp/data/z.txt\t1\tetag-1\t" + MD5_A + "\n",
                text);
        assertEquals(List.of(b, a), ProofManifest.parse(text));
    }

    @Test
    void linesAnotherVersionWroteAreSkipped() {
        String text = ProofManifest.HEADER + "\n# a comment\n\n"
                + "exp/data/ok\t3\tt\t" + MD5_A.toUpperCase() + "\n"
                + "exp/data/five-fields\t3\tt\t" + MD5_A + "\textra\n"
                + "exp/data/not-md5\t3\tt\tsha256:abc\n"
                + "exp/data/bad-size\tthree\tt\t" + MD5_A + "\n"
                + "exp/data/torn\t3\tt\t0cc175";
        assertEquals(
                List.of(new ProofManifest.Entry("exp/data/ok", 3, "t", MD5_A)),
                ProofManifest.parse(text),
                "md5 kept in lower case");
    }

    @Test
    void nextKeepsEntriesWhoseObjectIsUnchangedAndAddsThisRunsUploads() {
        var same = new ProofManifest.Entry("e/data/same", 1, "t1", MD5_A);
        var rewritten = new ProofManifest.Entry("e/data/rewritten", 1, "t1", MD5_A);
        var resized = new ProofManifest.Entry("e/data/resized", 1, "t1", MD5_A);
        var gone = new ProofManifest.Entry("e/data/gone", 1, "t1", MD5_A);
        var reuploaded = new ProofManifest.Entry("e/data/same", 2, "t2", MD5_B);
        Map<String, Store.Remote> listed = Map.of(
                "e/data/same", new Store.Remote("e/data/same", 1, "t1"),
                "e/data/rewritten", new Store.Remote("e/data/rewritten", 1, "t9"),
                "e/data/resized", new Store.Remote("e/data/resized", 5, "t1"));
        List<ProofManifest.Entry> previous = List.of(same, rewritten, resized, gone);

        assertEquals(Map.of("e/data/same", same), new TreeMap<>(ProofManifest.next(previous, listed, List.of())));
        assertEquals(
                Map.of("e/data/same", reuploaded),
                ProofManifest.next(previous, listed, List.of(reuploaded)),
                "this run's upload wins");
        assertEquals(
                4, ProofManifest.next(previous, null, List.of()).size(), "not listed in full: nothing is known stale");
        assertTrue(ProofManifest.key("a", 1, "t").equals(ProofManifest.key("a", 1, "t"))
                && !ProofManifest.key("a", 1, "t").equals(ProofManifest.key("a", 2, "t")));
    }

    @Test
    void theMachineIdIsMadeOnceAndOnlyWhenAskedFor() throws Exception {
        assertNull(ProofManifest.machineId(root, false));
        String id = ProofManifest.machineId(root, true);
        assertTrue(id.matches("[0-9a-f]{12}"), id);
        assertEquals(id, ProofManifest.machineId(root, false));
        assertEquals(id, ProofManifest.machineId(root, true));
        Files.writeString(StateDir.machineId(root), "not an id\n");
        assertNull(ProofManifest.machineId(root, false), "a damaged id is not used");
    }
}
