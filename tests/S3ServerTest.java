import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import lib.store.s3.S3Clients;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The harness's server is a real S3 API, reached through the tool's own client construction. */
class S3ServerTest {
    final S3Server server = S3Server.get();
    final S3Client s3 = server.client();

    @Test
    void putGetDeleteRoundTripKeepsBytesAndAwkwardKeys() {
        String bucket = server.newBucket();
        byte[] body = "héllo\n\0bytes".getBytes(StandardCharsets.UTF_8);
        String key = "exp 1/data/ü+%20 #x.bin";
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
        assertArrayEquals(
                body, s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        assertEquals(
                List.of(key),
                s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream()
                        .map(S3Object::key)
                        .toList());
        s3.deleteObject(b -> b.bucket(bucket).key(key));
        assertThrows(
                NoSuchKeyException.class,
                () -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)));
    }

    @Test
    void listingPaginatesPastOneThousandKeys() {
        String bucket = server.newBucket();
        int n = 1105;
        IntStream.range(0, n)
                .parallel()
                .forEach(i -> s3.putObject(
                        b -> b.bucket(bucket).key(String.format("e/data/f%05d", i)), RequestBody.fromString("x" + i)));
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).maxKeys(1000))
                .contents()
                .forEach(o -> keys.add(o.key()));
        assertEquals(n, keys.size());
        assertEquals("e/data/f00000", keys.get(0));
        assertEquals(String.format("e/data/f%05d", n - 1), keys.get(n - 1));
    }

    @Test
    void wrongSecretIsRejected() {
        String bucket = server.newBucket();
        try (S3Client bad = S3Clients.create(server.endpoint, S3Server.REGION, server.accessKey, "wrong-secret", 2)) {
            S3Exception e = assertThrows(S3Exception.class, () -> bad.listObjectsV2(b -> b.bucket(bucket)));
            assertEquals(403, e.statusCode());
        }
    }

    @Test
    void eachTestGetsItsOwnEmptyBucket() {
        String a = server.newBucket(), b = server.newBucket();
        assertTrue(!a.equals(b));
        s3.putObject(r -> r.bucket(a).key("k"), RequestBody.fromString("v"));
        assertEquals(0, s3.listObjectsV2(r -> r.bucket(b)).keyCount());
    }
}
