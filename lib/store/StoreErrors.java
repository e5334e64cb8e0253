package lib.store;

import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import lib.config.SyncConfig;

/**
 * Turns a failure talking to the store into one line that names what to check, from its typed
 * {@link StoreException.Kind} (the one classifier), never from message text. Never includes
 * credentials: SDK messages name keys and buckets, not secrets.
 */
public final class StoreErrors {
    private StoreErrors() {}

    public static String explain(Throwable e, SyncConfig config) {
        return explain(e, config, true);
    }

    /**
     * @param rerun whether to advise running the same command again where that helps; not for
     *     watch, which tries again by itself (its log would tell the user to do what it does)
     */
    public static String explain(Throwable e, SyncConfig config, boolean rerun) {
        String where = config.target() != null ? "SYNC_TARGET " + config.target() : "endpoint " + config.endpoint();
        StoreException se = typed(e);
        if (se == null) {
            String m = e.getMessage();
            return where + ": " + (m == null ? e.getClass().getSimpleName() : firstLine(m));
        }
        return switch (se.kind) {
            case NO_BUCKET ->
                config.target() != null
                        ? firstLine(se.getMessage()) + ": check SYNC_TARGET in " + config.file
                        : "bucket '" + config.bucket() + "' does not exist at " + where + ": check BUCKET_NAME in "
                                + config.file;
            // A bare 404 (a HEAD has no body to name the code) reaching here is the bucket's: objects are handled
            // below.
            case NOT_FOUND ->
                se.code.isEmpty()
                        ? "bucket '" + config.bucket() + "' does not exist at " + where + ": check BUCKET_NAME in "
                                + config.file
                        : where + ": " + firstLine(se.getMessage());
            // S3 answers a skewed clock with 403 too: blaming the key pair would send the user to the wrong fix.
            case AUTH ->
                se.code.equals("RequestTimeTooSkewed")
                        ? "the " + where
                                + " says this machine's clock is wrong (RequestTimeTooSkewed): fix the clock (e.g. timedatectl set-ntp true)"
                        : "the " + where + " rejected the credentials (" + (se.code.isEmpty() ? "403" : se.code)
                                + "): check LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY in " + config.file;
            case UNREACHABLE -> unreachable(e, where, rerun);
            default ->
                se.status > 0
                        ? "the " + where + " answered " + se.status + (se.code.isEmpty() ? "" : " " + se.code)
                                + (se.kind.isTransient() && rerun ? "; run the same command again" : "")
                        : where + ": " + firstLine(se.getMessage());
        };
    }

    /** The typed failure in {@code e}'s causes (every store throws one); null for anything else. */
    private static StoreException typed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreException s) return s;
        }
        return null;
    }

    private static String unreachable(Throwable e, String where, boolean rerun) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException)
                return "cannot resolve the host of " + where + ": check LAMBDA_ENDPOINT_URL / LAMBDA_REGION and DNS";
            if (t instanceof java.net.ConnectException)
                return "cannot connect to " + where + ": check LAMBDA_ENDPOINT_URL / LAMBDA_REGION and the network";
            if (t instanceof SSLException) {
                return "TLS handshake with " + where + " failed (" + firstLine(t.getMessage())
                        + "): check LAMBDA_ENDPOINT_URL (http:// or https://, and the port), the system clock, and LAMBDA_CA_BUNDLE for a private CA";
            }
        }
        String m = e.getMessage();
        return where + ": " + (m == null ? e.getClass().getSimpleName() : firstLine(m))
                + (rerun ? "; check the network, then run the same command again" : "; check the network");
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
