//DEPS software.amazon.awssdk:bom:2.57.8@pom
//DEPS software.amazon.awssdk:s3
//DEPS software.amazon.awssdk:apache5-client
//DEPS software.amazon.awssdk:aws-crt-client
//DEPS org.slf4j:slf4j-nop:2.0.17

package lib.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import lib.common.BandwidthLimit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.utils.DateUtils;

/**
 * Builds the S3 client for S3-compatible servers (Lambda's Filesystem S3 Adapter, MinIO,
 * S3Proxy). Everything here is about what such servers lack compared with AWS.
 */
public final class S3Clients {
    private S3Clients() {}

    /** A server that stops answering mid-transfer is given up on after this and the request retried. */
    public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

    public static S3Client create(
            String endpoint, String region, String accessKeyId, String secretAccessKey, int maxConnections) {
        return create(endpoint, region, accessKeyId, secretAccessKey, maxConnections, null, SOCKET_TIMEOUT, null);
    }

    /**
     * @param caBundle a PEM file of extra certificates to trust (LAMBDA_CA_BUNDLE), or null
     * @param limit the bandwidth limit every body sent and received goes through, or null
     */
    public static S3Client create(
            String endpoint,
            String region,
            String accessKeyId,
            String secretAccessKey,
            int maxConnections,
            Path caBundle,
            Duration socketTimeout,
            BandwidthLimit limit) {
        return build(
                endpoint,
                region,
                accessKeyId,
                secretAccessKey,
                maxConnections,
                true,
                Duration.ofSeconds(10),
                socketTimeout,
                Duration.ofMinutes(5),
                caBundle,
                limit);
    }

    /** For one-shot checks (doctor): no retries, and an endpoint that does not answer fails in seconds, not minutes. */
    public static S3Client createForChecks(
            String endpoint, String region, String accessKeyId, String secretAccessKey, Path caBundle) {
        return build(
                endpoint,
                region,
                accessKeyId,
                secretAccessKey,
                2,
                false,
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                Duration.ofSeconds(20),
                caBundle,
                null);
    }

    private static S3Client build(
            String endpoint,
            String region,
            String accessKeyId,
            String secretAccessKey,
            int maxConnections,
            boolean retries,
            Duration connect,
            Duration socket,
            Duration attempt,
            Path caBundle,
            BandwidthLimit limit) {
        SdkHttpClient.Builder<?> http =
                NativeHttp.wanted(endpoint) ? NativeHttp.builder(maxConnections, connect, socket, caBundle) : null;
        // Where the native client carries the requests (https), whole-object GETs skip the S3Client's
        // pipeline (DirectGet) on the same HTTP client, built here to be shared.
        SdkHttpClient shared = http != null && retries ? http.build() : null;
        if (http == null) http = javaHttp(endpoint, maxConnections, connect, socket, caBundle);
        ServerSilence silence = new ServerSilence(endpoint, socket);
        var builder = configured(endpoint, region, accessKeyId, secretAccessKey, retries, attempt, silence, limit);
        if (shared == null) return builder.httpClientBuilder(http).build();
        S3Client s3 = builder.httpClient(shared).build();
        DIRECT.put(
                s3,
                new DirectGet(
                        shared,
                        endpoint,
                        region,
                        AwsCredentialsIdentity.create(accessKeyId, secretAccessKey),
                        silence,
                        attempt,
                        limit));
        return s3;
    }

    /** The S3Client's settings but its HTTP client: addressing, signing, checksums, retries and hooks. */
    private static software.amazon.awssdk.services.s3.S3ClientBuilder configured(
            String endpoint,
            String region,
            String accessKeyId,
            String secretAccessKey,
            boolean retries,
            Duration attempt,
            ServerSilence silence,
            BandwidthLimit limit) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(region))
                // Credentials come only from the config file, never from ~/.aws or the environment.
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                // Virtual-host addressing needs wildcard DNS the adapter and test servers do not have.
                .serviceConfiguration(
                        S3Configuration.builder().pathStyleAccessEnabled(true).build())
                // Content-MD5 already guards every body: no aws-chunked framing with a signature per
                // chunk, and no SHA-256 of the body (see unsignedBodyOverHttp for plain http).
                .putAuthScheme(unsignedBodyOverHttp())
                .authSchemeProvider(params -> S3AuthSchemeProvider.defaultProvider().resolveAuthScheme(params).stream()
                        .map(o -> o.toBuilder()
                                .putSignerProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                                .putSignerProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)
                                .build())
                        .toList())
                // SDK 2.30+ sends CRC checksums by default; the Lambda adapter answers NotImplemented.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> {
                    if (retries) o.retryStrategy(RetryMode.STANDARD);
                    else o.retryStrategy(DefaultRetryStrategy.doNotRetry());
                    o.apiCallAttemptTimeout(attempt);
                    o.addExecutionInterceptor(new LastModifiedAsText());
                    o.addExecutionInterceptor(new BytesMovedInterceptor()); // progress while a file is in flight
                    o.addExecutionInterceptor(silence);
                    if (limit != null) o.addExecutionInterceptor(new BandwidthInterceptor(limit));
                });
    }

    /** Each client's {@link DirectGet}, where it has one (https); the client is the key, held weakly. */
    private static final Map<S3Client, DirectGet> DIRECT = Collections.synchronizedMap(new WeakHashMap<>());

    /** The direct GET path that shares this client's HTTP client, or null (plain http, or checks). */
    static DirectGet direct(S3Client s3) {
        return DIRECT.get(s3);
    }

    /** Closes a client built here, and the HTTP client it shares with its {@link DirectGet}, if any. */
    public static void close(S3Client s3) {
        s3.close();
        DirectGet direct = DIRECT.remove(s3);
        if (direct != null) direct.close();
    }

    /** The pure-Java client: Apache 5 with Java's TLS. */
    private static Apache5HttpClient.Builder javaHttp(
            String endpoint, int maxConnections, Duration connect, Duration socket, Path caBundle) {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder()
                .maxConnections(maxConnections)
                .connectionTimeout(connect)
                .socketTimeout(socket);
        if (caBundle != null && endpoint.startsWith("https://"))
            http.tlsTrustManagersProvider(() -> trustManagers(caBundle));
        // An http:// endpoint never needs TLS; this spares building an SSL context (loading the
        // CA certificates), the largest single cost of creating the client.
        if (endpoint.startsWith("http://")) {
            http.tlsSocketStrategy((sock, target, port, attachment, context) -> {
                throw new java.io.IOException("TLS requested for the plain http endpoint " + endpoint);
            });
        }
        return http;
    }

    /** Where a GET answer's Last-Modified is kept, as text (see {@link LastModifiedAsText}). */
    static final String LAST_MODIFIED_TEXT = "x-lambda-sync-last-modified";

    /**
     * The SDK parses every GET answer's Last-Modified into an Instant, ~3% of a small-file
     * download's CPU; a download needs it only for an object without mtime metadata. So it is moved
     * to a header of ours, and {@link #lastModified} parses it when asked.
     */
    private static final class LastModifiedAsText implements ExecutionInterceptor {
        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            SdkHttpResponse r = context.httpResponse();
            Optional<String> text = r.firstMatchingHeader("Last-Modified");
            if (!(context.request() instanceof GetObjectRequest) || text.isEmpty()) return r;
            return r.toBuilder()
                    .removeHeader("Last-Modified")
                    .putHeader(LAST_MODIFIED_TEXT, text.get())
                    .build();
        }
    }

    /** A GET answer's Last-Modified, or null where it has none, or none that parses. */
    static Instant lastModified(GetObjectResponse r) {
        try {
            return r.sdkHttpResponse()
                    .firstMatchingHeader(LAST_MODIFIED_TEXT)
                    .map(DateUtils::parseRfc822Date)
                    .orElse(null);
        } catch (RuntimeException unparsable) {
            return null;
        }
    }

    /**
     * SigV4 as the SDK signs it, except that over plain http (a local MinIO or S3Proxy) the body
     * is not hashed into the signature either: the SDK insists on that SHA-256 over http, which
     * costs a full extra pass over every byte uploaded, and Content-MD5 already proves the body.
     * The scheme (http/https) is not part of what SigV4 signs, so signing the request as https
     * gives the same signature with UNSIGNED-PAYLOAD. Ports 80 and 443 keep the SDK's signing:
     * there the Host header would differ between the two schemes.
     */
    private static AuthScheme<AwsCredentialsIdentity> unsignedBodyOverHttp() {
        AwsV4AuthScheme v4 = AwsV4AuthScheme.create();
        HttpSigner<AwsCredentialsIdentity> sdk = v4.signer(); // one signer, not a new one per request
        HttpSigner<AwsCredentialsIdentity> signer = new HttpSigner<>() {
            @Override
            public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
                SdkHttpRequest http = request.request();
                if (!"http".equals(http.protocol()) || http.port() == 80 || http.port() == 443)
                    return sdk.sign(request);
                SignedRequest signed = sdk.sign(asHttps(request));
                return signed.copy(b ->
                        b.request(signed.request().toBuilder().protocol("http").build()));
            }

            @Override
            public CompletableFuture<AsyncSignedRequest> signAsync(
                    AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
                return sdk.signAsync(request); // the async client is not used
            }
        };
        return new AuthScheme<>() {
            @Override
            public String schemeId() {
                return AwsV4AuthScheme.SCHEME_ID;
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return v4.identityProvider(providers);
            }

            @Override
            public HttpSigner<AwsCredentialsIdentity> signer() {
                return signer;
            }
        };
    }

    /** A TLS context that trusts the system's certificates plus those of a PEM file (doctor's plain HTTP check). */
    public static javax.net.ssl.SSLContext sslContext(Path pem) {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, trustManagers(pem), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The system's trusted certificates plus those of a PEM file. */
    static TrustManager[] trustManagers(Path pem) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore(pem));
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot read the certificates in LAMBDA_CA_BUNDLE " + pem + ": " + e.getMessage(), e);
        }
    }

    /** A key store of the system's trusted certificates plus those of a PEM file. */
    static KeyStore trustStore(Path pem) {
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x)
                    for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + n++, c);
            }
            try (InputStream in = Files.newInputStream(pem)) {
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                    ks.setCertificateEntry("bundle-" + n++, c);
            }
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot read the certificates in LAMBDA_CA_BUNDLE " + pem + ": " + e.getMessage(), e);
        }
    }

    private static <T extends AwsCredentialsIdentity> SignRequest<T> asHttps(SignRequest<T> request) {
        return request.copy(
                b -> b.request(request.request().toBuilder().protocol("https").build()));
    }
}
