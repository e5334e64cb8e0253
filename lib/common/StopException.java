package lib.common;

/**
 * Stops the command: what happened (its {@link Ending}, which the entry maps to an exit code)
 * and one or two plain lines for the user. The message must never contain a secret.
 */
@SuppressWarnings("serial")
public // never serialized: a failure lives and dies within one run
class StopException extends RuntimeException {
    public final Ending kind;

    public StopException(Ending kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    StopException(Ending kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    /** A flag, argument or setting the command cannot take ({@link Ending#USAGE}); the message names which. */
    public static StopException usage(String message) {
        return new StopException(Ending.USAGE, message);
    }

    public static StopException failure(String message, Throwable cause) {
        return new StopException(Ending.FAILED, message, cause);
    }
}
