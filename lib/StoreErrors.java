import java.net.ConnectException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Turns a failure talking to the store into one line that names what to check. Never
 * includes credentials: SDK messages name keys and buckets, not secrets.
 */
final class StoreErrors {
    private StoreErrors() {}

    static String explain(Throwable e, SyncConfig config) {
        String where = config.target() != null ? "SYNC_TARGET " + config.target() : "endpoint " + config.endpoint();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException s) {
                String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
                int status = s.statusCode();
                if (code.equals("NoSuchBucket") || status == 404 && code.isEmpty()) {
                    return "bucket '" + config.bucket() + "' does not exist at " + where + ": check BUCKET_NAME in " + config.file;
                }
                // Before the 403 catch-all: S3 answers a skewed clock with 403 too, and blaming the
                // key pair would send the user to the wrong fix (FaultTest found this).
                if (code.equals("RequestTimeTooSkewed")) {
                    return "the " + where + " says this machine's clock is wrong (RequestTimeTooSkewed): fix the clock (e.g. timedatectl set-ntp true)";
                }
                if (code.equals("InvalidAccessKeyId") || code.equals("SignatureDoesNotMatch") || status == 403) {
                    return "the " + where + " rejected the credentials (" + (code.isEmpty() ? "403" : code)
                            + "): check LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY in " + config.file;
                }
                return "the " + where + " answered " + status + (code.isEmpty() ? "" : " " + code) + ": " + firstLine(s.getMessage());
            }
            if (t instanceof UnknownHostException) return "cannot resolve the host of " + where + ": check LAMBDA_ENDPOINT_URL / LAMBDA_REGION and DNS";
            if (t instanceof ConnectException) return "cannot connect to " + where + ": check LAMBDA_ENDPOINT_URL / LAMBDA_REGION and the network";
            if (t instanceof SSLException) {
                return "TLS handshake with " + where + " failed (" + firstLine(t.getMessage())
                        + "): check LAMBDA_ENDPOINT_URL (http:// or https://, and the port) and the system clock";
            }
        }
        String m = e.getMessage();
        return where + ": " + (m == null ? e.getClass().getSimpleName() : firstLine(m));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
