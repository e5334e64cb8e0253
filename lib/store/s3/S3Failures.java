package lib.store.s3;

import java.io.IOException;
import java.time.Instant;
import java.util.function.Supplier;
import lib.store.StoreException;
import lib.store.StoreException.Kind;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The S3 SDK's failures in the store's own terms: each becomes a {@link StoreException} with a
 * typed {@link Kind} (from the HTTP status and S3 error code), so nothing outside this package
 * sees an SDK exception, and nothing decides on message text.
 */
public final class S3Failures {
    private S3Failures() {}

    /** Runs an SDK call outside a store operation (building a client), its SDK failure typed. */
    public static <T> T call(String what, Supplier<T> call) throws StoreException {
        try {
            return call.get();
        } catch (SdkException e) {
            throw of(e, what);
        }
    }

    /** An SDK failure by its kind; a cut connection (the SDK's UncheckedIOException) is UNREACHABLE. */
    static StoreException typed(RuntimeException e, String what) {
        if (e instanceof SdkException sdk) return of(sdk, what);
        if (e.getCause() instanceof StoreException se) return se;
        return new StoreException(Kind.UNREACHABLE, what + ": " + e.getCause().getMessage(), 0, "", e.getCause());
    }

    /** The typed form of an SDK failure; {@code what} names the object or request ("x/data/a.bin"). */
    public static StoreException of(SdkException e, String what) {
        if (e instanceof AwsServiceException s) return answered(what, s.statusCode(), code(s), serverDate(s), e);
        if (e instanceof ServerSilence.NoAnswer) // says the endpoint and the time waited already
        return new StoreException(Kind.UNREACHABLE, (what == null ? "" : what + ": ") + e.getMessage(), 0, "", e);
        // Anything the SDK's client side throws is the network's (refused, resets, timeouts, cut
        // bodies): said in the words of the I/O error underneath, without class names.
        String m = String.valueOf(e.getMessage());
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null) m = t.getMessage();
        }
        return unreachable(what, m, e);
    }

    /** A network failure (no answer from the server) in the store's terms: its first line, the object named. */
    static StoreException unreachable(String what, String message, Throwable cause) {
        return new StoreException(
                Kind.UNREACHABLE,
                (what == null ? "" : what + ": ") + message.lines().findFirst().orElse(message),
                0,
                "",
                cause);
    }

    /** The server's error answer as a typed failure (the S3Client's and {@link DirectGet}'s alike). */
    static StoreException answered(String what, int status, String code, Instant date, Throwable cause) {
        String msg = (what == null ? "" : what + ": ") + "the server answered " + status
                + (code.isEmpty() ? "" : " " + code);
        return new StoreException(kindOf(status, code), msg, status, code, cause).serverDate(date);
    }

    public static Kind kindOf(int status, String code) {
        if (code.equals("NoSuchBucket")) return Kind.NO_BUCKET;
        if (code.equals("NoSuchKey") || status == 404) return Kind.NOT_FOUND;
        if (status == 412 || code.equals("PreconditionFailed")) return Kind.PRECONDITION;
        if (status == 501 || code.equals("NotImplemented")) return Kind.NOT_IMPLEMENTED;
        if (code.equals("SlowDown") || status == 503 || status == 429) return Kind.THROTTLED;
        if (code.equals("InvalidAccessKeyId")
                || code.equals("SignatureDoesNotMatch")
                || code.equals("RequestTimeTooSkewed")
                || status == 403) {
            return Kind.AUTH;
        }
        if (status >= 500) return Kind.SERVER_ERROR;
        return Kind.REFUSED;
    }

    /** Whether the server refused a request's body as too large (413, EntityTooLarge): a cap on single PUTs. */
    public static boolean tooLarge(SdkException e) {
        if (!(e instanceof AwsServiceException s)) return false;
        return s.statusCode() == 413 || "EntityTooLarge".equals(code(s));
    }

    /**
     * Whether an answer to a request that used an optional feature (a header, a range, multipart)
     * says the server lacks it: 501 NotImplemented, or a plain 400 (InvalidArgument, InvalidRequest,
     * NotImplemented), which servers that do not know a header give. Never a 400 about content.
     */
    public static boolean unsupported(SdkException e) {
        return e instanceof AwsServiceException s && unsupported(s.statusCode(), code(s));
    }

    static boolean unsupported(int status, String code) {
        if (status == 501 || code.equals("NotImplemented")) return true;
        return status == 400
                && (code.isEmpty()
                        || code.equals("InvalidArgument")
                        || code.equals("InvalidRequest")
                        || code.equals("UnsupportedOperation"));
    }

    private static String code(AwsServiceException s) {
        return s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null
                ? ""
                : s.awsErrorDetails().errorCode();
    }

    /** The Date header of the server's answer, or null (doctor's clock check reads it off failures too). */
    private static Instant serverDate(AwsServiceException s) {
        return s.awsErrorDetails() == null ? null : date(s.awsErrorDetails().sdkHttpResponse());
    }

    static Instant date(SdkHttpResponse response) {
        return lib.common.Units.httpDate(
                response == null ? null : response.firstMatchingHeader("Date").orElse(null));
    }
}
