package lib.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Content hashes as S3 servers show them: MD5 (a single-part ETag, Content-MD5) and the
 * multipart ETag (MD5 of the parts' MD5s, then "-N"), which depends on the part size used.
 */
public final class ContentHash {
    private static final Pattern PLAIN_MD5 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern MULTIPART = Pattern.compile("[0-9a-fA-F]{32}-(\\d+)");

    private ContentHash() {}

    public static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String md5Hex(Path file) throws IOException {
        return HexFormat.of().formatHex(md5Of(file, 0, Long.MAX_VALUE).digest());
    }

    /** MD5 of a byte range of a file. */
    public static MessageDigest md5Of(Path file, long offset, long length) throws IOException {
        MessageDigest md = md5();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            update(md, ch, offset, length);
        }
        return md;
    }

    /** Feeds a byte range of an open file (up to its end) to a digest. */
    public static void update(MessageDigest md, FileChannel ch, long offset, long length) throws IOException {
        long pos = offset, end = length == Long.MAX_VALUE ? Long.MAX_VALUE : offset + length;
        // No larger than what there is to read: an upload of 2,000 small files hashed each with a
        // 256 KiB buffer allocated 0.5 GB, and the GC cleaning up after it cost ~15% of the run's CPU.
        // At least 8 KiB, so that a file that grows while it is read is not read a byte at a time.
        long there = Math.min(end, ch.size()) - offset;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(256 * 1024, Math.max(8 * 1024, there)));
        while (pos < end) {
            buf.clear();
            if (end - pos < buf.capacity()) buf.limit((int) (end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) break;
            buf.flip();
            md.update(buf);
            pos += n;
        }
    }

    public static String md5Hex(byte[] bytes) {
        return HexFormat.of().formatHex(md5().digest(bytes));
    }

    /** A file's MD5 and the MD5 of each part, from one read: what a multipart upload checks its parts against. */
    public record Parts(String md5, java.util.List<String> partMd5s) {}

    public static Parts parts(Path file, long partSize) throws IOException {
        MessageDigest all = md5();
        java.util.List<String> parts = new java.util.ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest part = md5();
            long inPart = 0;
            for (int n; (n = ch.read(buf.clear().limit((int) Math.min(buf.capacity(), partSize - inPart)))) > 0; ) {
                buf.flip();
                all.update(buf.duplicate());
                part.update(buf);
                inPart += n;
                if (inPart == partSize) {
                    parts.add(HexFormat.of().formatHex(part.digest()));
                    inPart = 0;
                }
            }
            if (inPart > 0 || parts.isEmpty()) parts.add(HexFormat.of().formatHex(part.digest()));
        }
        return new Parts(HexFormat.of().formatHex(all.digest()), java.util.List.copyOf(parts));
    }

    public static String md5Hex(InputStream in) throws IOException {
        MessageDigest md = md5();
        byte[] buf = new byte[256 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return HexFormat.of().formatHex(md.digest());
    }

    /** The ETag a multipart upload of this file with this part size gets. */
    public static String multipartEtag(Path file, long size, long partSize) throws IOException {
        MessageDigest all = md5();
        int parts = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long off = 0; off < size; off += partSize, parts++) {
                MessageDigest part = md5();
                update(part, ch, off, Math.min(partSize, size - off));
                all.update(part.digest());
            }
        }
        return HexFormat.of().formatHex(all.digest()) + "-" + parts;
    }

    /**
     * The ETag without quotes. Its case is kept: a server with opaque ETags may compare them
     * byte for byte in If-Match.
     */
    public static String normalizeEtag(String etag) {
        return etag == null ? "" : etag.replace("\"", "");
    }

    /** The multipart ETag of parts with these MD5s: the MD5 of their digests, then "-N". */
    public static String multipartEtag(java.util.List<String> partMd5s) {
        MessageDigest all = md5();
        for (String p : partMd5s) all.update(HexFormat.of().parseHex(p));
        return HexFormat.of().formatHex(all.digest()) + "-" + partMd5s.size();
    }

    /**
     * Whether a file holds what the last-sync state recorded of it: its MD5 {@code md5}, or, for a
     * large download that the MD5s of its ranges proved, the multipart ETag of its parts of {@code partSize}.
     */
    public static boolean sameAsRecorded(String recorded, Path file, long size, long partSize, String md5)
            throws IOException {
        if (recorded.equals(md5)) return true;
        return multipartCount(recorded) > 0
                && multipartEtag(file, size, partSize).equalsIgnoreCase(recorded);
    }

    public static boolean isPlainMd5(String etag) {
        return PLAIN_MD5.matcher(etag).matches();
    }

    /** Part count of a multipart ETag, or -1. */
    public static int multipartCount(String etag) {
        var m = MULTIPART.matcher(etag);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Whether a multipart ETag matches this local file, trying the part sizes common tools use
     * (aws-cli 8 MiB, ours, rclone 5 MiB, and the size implied by the part count in whole MiB).
     */
    public static boolean multipartMatches(String etag, Path file, long size, long ourPartSize) throws IOException {
        int n = multipartCount(etag);
        if (n <= 0) return false;
        long mib = 1024 * 1024;
        long implied = ((size + n - 1) / n + mib - 1) / mib * mib;
        // distinct: our part size is 16 MiB too, and a mismatch would otherwise hash the file twice
        for (long ps : java.util.stream.LongStream.of(8 * mib, ourPartSize, 5 * mib, 16 * mib, implied)
                .distinct()
                .toArray()) {
            if (ps <= 0 || (size + ps - 1) / ps != n) continue;
            if (multipartEtag(file, size, ps).equalsIgnoreCase(etag)) return true;
        }
        return false;
    }

    /** A short, stable file name for a string (a store's identity, a key): hex of its SHA-256, cut to {@code hexChars}. */
    public static String shortId(String s, int hexChars) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hexToBase64(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    public static String base64ToHex(String b64) {
        try {
            return HexFormat.of().formatHex(Base64.getDecoder().decode(b64));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
