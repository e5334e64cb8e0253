package lib.store.s3;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * A server that stops answering, as a run meets it (SYNC.md, "When things go wrong"): each
 * request's timeout is said with the endpoint it waited for, and the run as a whole is bounded.
 * Once a request has failed without any answer and nothing at all has answered for
 * {@link #giveUpAfter} (three socket timeouts: about the time one request takes to fail all its
 * attempts), every further attempt fails at once, instead of each file waiting out its own
 * timeouts: with many files, that would take hours. Any answer, even an error, resets it.
 */
final class ServerSilence implements ExecutionInterceptor {
    /** A request given up for the server's silence; its message names the endpoint and the time waited. */
    static final class NoAnswer extends SdkClientException {
        private static final long serialVersionUID = 1L;

        NoAnswer(String message, Throwable cause) {
            super(SdkClientException.builder().message(message).cause(cause));
        }
    }

    private static final ExecutionAttribute<Boolean> ANSWERED = new ExecutionAttribute<>("lambda-sync.answered");
    /** Why this request was given up before it was sent (the SDK rebuilds what is thrown, so it is kept here). */
    private static final ExecutionAttribute<String> GAVE_UP = new ExecutionAttribute<>("lambda-sync.gave-up");

    private final String endpoint;
    private final Duration socketTimeout, giveUpAfter;
    private final AtomicLong lastAnswer = new AtomicLong(System.nanoTime());
    /** An attempt failed with no answer since the last answer. */
    private volatile boolean unanswered;

    ServerSilence(String endpoint, Duration socketTimeout) {
        this.endpoint = endpoint;
        this.socketTimeout = socketTimeout;
        this.giveUpAfter = socketTimeout.multipliedBy(3);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        // Called again for the same request only when its previous attempt failed.
        if (Boolean.FALSE.equals(attributes.getAttribute(ANSWERED))) unanswered();
        attributes.putAttribute(ANSWERED, false);
        String why = givenUp();
        if (why != null) {
            attributes.putAttribute(GAVE_UP, why);
            throw new NoAnswer(why, null);
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(ANSWERED, true);
        answered();
    }

    /** An attempt failed without any answer ({@link DirectGet} says so too: one rule for both paths). */
    void unanswered() {
        unanswered = true;
    }

    /** The server answered something, even an error. */
    void answered() {
        lastAnswer.set(System.nanoTime());
        unanswered = false;
    }

    /** Why a new attempt is given up before it is sent, or null: it may go. */
    String givenUp() {
        if (!unanswered || System.nanoTime() - lastAnswer.get() < giveUpAfter.toNanos()) return null;
        return "no answer from " + endpoint + " for " + said(giveUpAfter)
                + ": gave up (check the network and the server, then run the same command again)";
    }

    /** What an attempt that ran out of its time limit is told. */
    String timedOut() {
        return endpoint + " did not finish a request within its time limit";
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        if (!Boolean.TRUE.equals(attributes.getAttribute(ANSWERED))) unanswered();
        String gaveUp = attributes.getAttribute(GAVE_UP);
        if (gaveUp != null) return new NoAnswer(gaveUp, null);
        if (e instanceof ApiCallAttemptTimeoutException) return new NoAnswer(timedOut(), e);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException)
                return new NoAnswer(
                        "no answer from " + endpoint + " within " + said(socketTimeout) + " (" + t.getMessage() + ")",
                        e);
        }
        return e;
    }

    /** "60 s", "3 min". */
    static String said(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s % 60 == 0 ? s / 60 + " min" : s + " s";
    }
}
