import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A fresh bucket on the suite's S3 server, seen directly through the S3 API (not through the
 * tool): what "another machine" or "another tool" would put there, and what is really stored.
 */
final class Bucket implements FarSide {
    final S3Server server = S3Server.get();
    final S3Client s3 = server.client();
    final String name = server.newBucket();

    /** A config file for the tool (mode 600) in {@code dir}, pointing at this bucket. */
    Path config(Path dir, String... extraLines) {
        try {
            return server.writeConfig(dir, name, extraLines);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public Repo repo(Path dir) {
        try {
            return Repo.init(
                    dir,
                    config(java.nio.file.Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-config"))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void put(String key, String text) {
        put(key, text.getBytes(StandardCharsets.UTF_8));
    }

    void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(name).key(key), RequestBody.fromBytes(bytes));
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(b -> b.bucket(name).key(key));
    }

    byte[] bytes(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(name).key(key)).asByteArray();
    }

    @Override
    public String text(String key) {
        try {
            return new String(bytes(key), StandardCharsets.UTF_8);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    Map<String, String> metadata(String key) {
        return s3.headObject(b -> b.bucket(name).key(key)).metadata();
    }

    /** The object's metadata (mtime, md5chksum): a new upload writes it anew. */
    @Override
    public Object version(String key) {
        return metadata(key);
    }

    /** Every key with its content as {@link Repo#describe} shows it, sorted: comparable with {@link Repo#dataFiles}. */
    Map<String, String> contents() {
        Map<String, String> out = new TreeMap<>();
        // URL encoding keeps keys with control characters listable (raw, they are not valid XML).
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(name).encodingType(EncodingType.URL))
                .contents()) {
            if (o.key().startsWith(TRASH)) continue; // the bucket's trash: see trashed()
            out.put(o.key(), Repo.describe(bytes(o.key())));
        }
        return out;
    }

    static final String TRASH = ".lambda-sync/trash/";

    /** The newest copy of {@code rel} in the bucket's trash (SYNC.md, "The trash"), or null. */
    @Override
    public String trashed(String rel) {
        String newest = null;
        for (S3Object o :
                s3.listObjectsV2Paginator(b -> b.bucket(name).prefix(TRASH)).contents()) {
            String rest = o.key().substring(TRASH.length());
            if (rest.substring(rest.indexOf('/') + 1).equals(rel)
                    && (newest == null || o.key().compareTo(newest) > 0)) newest = o.key();
        }
        return newest == null ? null : text(newest);
    }

    /** Every key of the bucket's trash, with its content. */
    Map<String, String> trash() {
        Map<String, String> out = new TreeMap<>();
        for (S3Object o :
                s3.listObjectsV2Paginator(b -> b.bucket(name).prefix(TRASH)).contents())
            out.put(o.key(), Repo.describe(bytes(o.key())));
        return out;
    }
}
