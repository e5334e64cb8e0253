//DEPS software.amazon.awssdk:bom:2.57.8@pom
//DEPS software.amazon.awssdk:s3
//DEPS software.amazon.awssdk:apache5-client
//DEPS org.slf4j:slf4j-nop:2.0.17

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Builds the S3 client for S3-compatible servers (Lambda's Filesystem S3 Adapter, MinIO,
 * S3Proxy). Everything here is about what such servers lack compared with AWS.
 */
final class S3Clients {
    private S3Clients() {}

    static S3Client create(String endpoint, String region, String accessKeyId, String secretAccessKey, int maxConnections) {
        // A server that stops answering mid-transfer is given up on after the socket timeout and
        // retried. Tests shorten it with -Dlambda.sync.socketTimeoutSeconds=N (not a user setting).
        Duration socket = Duration.ofSeconds(Integer.getInteger("lambda.sync.socketTimeoutSeconds", 60));
        return build(endpoint, region, accessKeyId, secretAccessKey, maxConnections, true,
                Duration.ofSeconds(10), socket, Duration.ofMinutes(5));
    }

    /** For one-shot checks (doctor): no retries, and an endpoint that does not answer fails in seconds, not minutes. */
    static S3Client createForChecks(String endpoint, String region, String accessKeyId, String secretAccessKey) {
        return build(endpoint, region, accessKeyId, secretAccessKey, 2, false,
                Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(20));
    }

    private static S3Client build(String endpoint, String region, String accessKeyId, String secretAccessKey, int maxConnections,
                                  boolean retries, Duration connect, Duration socket, Duration attempt) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(region))
                // Credentials come only from the config file, never from ~/.aws or the environment.
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                // Virtual-host addressing needs wildcard DNS the adapter and test servers do not have.
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                // Content-MD5 already guards every body: no aws-chunked framing with a signature per
                // chunk, and no SHA-256 of the body where the SDK allows it (it insists over plain http).
                .authSchemeProvider(params -> S3AuthSchemeProvider.defaultProvider().resolveAuthScheme(params).stream()
                        .map(o -> o.toBuilder()
                                .putSignerProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                                .putSignerProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false).build())
                        .toList())
                // SDK 2.30+ sends CRC checksums by default; the Lambda adapter answers NotImplemented.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> {
                    if (retries) o.retryStrategy(RetryMode.STANDARD);
                    else o.retryStrategy(DefaultRetryStrategy.doNotRetry());
                    o.apiCallAttemptTimeout(attempt);
                })
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(connect)
                        .socketTimeout(socket))
                .build();
    }
}
