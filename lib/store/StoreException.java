package lib.store;

import java.io.IOException;
import java.time.Instant;

/**
 * A store failure with a typed kind, so the engine decides on the kind and never on message
 * text: a lost race is a conflict, a missing feature is degraded around, a network blip is worth
 * running again, a refused name is not. Each store makes its own ({@code S3Failures} maps the S3
 * SDK's); the kinds are the store's, not any server's.
 */
@SuppressWarnings("serial")
public // never serialized: a failure lives and dies within one run
final class StoreException extends IOException {
    public enum Kind {
        AUTH,
        /** where the store keeps its objects is not there: no such bucket, or a target directory nor its parent */
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
    /** The server's clock (its Date header) where it answered, or null: doctor's clock check reads it. */
    public Instant serverDate;

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

    public StoreException serverDate(Instant date) {
        this.serverDate = date;
        return this;
    }
}
