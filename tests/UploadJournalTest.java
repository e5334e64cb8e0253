import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import lib.state.StateDir;
import lib.state.UploadJournal;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a cut-off multipart upload already sent (SYNC.md, "Resuming"): read back as written, a torn last line ignored. */
@Tag("unit")
class UploadJournalTest {
    static final String MD5 = "0cc175b9c0f1b6a831c399e269772661";

    @TempDir
    Path root;

    /** The journal's one file (its name is a hash of store and key). */
    Path file() throws Exception {
        try (var files = Files.list(StateDir.uploads(root))) {
            return files.findFirst().orElseThrow();
        }
    }

    @Test
    void partsFinishedSoFarAreReadBackWithTheUploadTheyBelongTo() throws Exception {
        UploadJournal j = UploadJournal.of(root, "s3:x", "exp/data/big.bin");
        assertNull(j.pending(), "nothing begun");
        j.begin("upload-1", 16, 40, 1234, MD5, "exp/data/big\tname%.bin");
        j.finished(new UploadJournal.Part(2, 16, MD5, "\"etag-2\""));
        j.finished(new UploadJournal.Part(1, 16, MD5, "\"etag-1\""));

        UploadJournal.Pending p =
                UploadJournal.of(root, "s3:x", "exp/data/big.bin").pending();
        assertEquals("upload-1", p.uploadId());
        assertEquals(16, p.partSize());
        assertEquals(40, p.size());
        assertEquals(1234, p.mtime());
        assertEquals(MD5, p.md5(), "the content the upload's metadata proves");
        assertEquals("exp/data/big\tname%.bin", p.rel(), "any name survives the journal's tabs");
        assertTrue(p.isFor(40, 1234, 16, MD5));
        assertFalse(p.isFor(40, 1234, 16, "00000000000000000000000000000000"), "same size and time, other bytes");
        assertEquals(
                Map.of(
                        1,
                        new UploadJournal.Part(1, 16, MD5, "\"etag-1\""),
                        2,
                        new UploadJournal.Part(2, 16, MD5, "\"etag-2\"")),
                p.parts());
        assertEquals(32, p.bytesDone());
        assertNull(UploadJournal.of(root, "s3:x", "exp/data/other.bin").pending(), "one journal per key");
        assertNull(UploadJournal.of(root, "s3:y", "exp/data/big.bin").pending(), "and per store");
        assertNull(UploadJournal.of(null, "s3:x", "k"), "no repo, no journal");
    }

    @Test
    void aTornLastLineIsIgnored() throws Exception {
        UploadJournal j = UploadJournal.of(root, "s3:x", "k");
        j.begin("upload-1", 16, 40, 1, MD5, "k");
        j.finished(new UploadJournal.Part(1, 16, MD5, "etag-1"));
        // killed mid-append: the part line is there up to half its ETag, without its newline
        Files.writeString(file(), "2\t16\t" + MD5 + "\tetag-", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(
                Map.of(1, new UploadJournal.Part(1, 16, MD5, "etag-1")),
                j.pending().parts());
    }

    @Test
    void beginReplacesAnEarlierUploadAndForgetRemovesIt() throws Exception {
        UploadJournal j = UploadJournal.of(root, "s3:x", "k");
        j.begin("upload-1", 16, 40, 1, MD5, "k");
        j.finished(new UploadJournal.Part(1, 16, MD5, "etag-1"));
        j.begin("upload-2", 8, 40, 2, MD5, "k");
        assertEquals("upload-2", j.pending().uploadId());
        assertEquals(Map.of(), j.pending().parts());
        j.forget();
        assertNull(j.pending());

        j.begin("upload-3", 8, 40, 2, MD5, "k");
        Files.writeString(file(), "# lambda-sync upload v1\nupload-3\t8\t40\t2\n");
        assertNull(j.pending(), "another version's journal (v1 kept no content MD5) is not trusted");
        assertEquals(1, UploadJournal.all(root).size());
        assertTrue(UploadJournal.all(root).get(0).isOf("s3:x", "k"));
        assertFalse(UploadJournal.all(root).get(0).isOf("s3:y", "k"));
    }
}
