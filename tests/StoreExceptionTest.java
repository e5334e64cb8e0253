import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import lib.store.StoreException;
import lib.store.s3.S3Failures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** A server's answer as a typed kind: the engine decides on the kind, never on message text. */
@Tag("unit")
class StoreExceptionTest {
    static S3Exception answer(int status, String code) {
        var b = S3Exception.builder().statusCode(status).message("the server's words");
        if (code != null)
            b.awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build());
        return (S3Exception) b.build();
    }

    @Test
    void statusAndCodeGiveTheKind() {
        String[][] rows = {
            {"404", "NoSuchBucket", "NO_BUCKET"},
            {"404", "NoSuchKey", "NOT_FOUND"},
            {"404", "", "NOT_FOUND"},
            {"412", "", "PRECONDITION"},
            {"409", "PreconditionFailed", "PRECONDITION"},
            {"501", "", "NOT_IMPLEMENTED"},
            {"400", "NotImplemented", "NOT_IMPLEMENTED"},
            {"503", "SlowDown", "THROTTLED"},
            {"429", "", "THROTTLED"},
            {"503", "", "THROTTLED"},
            {"403", "", "AUTH"},
            {"400", "InvalidAccessKeyId", "AUTH"},
            {"403", "SignatureDoesNotMatch", "AUTH"},
            {"403", "RequestTimeTooSkewed", "AUTH"},
            {"500", "InternalError", "SERVER_ERROR"},
            {"502", "", "SERVER_ERROR"},
            {"400", "InvalidArgument", "REFUSED"},
            {"409", "", "REFUSED"}
        };
        for (String[] r : rows) {
            assertEquals(
                    StoreException.Kind.valueOf(r[2]),
                    S3Failures.kindOf(Integer.parseInt(r[0]), r[1]),
                    r[0] + " " + r[1]);
        }
    }

    @Test
    void onlyPassingCausesAreWorthRunningAgain() {
        for (StoreException.Kind k : StoreException.Kind.values()) {
            boolean expected = k == StoreException.Kind.UNREACHABLE
                    || k == StoreException.Kind.THROTTLED
                    || k == StoreException.Kind.SERVER_ERROR
                    || k == StoreException.Kind.CORRUPTED;
            assertEquals(expected, k.isTransient(), k.name());
        }
    }

    @Test
    void anSdkFailureBecomesATypedOneNamingWhatWasAsked() {
        StoreException e = S3Failures.of(answer(403, "SignatureDoesNotMatch"), "exp/data/a.bin");
        assertEquals(StoreException.Kind.AUTH, e.kind);
        assertEquals(403, e.status);
        assertEquals("exp/data/a.bin: the server answered 403 SignatureDoesNotMatch", e.getMessage());

        var network = SdkClientException.builder()
                .message("Unable to execute HTTP request: long SDK words")
                .cause(new ConnectException("Connection refused"))
                .build();
        StoreException n = S3Failures.of(network, "listing");
        assertEquals(StoreException.Kind.UNREACHABLE, n.kind);
        assertEquals("listing: Connection refused", n.getMessage(), "the I/O error's words, not the SDK's");
    }

    @Test
    void unsupportedIsA501OrAPlain400NeverAContentError() {
        assertTrue(S3Failures.unsupported(answer(501, null)));
        assertTrue(S3Failures.unsupported(answer(400, "NotImplemented")));
        assertTrue(S3Failures.unsupported(answer(400, "InvalidArgument")));
        assertTrue(S3Failures.unsupported(answer(400, "InvalidRequest")));
        assertTrue(S3Failures.unsupported(answer(400, "UnsupportedOperation")));
        assertTrue(S3Failures.unsupported(answer(400, null)));
        assertFalse(S3Failures.unsupported(answer(400, "BadDigest")), "a body that does not match its Content-MD5");
        assertFalse(S3Failures.unsupported(answer(412, "PreconditionFailed")));
        assertFalse(S3Failures.unsupported(answer(403, "AccessDenied")));
        assertFalse(S3Failures.unsupported(SdkClientException.create("network")));
    }
}
