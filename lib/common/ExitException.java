package lib.common;

/**
 * The only way to stop the command with a chosen exit code. The message is one or two plain
 * lines for the user; it must never contain a secret.
 */
@SuppressWarnings("serial")
public // never serialized: a failure lives and dies within one run
class ExitException extends RuntimeException {
    /** Exit codes; stable, documented in SYNC.md and in --help. */
    public static final int OK = 0, FAILURE = 1, USAGE = 2, NOT_CONFIRMED = 3, INCOMPLETE = 4, EMPTY = 5;

    public final int code;

    public ExitException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    ExitException(int code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public static ExitException usage(String message) {
        return new ExitException(USAGE, message);
    }

    public static ExitException failure(String message, Throwable cause) {
        return new ExitException(FAILURE, message, cause);
    }
}
