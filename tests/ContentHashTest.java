import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import lib.common.ContentHash;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashes as S3 servers show them: a single-part ETag is the MD5, a multipart one the MD5 of
 * the parts' MD5s then "-N" (SYNC.md, "Servers that are not AWS"). Known MD5s from RFC 1321.
 */
@Tag("unit")
class ContentHashTest {
    static final String MD5_EMPTY = "d41d8cd98f00b204e9800998ecf8427e", MD5_ABC = "900150983cd24fb0d6963f7d28e17f72";

    @TempDir
    Path tmp;

    Path file(String text) throws Exception {
        return Files.writeString(tmp.resolve("f-" + md5(text)), text, StandardCharsets.UTF_8);
    }

    static String md5(String s) {
        return ContentHash.md5Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void md5OfAFileABytesAStreamAndARangeAgree() throws Exception {
        assertEquals(MD5_ABC, ContentHash.md5Hex(file("abc")));
        assertEquals(MD5_EMPTY, ContentHash.md5Hex(file("")));
        assertEquals(MD5_ABC, ContentHash.md5Hex(new ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8))));
        assertEquals(
                MD5_ABC,
                HexFormat.of()
                        .formatHex(ContentHash.md5Of(file("xxabcyy"), 2, 3).digest()));
        assertEquals(
                md5("cyy"),
                HexFormat.of()
                        .formatHex(ContentHash.md5Of(file("xxabcyy"), 4, 100).digest()),
                "a range past the end stops at it");
    }

    @Test
    void partsSplitAFileAtThePartSizeAndHashTheWholeInTheSameRead() throws Exception {
        ContentHash.Parts p = ContentHash.parts(file("0123456789"), 4);
        assertEquals(md5("0123456789"), p.md5());
        assertEquals(List.of(md5("0123"), md5("4567"), md5("89")), p.partMd5s());

        assertEquals(
                List.of(md5("0123"), md5("4567")),
                ContentHash.parts(file("01234567"), 4).partMd5s(),
                "no empty last part");
        assertEquals(List.of(MD5_EMPTY), ContentHash.parts(file(""), 4).partMd5s(), "an empty file is one empty part");
    }

    @Test
    void aMultipartEtagIsTheMd5OfThePartDigestsAndTheirCount() throws Exception {
        Path f = file("0123456789");
        byte[] digests = HexFormat.of().parseHex(md5("0123") + md5("4567") + md5("89"));
        String expected = ContentHash.md5Hex(digests) + "-3";
        assertEquals(expected, ContentHash.multipartEtag(f, 10, 4));
        assertEquals(expected, ContentHash.multipartEtag(ContentHash.parts(f, 4).partMd5s()));
        assertEquals(3, ContentHash.multipartCount(expected));
        assertEquals(-1, ContentHash.multipartCount(MD5_ABC));
    }

    @Test
    void aMultipartEtagMatchesOnlyTheContentAndPartCountItWasMadeFrom() throws Exception {
        Path f = file("0123456789");
        String etag = ContentHash.multipartEtag(f, 10, 4);
        assertTrue(ContentHash.multipartMatches(etag, f, 10, 4));
        assertTrue(ContentHash.multipartMatches(etag.toUpperCase(), f, 10, 4), "hex case does not matter");
        assertFalse(ContentHash.multipartMatches(etag, file("0123456788"), 10, 4), "one byte differs");
        assertFalse(ContentHash.multipartMatches(MD5_ABC, f, 10, 4), "a plain MD5 is not multipart");
        // the size implied by "-1" is a whole MiB: one part of the whole file
        assertTrue(ContentHash.multipartMatches(md5Hex(md5("0123456789")) + "-1", f, 10, 4));
    }

    static String md5Hex(String hexDigest) {
        return ContentHash.md5Hex(HexFormat.of().parseHex(hexDigest));
    }

    @Test
    void etagsLoseTheirQuotesButKeepTheirCase() {
        assertEquals("ABCdef", ContentHash.normalizeEtag("\"ABCdef\""));
        assertEquals("", ContentHash.normalizeEtag(null));
        assertTrue(ContentHash.isPlainMd5(MD5_ABC.toUpperCase()));
        assertFalse(ContentHash.isPlainMd5(MD5_ABC + "-2"));
        assertFalse(ContentHash.isPlainMd5("opaque-etag"));
    }

    @Test
    void contentMd5HeadersRoundTripBetweenHexAndBase64() {
        assertEquals("kAFQmDzST7DWlj99KOF/cg==", ContentHash.hexToBase64(MD5_ABC));
        assertEquals(MD5_ABC, ContentHash.base64ToHex("kAFQmDzST7DWlj99KOF/cg=="));
        assertNull(ContentHash.base64ToHex("not base64!"));
    }
}
