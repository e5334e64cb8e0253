package lib.store;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A store failure with a typed kind, so the engine decides on the kind and never on message
 * text: a lost race is a conflict, a missing feature is degraded around, a network blip is worth
 * running again, a refused name is not.
 */
@SuppressWarnings("serial")
public // never serialized: a failure lives and dies within one run
final class StoreException extends IOException {
    public enum Kind {
        AUTH,
        NO_BUCKET,
        UNREACHABLE,
        THROTTLED,
        SERVER_ERROR,
        /** the server lacks the feature the request used (501, or 400 to an optional header) */
        NOT_IMPLEMENTED,
        /** If-Match / If-None-Match failed, or the object was not what the plan saw: another writer won */
        PRECONDITION,
        NOT_FOUND,
        /** the local file changed while it was being sent; nothing was replaced */
        CHANGED_WHILE_UPLOADING,
        /** the bytes received contradict a proof of the object's content */
        CORRUPTED,
        /** the server refused this request for good (a name it cannot store, a file/folder clash, 4xx) */
        REFUSED;

        /** Worth running the same command again: the cause may pass. */
        public boolean isTransient() {
            return this == UNREACHABLE || this == THROTTLED || this == SERVER_ERROR || this == CORRUPTED;
        }

        /** A transfer cut off by the network or the server: what it already moved is kept to resume (not CORRUPTED bytes). */
        public boolean cutOff() {
            return this == UNREACHABLE || this == THROTTLED || this == SERVER_ERROR;
        }
    }

    public final Kind kind;
    public final int status;
    public final String code;
    /** The ETag of what an upload that failed its checks left stored, if it replaced the object. */
    public String stored;

    public StoreException(Kind kind, String message) {
        this(kind, message, 0, "", null);
    }

    public StoreException(Kind kind, String message, int status, String code, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.code = code == null ? "" : code;
    }

    public StoreException stored(String tag) {
        this.stored = tag;
        return this;
    }

    /** The typed form of an SDK failure; {@code what} names the object or request ("x/data/a.bin"). */
    public static StoreException of(SdkException e, String what) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null
                    ? ""
                    : s.awsErrorDetails().errorCode();
            int status = s.statusCode();
            Kind kind = kindOf(status, code);
            String msg = (what == null ? "" : what + ": ") + "the server answered " + status
                    + (code.isEmpty() ? "" : " " + code);
            return new StoreException(kind, msg, status, code, e);
        }
        if (e instanceof ServerSilence.NoAnswer) // says the endpoint and the time waited already
        return new StoreException(Kind.UNREACHABLE, (what == null ? "" : what + ": ") + e.getMessage(), 0, "", e);
        // Anything the SDK's client side throws is the network's (refused, resets, timeouts, cut
        // bodies): said in the words of the I/O error underneath, without class names.
        String m = String.valueOf(e.getMessage());
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null) m = t.getMessage();
        }
        return new StoreException(
                Kind.UNREACHABLE,
                (what == null ? "" : what + ": ") + m.lines().findFirst().orElse(m),
                0,
                "",
                e);
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

    /**
     * Whether an answer to a request that used an optional feature (a header, a range, multipart)
     * says the server lacks it: 501 NotImplemented, or a plain 400 (InvalidArgument, InvalidRequest,
     * NotImplemented), which servers that do not know a header give. Never a 400 about content.
     */
    /** Whether the server refused a request's body as too large (413, EntityTooLarge): a cap on single PUTs. */
    public static boolean tooLarge(SdkException e) {
        if (!(e instanceof AwsServiceException s)) return false;
        return s.statusCode() == 413
                || (s.awsErrorDetails() != null
                        && "EntityTooLarge".equals(s.awsErrorDetails().errorCode()));
    }

    public static boolean unsupported(SdkException e) {
        if (!(e instanceof AwsServiceException s)) return false;
        String code = s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null
                ? ""
                : s.awsErrorDetails().errorCode();
        if (s.statusCode() == 501 || code.equals("NotImplemented")) return true;
        return s.statusCode() == 400
                && (code.isEmpty()
                        || code.equals("InvalidArgument")
                        || code.equals("InvalidRequest")
                        || code.equals("UnsupportedOperation"));
    }
}
