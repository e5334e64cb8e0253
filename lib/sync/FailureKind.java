package lib.sync;

import lib.store.StoreException;

/**
 * Why a transfer item failed, as far as it decides the advice (SYNC.md, "When things go wrong"):
 * whether running the same command again finishes the job, or what must be fixed first. Taken
 * from the failure's type, never from its message.
 */
public enum FailureKind {
    /** the network or the server (after the SDK's retries), throttling, a body damaged in transit */
    TRANSIENT,
    /**
     * the server failed on this item (5xx) after the SDK's retries: a hiccup a rerun passes, or a
     * name it cannot store (servers fronting a filesystem answer 500 to some), which fails every time
     */
    SERVER_ERROR,
    /** the file or object changed while the run went on: the next run plans it anew */
    CHANGED,
    /** the server refused the request for good (a name it cannot store, a file/folder clash there, a missing feature) */
    REFUSED,
    /** the store refused the credentials, or the bucket is not there */
    STORE_SETUP,
    /** this user may not read or write the file here */
    PERMISSION,
    DISK_FULL,
    /** a file and a folder of the same name: the one in the way could not be deleted first */
    IN_THE_WAY,
    /** any other local failure: its message says what */
    OTHER;

    /** Whether running the same command again can finish the item without the user fixing anything first. */
    public boolean rerunHelps() {
        return this == TRANSIENT || this == SERVER_ERROR || this == CHANGED;
    }

    /** The kind of a failure, from its type (never its message). */
    public static FailureKind of(Throwable e) {
        if (e instanceof StoreException se) return of(se.kind);
        if (e instanceof Transfer.DiskFullException) return DISK_FULL;
        if (e instanceof Transfer.InTheWayException) return IN_THE_WAY;
        if (e instanceof Transfer.ChangedSincePlanException) return CHANGED;
        if (e instanceof java.nio.file.AccessDeniedException) return PERMISSION;
        if (e instanceof java.io.UncheckedIOException) return TRANSIENT; // the SDK's wrapper of a cut connection
        return OTHER;
    }

    static FailureKind of(StoreException.Kind k) {
        if (k == StoreException.Kind.SERVER_ERROR) return SERVER_ERROR;
        if (k.isTransient()) return TRANSIENT;
        return switch (k) {
            case CHANGED_WHILE_UPLOADING, NOT_FOUND, PRECONDITION -> CHANGED;
            case AUTH, NO_BUCKET -> STORE_SETUP;
            default -> REFUSED;
        };
    }
}
