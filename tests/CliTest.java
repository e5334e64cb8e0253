import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: exit codes and what lands on stdout / stderr. */
@Tag("unit")
class CliTest {
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6abcd";
    static final String SECRETS = "LAMBDA_ACCESS_KEY_ID=AKIAEXAMPLE\nLAMBDA_SECRET_ACCESS_KEY=" + SECRET
            + "\nGITHUB_TOKEN=" + TOKEN + "\nHF_API_KEY=hf_QwErTyUiOpAsDfGhJkLzXcVbNm12345678\n";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        String both() {
            return out + err;
        }
    }

    static Run run(Map<String, String> env, String... args) {
        LambdaSync cmd = new LambdaSync();
        cmd.env = env;
        cmd.interactive = false;
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LambdaSync.execute(cmd, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    Run run(String... args) {
        return run(Map.of("HOME", tmp.resolve("home").toString()), args);
    }

    /** A config file only its owner can read, so no chmod warning joins the output. */
    Path config(String text) throws Exception {
        Path f = tmp.resolve("me.sync.env");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    static void assertOneLine(Run r) {
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(r.err.startsWith("lambda-sync: "), r.err);
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), r.err);
    }

    @Test
    void helpListsModesOptionsAndExitCodes() {
        Run r = run("--help");
        assertEquals(0, r.code);
        for (String s : List.of(
                "setup",
                "upload",
                "download",
                "status",
                "doctor",
                "<config-file>",
                "--dry-run",
                "--yes",
                "--delete",
                "--force",
                "--json",
                "--jobs",
                "--verbose",
                "--quiet",
                "--approve",
                "--version",
                "Exit codes")) assertTrue(r.out.contains(s), s + " missing in:\n" + r.out);
        for (String line : List.of(
                "0 +done",
                "1 +runtime failure",
                "2 +usage or config error",
                "3 +not confirmed",
                "4 +finished, but conflicts"))
            assertTrue(r.out.lines().anyMatch(l -> l.strip().matches(line + ".*")), line + " missing in:\n" + r.out);
    }

    @Test
    void versionPrintsTheVersion() {
        Run r = run("--version");
        assertEquals(0, r.code);
        assertEquals("lambda-sync " + LambdaSync.VERSION, r.out.strip());
    }

    @Test
    void noArgumentsIsAUsageError() {
        Run r = run();
        assertEquals(2, r.code);
        assertTrue(r.err.contains("<config-file>"), r.err);
    }

    @Test
    void missingConfigFileIsOneLineNamingIt() {
        Path missing = tmp.resolve("nobody.sync.env");
        Run r = run(missing.toString(), "upload");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.contains(missing.toString()), r.err);
    }

    @Test
    void directoryAsConfigFileIsOneLineNamingIt() {
        Run r = run(tmp.toString(), "status");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.contains(tmp.toString()) && r.err.contains("directory"), r.err);
    }

    @Test
    void unreadableConfigFileIsOneLineNamingIt() throws Exception {
        Path f = config("BUCKET_NAME=b\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(f), "running as root: a chmod 000 file is still readable");
        Run r = run(f.toString(), "status");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.contains(f + ": permission denied"), r.err);
    }

    @Test
    void unknownModeNamesItAndListsTheValidOnes() throws Exception {
        Run r = run(config("BUCKET_NAME=b\n").toString(), "uplaod");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.contains("'uplaod'"), r.err);
        for (String mode : List.of("setup", "upload", "download", "status", "doctor"))
            assertTrue(r.err.contains(mode), r.err);
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        Run r = run(config("BUCKET_NAME=b\n").toString(), "status", "--frobnicate");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.contains("--frobnicate"), r.err);
    }

    @Test
    void bucketModesWithoutBucketNameNameTheKeyAndFile() throws Exception {
        Path f = config("# no bucket yet\n" + SECRETS);
        for (String mode : List.of("upload", "download", "status")) {
            Run r = run(f.toString(), mode);
            assertEquals(2, r.code, mode + ": " + r.err);
            assertOneLine(r);
            assertTrue(r.err.contains(f + ": BUCKET_NAME"), r.err);
        }
    }

    @Test
    void malformedConfigGivesFileAndLine() throws Exception {
        Path f = config("BUCKET_NAME=b\nA=$(id -u)\n");
        Run r = run(f.toString(), "status");
        assertEquals(2, r.code);
        assertOneLine(r);
        assertTrue(r.err.startsWith("lambda-sync: " + f + ":2: "), r.err);
    }

    @Test
    void configWarningsGoToStderr() throws Exception {
        Path f = config("BUCKET_NAEM=b\nLAMBDA_SECRET_ACCESS_KEY=s3cr3t-value-xyz\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Run r = run(f.toString(), "status");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("warning: " + f + ": unknown key BUCKET_NAEM — did you mean BUCKET_NAME?"), r.err);
        assertTrue(r.err.contains("chmod 600 " + f), r.err);
        assertEquals("", r.out);
    }

    @Test
    void unexpectedErrorIsOneLineAndTracedOnlyWithVerbose() throws Exception {
        Path f = config("BUCKET_NAME=$HOME\n");
        Map<String, String> failing = new HashMap<>() {
            @Override
            public String get(Object key) {
                throw new IllegalStateException("environment unavailable");
            }
        };
        Run quiet = run(failing, f.toString(), "status");
        assertEquals(1, quiet.code);
        assertEquals(1, quiet.err.lines().count(), quiet.err);
        assertTrue(quiet.err.contains("environment unavailable") && quiet.err.contains("--verbose"), quiet.err);
        Run verbose = run(failing, f.toString(), "status", "--verbose");
        assertEquals(1, verbose.code);
        assertTrue(verbose.err.contains("\tat "), verbose.err);
    }

    @Test
    void secretsNeverReachStdoutOrStderr() throws Exception {
        List<String> configs = List.of(
                SECRETS, // BUCKET_NAME missing
                "BUCKET_NAME=b\n" + SECRETS + "GITHUB_TOKNE=" + TOKEN + "\nLAMBDA_REGION=nowhere-1\n",
                "BUCKET_NAME=b\n" + SECRETS + "LAMBDA_ENDPOINT_URL=https://AKIA:" + SECRET + "@files.example\n",
                "BUCKET_NAME=b\nGITHUB_TOKEN=" + TOKEN + " oops\n", // malformed line holding the token
                "BUCKET_NAME=b\n" + SECRETS + "SYNC_PREFIX=../up\n");
        for (String text : configs) {
            Path f = config(text);
            for (String[] args : List.of(
                    new String[] {f.toString(), "status", "-v"},
                    new String[] {f.toString(), "upload"},
                    new String[] {f.toString(), "nosuchmode"})) {
                Run r = run(args);
                assertEquals(2, r.code, String.join(" ", args) + ": " + r.err);
                for (String s : List.of(SECRET, TOKEN, "hf_QwErTy"))
                    assertFalse(r.both().contains(s), text + " → " + r.both());
            }
        }
    }
}
