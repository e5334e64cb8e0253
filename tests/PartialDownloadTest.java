import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import lib.state.PartialDownload;
import lib.state.StateDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cut-off download's finished ranges (SYNC.md, "Resuming"): reused only for the same object, a torn last line ignored. */
@Tag("unit")
class PartialDownloadTest {
    @TempDir
    Path root;

    static final String MD5 = "0123456789abcdef0123456789abcdef";

    Path journal(PartialDownload d) {
        return d.data.resolveSibling(d.data.getFileName().toString().replace(".part", ".tsv"));
    }

    @Test
    void nothingIsWrittenThroughASymlinkPlantedInPartial() throws Exception {
        Path victim = Files.writeString(root.resolve("victim.txt"), "precious\n");
        PartialDownload d = PartialDownload.of(root, "s3:x", "exp/data/big.bin");
        d.begin("etag", 250);
        d.finished(0, "");
        Files.createSymbolicLink(d.data, victim);

        assertEquals(Map.of(), d.finished("etag", 250), "a link is no partial download");
        d.begin("etag", 250);
        assertFalse(Files.exists(d.data, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the link went");
        Files.delete(journal(d));
        Files.createSymbolicLink(journal(d), victim);
        d.begin("etag", 250);
        assertEquals("precious\n", Files.readString(victim));

        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Path partial = StateDir.partial(root);
        for (Path f : List.of(d.data, journal(d))) Files.deleteIfExists(f);
        Files.delete(partial);
        Files.createSymbolicLink(partial, elsewhere);
        assertNull(PartialDownload.of(root, "s3:x", "exp/data/big.bin"), "partial/ itself a link: nothing kept");
    }

    @Test
    void finishedRangesAreReusedOnlyForTheSameEtagAndSize() throws Exception {
        PartialDownload d = PartialDownload.of(root, "s3:x", "exp/data/big.bin");
        assertEquals(Map.of(), d.finished("etag", 250));
        d.begin("etag", 250);
        Files.write(d.data, new byte[250]);
        d.finished(100, MD5);
        d.finished(0, "");

        PartialDownload again = PartialDownload.of(root, "s3:x", "exp/data/big.bin");
        assertEquals(Map.of(0L, "", 100L, MD5), again.finished("etag", 250), "each range with its MD5, if recorded");
        assertEquals(200, again.bytesDone("etag", 250, 100));
        assertEquals(Map.of(), again.finished("other-etag", 250), "the object changed: start over");
        assertEquals(Map.of(), again.finished("etag", 251));
        assertNull(PartialDownload.of(null, "s3:x", "k"));
    }

    @Test
    void aTornLastLineIsIgnored() throws Exception {
        PartialDownload d = PartialDownload.of(root, "s3:x", "k");
        d.begin("etag", 3_000_000);
        Files.write(d.data, new byte[10]);
        d.finished(0, "");
        // killed mid-append: "1048576\n" got as far as "104"; offset 104 must not count as a finished range
        Files.writeString(journal(d), "104", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(Map.of(0L, ""), d.finished("etag", 3_000_000));
    }

    @Test
    void withoutItsBytesOrAfterForgetNothingIsReused() throws Exception {
        PartialDownload d = PartialDownload.of(root, "s3:x", "k");
        d.begin("etag", 10);
        d.finished(0, "");
        assertEquals(Map.of(), d.finished("etag", 10), "the .part file is gone");
        Files.write(d.data, new byte[10]);
        assertEquals(Map.of(0L, ""), d.finished("etag", 10));
        d.forget();
        assertFalse(Files.exists(d.data));
        assertEquals(Map.of(), d.finished("etag", 10));
    }

    /** A v1 journal recorded no MD5s, which a download checked range by range needs: it starts over. */
    @Test
    void aVersion1JournalIsNotTrusted() throws Exception {
        PartialDownload d = PartialDownload.of(root, "s3:x", "k");
        d.begin("etag", 10);
        Files.write(d.data, new byte[10]);
        Files.writeString(journal(d), "# lambda-sync partial download v1\netag\t10\n0\n");
        assertEquals(Map.of(), d.finished("etag", 10));
        Files.writeString(journal(d), "# lambda-sync partial download v2\netag\t10\n0\tnot-an-md5\n");
        assertEquals(Map.of(), d.finished("etag", 10), "a damaged MD5: that range is fetched again");
    }
}
