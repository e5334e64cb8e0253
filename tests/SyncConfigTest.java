import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import lib.common.Ending;
import lib.common.StopException;
import lib.config.SyncConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class SyncConfigTest {
    static final Map<String, String> ENV = Map.of("HOME", "/home/tester");
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6abcd";
    static final String HF = "hf_QwErTyUiOpAsDfGhJkLzXcVbNm12345678";

    @TempDir
    Path tmp;

    static SyncConfig config(String text) {
        return SyncConfig.parse(Path.of("me.sync.env"), text, ENV);
    }

    static String message(Runnable r) {
        StopException e = assertThrows(StopException.class, r::run);
        assertEquals(Ending.USAGE, e.kind);
        return e.getMessage();
    }

    @Test
    void regionDefaultsToUsEast2() {
        assertEquals(
                "https://files.us-east-2.lambda.ai", config("BUCKET_NAME=b\n").endpoint());
        assertEquals(
                "https://files.us-east-2.lambda.ai", config("LAMBDA_REGION=\n").endpoint());
    }

    @Test
    void regionPicksItsEndpointFromTheTable() {
        assertEquals(
                "https://files.us-east-3.lambda.ai",
                config("LAMBDA_REGION=us-east-3\n").endpoint());
        assertEquals(
                "https://files.us-midwest-2.lambda.ai",
                config("LAMBDA_REGION=us-midwest-2\n").endpoint());
    }

    @Test
    void explicitEndpointWinsOverRegion() {
        SyncConfig c = config("LAMBDA_REGION=us-east-3\nLAMBDA_ENDPOINT_URL=http://127.0.0.1:9000/\n");
        assertEquals("http://127.0.0.1:9000", c.endpoint());
        assertEquals(
                "http://10.0.0.1:9000",
                config("LAMBDA_REGION=mars-1\nLAMBDA_ENDPOINT_URL=http://10.0.0.1:9000\n")
                        .endpoint());
    }

    @Test
    void unknownRegionWithoutEndpointNamesLambdaRegion() {
        String m = message(() -> config("LAMBDA_REGION=eu-west-9\n").endpoint());
        assertTrue(m.startsWith("me.sync.env: LAMBDA_REGION=eu-west-9"), m);
        assertTrue(m.contains("LAMBDA_ENDPOINT_URL"), m);
    }

    @Test
    void endpointWithCredentialsIsRefusedWithoutEchoingThem() {
        String m = message(() -> config("LAMBDA_ENDPOINT_URL=https://AKIA:" + SECRET + "@files.example\n")
                .endpoint());
        assertTrue(m.contains("LAMBDA_ENDPOINT_URL"), m);
        assertFalse(m.contains(SECRET), m);
        message(() -> config("LAMBDA_ENDPOINT_URL=files.example\n").endpoint());
    }

    @Test
    void describeAndToStringMaskSecrets() {
        SyncConfig c = config("BUCKET_NAME=b1\nLAMBDA_SECRET_ACCESS_KEY=" + SECRET + "\nGITHUB_TOKEN=" + TOKEN
                + "\nHF_API_KEY=" + HF + "\nGIT_USER_NAME=alice\n");
        String shown = String.join("\n", c.describe()) + "\n" + c;
        for (String s : List.of(SECRET, TOKEN, HF)) assertFalse(shown.contains(s), shown);
        assertTrue(c.describe().contains("GITHUB_TOKEN=ghp_…abcd"), shown);
        assertTrue(c.describe().contains("LAMBDA_SECRET_ACCESS_KEY=wJal…EKEY"), shown);
        assertTrue(c.describe().contains("BUCKET_NAME=b1"), shown);
        assertTrue(c.describe().contains("GIT_USER_NAME=alice"), shown);
    }

    @Test
    void mistypedSecretKeysAndOtherApiKeysAreMaskedToo() {
        SyncConfig c = config("GITHUB_TOKNE=" + TOKEN + "\nWANDB_API_KEY=" + HF + "\n");
        String shown = c.toString();
        assertFalse(shown.contains(TOKEN), shown);
        assertFalse(shown.contains(HF), shown);
    }

    @Test
    void typoOfAKnownKeyWarns() {
        SyncConfig c = config("BUCKET_NAEM=b\nbucket_name=c\n");
        assertTrue(
                c.warnings.contains("me.sync.env: unknown key BUCKET_NAEM — did you mean BUCKET_NAME?"),
                c.warnings.toString());
        assertTrue(
                c.warnings.stream().anyMatch(w -> w.contains("bucket_name") && w.contains("BUCKET_NAME")),
                c.warnings.toString());
        assertEquals("b", c.values().get("BUCKET_NAEM"), "unknown keys are kept");
    }

    @Test
    void unrelatedUserKeysDoNotWarn() {
        SyncConfig c = config("HF_HOME=/x\nWANDB_API_KEY=k\nCUDA_VISIBLE_DEVICES=0\nPYTHONPATH=/p\nBUCKET_NAME=b\n");
        assertEquals(List.of(), c.warnings);
    }

    @Test
    void environmentDoesNotOverrideTheFile() {
        SyncConfig c = SyncConfig.parse(
                Path.of("me.sync.env"),
                "BUCKET_NAME=from-file\n",
                Map.of("BUCKET_NAME", "from-env", "LAMBDA_REGION", "us-east-3"));
        assertEquals("from-file", c.bucket());
        assertEquals("us-east-2", c.region());
    }

    @Test
    void emptyValueCountsAsMissing() {
        assertNull(config("BUCKET_NAME=\n").bucket());
        String m = message(() -> config("BUCKET_NAME=\nLAMBDA_ACCESS_KEY_ID=a\nLAMBDA_SECRET_ACCESS_KEY=s\n")
                .requireStore("upload"));
        assertTrue(m.startsWith("me.sync.env: BUCKET_NAME"), m);
        assertTrue(m.contains("upload"), m);
    }

    @Test
    void syncTargetReplacesTheBucketKeys() {
        SyncConfig c = config("SYNC_TARGET=mnt/store\n");
        c.requireStore("upload");
        assertTrue(c.target().isAbsolute());
        assertTrue(c.target().endsWith("mnt/store"));
    }

    @Test
    void fileWithSecretsReadableByOthersWarnsToChmod600() throws Exception {
        Path f = tmp.resolve("me.sync.env");
        Files.writeString(f, "BUCKET_NAME=b\nLAMBDA_SECRET_ACCESS_KEY=s3cr3t-value\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(SyncConfig.load(f, ENV)
                .warnings
                .contains(f + ": holds secrets but others can read it; fix with: chmod 600 " + f));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals(List.of(), SyncConfig.load(f, ENV).warnings);
    }

    /** The one policy doctor and syncs share: any masked key is a secret, and only read bits for group or others expose it. */
    @Test
    void secretsAreExposedByGroupOrOthersReadOnly() {
        Map<String, String> wandb = Map.of("WANDB_API_KEY", "0123456789abcdef");
        assertTrue(SyncConfig.exposesSecrets(PosixFilePermissions.fromString("rw-r--r--"), wandb));
        assertTrue(SyncConfig.exposesSecrets(
                PosixFilePermissions.fromString("rw-r-----"), Map.of("GITHUB_TOKEN", "ghp_x")));
        assertFalse(SyncConfig.exposesSecrets(PosixFilePermissions.fromString("rw--w----"), wandb));
        assertFalse(SyncConfig.exposesSecrets(PosixFilePermissions.fromString("rw-------"), wandb));
        assertFalse(SyncConfig.exposesSecrets(
                PosixFilePermissions.fromString("rw-r--r--"), Map.of("SYNC_TARGET", "b", "GITHUB_TOKEN", "")));
    }

    @Test
    void fileWithoutSecretsMayBeReadableByOthers() throws Exception {
        Path f = tmp.resolve("example.sync.env");
        Files.writeString(f, "SYNC_TARGET=bucket\nGITHUB_TOKEN=\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(List.of(), SyncConfig.load(f, ENV).warnings);
    }

    @Test
    void loadReportsMissingDirectoryAndNonUtf8Files() throws Exception {
        Path missing = tmp.resolve("nope.sync.env");
        assertTrue(message(() -> SyncConfig.load(missing, ENV)).contains("not found: " + missing));
        String dir = message(() -> SyncConfig.load(tmp, ENV));
        assertTrue(dir.contains(tmp + ": ") && dir.endsWith(": it is a directory"), dir);
        Path latin1 = tmp.resolve("latin1.sync.env");
        Files.write(latin1, new byte[] {'A', '=', (byte) 0xE9, '\n'});
        assertTrue(message(() -> SyncConfig.load(latin1, ENV)).startsWith(latin1 + ": is not UTF-8"));
    }

    @Test
    void loadReportsParseErrorsWithFileAndLine() throws Exception {
        Path f = tmp.resolve("me.sync.env");
        Files.writeString(f, "BUCKET_NAME=b\nA=$(id)\n");
        assertTrue(message(() -> SyncConfig.load(f, ENV)).startsWith(f + ":2: "));
    }

    @Test
    void prefixIsNormalisedToSlashEnded() {
        assertEquals("", config("BUCKET_NAME=b\n").prefix());
        assertEquals("", config("SYNC_PREFIX=\n").prefix());
        assertEquals("team/repo/", config("SYNC_PREFIX=team/repo\n").prefix());
        assertEquals("team/repo/", config("SYNC_PREFIX=/team/repo/\n").prefix());
    }

    @Test
    void prefixWithDotDotOrEmptySegmentsIsRefused() {
        for (String p : List.of("..", "team/../other", "./x", "a//b", "a\\\\b")) {
            String m = message(() -> config("SYNC_PREFIX=" + p + "\n").prefix());
            assertTrue(m.startsWith("me.sync.env: SYNC_PREFIX"), p + " → " + m);
        }
    }
}
