package lib.store.s3;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import lib.common.BandwidthLimit;
import lib.store.BytesMoved;
import lib.store.StoreException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;
import software.amazon.awssdk.utils.DateUtils;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * A whole-object GET (or a HEAD) signed by the SDK's own SigV4 signer and sent by the same HTTP
 * client as the S3Client, without the S3Client's request pipeline (endpoint rules, interceptors,
 * marshalling): 7-17% of the CPU of 1,000 small files downloaded over https (BENCHMARKS.md,
 * "Adopted: the direct path"). It keeps what the pipeline gives a GET: the STANDARD retries, the
 * attempt time limit, {@link ServerSilence}'s give-up rule (the same instance as the S3Client's),
 * --bwlimit and progress on the body, and failures typed as {@link S3Failures} types the
 * S3Client's.
 */
public final class DirectGet implements Closeable {
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    /** Status codes and error codes the S3Client's STANDARD retry mode retries (besides I/O errors). */
    private static final Set<Integer> RETRIED = Set.of(429, 500, 502, 503, 504);

    private static final Set<String> THROTTLING =
            Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException");
    /** Aborts attempts that outlive their time limit; one daemon thread for the whole run. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final SdkHttpClient http;
    private final URI endpoint;
    private final AwsCredentialsIdentity credentials;
    private final String region;
    private final ServerSilence silence;
    private final Duration attemptTimeout;
    private final BandwidthLimit limit;
    private final RetryStrategy retries = DefaultRetryStrategy.standardStrategyBuilder()
            .maxAttempts(3)
            .retryOnException(DirectGet::retried)
            .treatAsThrottling(e -> e instanceof StoreException s
                    && (s.status == 429 || s.status == 503 || THROTTLING.contains(s.code)))
            .build();

    DirectGet(
            SdkHttpClient http,
            String endpoint,
            String region,
            AwsCredentialsIdentity credentials,
            ServerSilence silence,
            Duration attemptTimeout,
            BandwidthLimit limit) {
        this.http = http;
        this.endpoint = URI.create(endpoint);
        this.region = region;
        this.credentials = credentials;
        this.silence = silence;
        this.attemptTimeout = attemptTimeout;
        this.limit = limit;
    }

    /** A 2xx answer: its headers and its body (counted as progress, under --bwlimit). Close it. */
    record Response(SdkHttpResponse http, InputStream body) implements Closeable {
        String etag() {
            return http.firstMatchingHeader("ETag").orElse(null);
        }

        /** x-amz-meta-* by their names without the prefix, lower case, as the S3Client's metadata(). */
        Map<String, String> metadata() {
            Map<String, String> meta = new HashMap<>();
            http.forEachHeader((name, values) -> {
                if (name.regionMatches(true, 0, "x-amz-meta-", 0, 11) && !values.isEmpty())
                    meta.put(name.substring(11).toLowerCase(java.util.Locale.ROOT), values.get(0));
            });
            return meta;
        }

        /** Last-Modified, or null where it has none that parses. */
        Instant lastModified() {
            try {
                return http.firstMatchingHeader("Last-Modified")
                        .map(DateUtils::parseRfc822Date)
                        .orElse(null);
            } catch (RuntimeException unparsable) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * GETs an object, retried as the S3Client retries.
     *
     * @param ifMatch the quoted ETag it must still have, or null
     * @param what names the object in failures ("x/data/a.bin")
     * @throws StoreException typed as {@link S3Failures} types the S3Client's failures
     */
    Response get(String bucket, String key, String ifMatch, String what) throws IOException {
        return send(SdkHttpMethod.GET, bucket, key, ifMatch, what);
    }

    /** A HEAD of an object, as {@link #get} (its answer has an empty body). */
    Response head(String bucket, String key, String what) throws IOException {
        return send(SdkHttpMethod.HEAD, bucket, key, null, what);
    }

    private Response send(SdkHttpMethod method, String bucket, String key, String ifMatch, String what)
            throws IOException {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(method)
                .uri(endpoint)
                .encodedPath(path(endpoint.getRawPath(), bucket, key));
        if (ifMatch != null) request.putHeader("If-Match", ifMatch);
        SdkHttpRequest unsigned = request.build();
        RetryToken token = retries.acquireInitialToken(AcquireInitialTokenRequest.create("s3"))
                .token();
        while (true) {
            try {
                Response r = attempt(unsigned, what);
                retries.recordSuccess(RecordSuccessRequest.create(token));
                return r;
            } catch (IOException e) {
                try {
                    var next = retries.refreshRetryToken(RefreshRetryTokenRequest.builder()
                            .token(token)
                            .failure(e)
                            .build());
                    token = next.token();
                    pause(next.delay(), e);
                } catch (TokenAcquisitionFailedException last) {
                    throw typed(e, what);
                }
            }
        }
    }

    /** The path the S3Client sends for a key (path-style): each segment URL-encoded, its slashes kept. */
    public static String path(String base, String bucket, String key) {
        String b = base == null || base.equals("/") ? "" : base;
        return b + "/" + SdkHttpUtils.urlEncode(bucket) + "/" + SdkHttpUtils.urlEncodeIgnoreSlashes(key);
    }

    private Response attempt(SdkHttpRequest unsigned, String what) throws IOException {
        String gaveUp = silence.givenUp();
        if (gaveUp != null) throw new GaveUp(gaveUp);
        SdkHttpRequest signed = SIGNER.sign(SignRequest.builder(credentials)
                        .request(unsigned)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false) // S3's rule for paths
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                        .build())
                .request();
        ExecutableHttpRequest call =
                http.prepareRequest(HttpExecuteRequest.builder().request(signed).build());
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> timer = TIMER.schedule(
                () -> {
                    late.set(true);
                    call.abort();
                },
                attemptTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        HttpExecuteResponse r;
        try {
            r = call.call();
        } catch (IOException | RuntimeException e) {
            silence.unanswered();
            if (late.get()) throw new TimedOut(silence.timedOut(), e);
            if (e instanceof IOException io) throw io;
            throw new IOException(e.getMessage(), e);
        } finally {
            timer.cancel(false);
        }
        silence.answered();
        InputStream body = r.responseBody().map(InputStream.class::cast).orElse(InputStream.nullInputStream());
        SdkHttpResponse h = r.httpResponse();
        if (h.isSuccessful()) {
            if (unsigned.method() == SdkHttpMethod.HEAD) return new Response(h, body); // no data
            InputStream in = limit == null ? body : limit.throttled(body);
            return new Response(h, BytesMoved.counted(in));
        }
        try (body) {
            return refused(h, body, what);
        }
    }

    /** An error answer, as the S3Client's: its XML error Code (the first 64 KiB read), never its message. */
    private static Response refused(SdkHttpResponse h, InputStream body, String what) throws StoreException {
        String xml;
        try {
            xml = new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException cut) {
            xml = "";
        }
        int from = xml.indexOf("<Code>"), to = xml.indexOf("</Code>");
        String code = from >= 0 && to > from ? xml.substring(from + 6, to).trim() : "";
        throw S3Failures.answered(what, h.statusCode(), code, S3Failures.date(h), null);
    }

    private static boolean retried(Throwable e) {
        if (e instanceof StoreException s) return RETRIED.contains(s.status) || THROTTLING.contains(s.code);
        return e instanceof IOException && !(e instanceof GaveUp);
    }

    /** A failure given up on, in the store's terms (a network error is UNREACHABLE, as S3Failures says it). */
    private static StoreException typed(IOException e, String what) {
        if (e instanceof StoreException s) return s;
        return S3Failures.unreachable(
                what, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
    }

    private static void pause(Duration d, IOException failure) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting to retry: " + failure.getMessage());
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "direct-get-timer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** Lets go of the HTTP client the S3Client shares (the S3Client does not close one it was given). */
    @Override
    public void close() {
        http.close();
    }

    /** The server's silence, said as {@link ServerSilence} says it. */
    @SuppressWarnings("serial") // never serialized
    private static class SilenceFailure extends IOException {
        SilenceFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @SuppressWarnings("serial")
    private static final class GaveUp extends SilenceFailure {
        GaveUp(String message) {
            super(message, null);
        }
    }

    @SuppressWarnings("serial")
    private static final class TimedOut extends SilenceFailure {
        TimedOut(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
