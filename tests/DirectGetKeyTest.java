import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import lib.store.s3.DirectGet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * The direct GET path (lib/store/s3/DirectGet.java) names an object by the very path the S3Client
 * would send for it: each key is marshalled by a real S3Client (stopped before it is sent) and
 * compared with DirectGet's path.
 */
@Tag("unit")
class DirectGetKeyTest {
    static final List<String> KEYS = List.of(
            "exp/data/plain.txt",
            "exp/data/a b.txt",
            "exp/data/a+b.txt",
            "exp/data/100%.txt",
            "exp/data/%2F already encoded.txt",
            "exp/data/café/naïve.txt",
            "exp/data/日本語/ファイル.txt",
            "exp/data/~tilde*star(1)!'quote\".txt",
            "exp/data/semi;colon=equals&amp?q#hash.txt",
            "exp/data/a//double.txt",
            "exp/data/emoji 🚀.bin");

    @Test
    void keysAreEncodedAsTheS3ClientEncodesThem() {
        AtomicReference<String> sent = new AtomicReference<>();
        try (S3Client s3 = sdk(sent)) {
            for (String key : KEYS) {
                assertThrows(
                        IllegalStateException.class,
                        () -> s3.getObject(b -> b.bucket("my-bucket").key(key)));
                assertEquals(sent.get(), DirectGet.path("", "my-bucket", key), key);
            }
        }
    }

    @Test
    void anEndpointPathComesFirst() {
        assertEquals("/base/b/a%20b/c", DirectGet.path("/base", "b", "a b/c"));
        assertEquals("/b/k", DirectGet.path("/", "b", "k"));
    }

    /** An S3Client as the tool builds it (path-style), which records the path it would send and stops there. */
    private static S3Client sdk(AtomicReference<String> sent) {
        return S3Client.builder()
                .endpointOverride(URI.create("https://127.0.0.1:1"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
                .serviceConfiguration(
                        S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeTransmission(Context.BeforeTransmission c, ExecutionAttributes a) {
                        sent.set(c.httpRequest().encodedPath());
                        throw new IllegalStateException("recorded, not sent");
                    }
                }))
                .build();
    }
}
