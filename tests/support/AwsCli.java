import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real aws CLI against the suite's S3 server, as the bash tool ran it (no config of the developer's). */
final class AwsCli {
    private AwsCli() {}

    /** Runs {@code aws <args>} against {@code bucket}'s server; fails the test on a non-zero exit. */
    static String run(Bucket bucket, Path scratch, String... args) {
        List<String> cmd = new ArrayList<>(List.of("aws", "--endpoint-url", bucket.server.endpoint));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.put("AWS_ACCESS_KEY_ID", bucket.server.accessKey);
        env.put("AWS_SECRET_ACCESS_KEY", bucket.server.secretKey);
        env.put("AWS_DEFAULT_REGION", S3Server.REGION);
        env.put("AWS_CONFIG_FILE", scratch.resolve("no-aws-config").toString());
        env.put(
                "AWS_SHARED_CREDENTIALS_FILE",
                scratch.resolve("no-aws-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        // Newer aws CLIs send CRC checksums (aws-chunked) by default; the bash tool's did not.
        env.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
        env.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new AssertionError(String.join(" ", args) + " failed:\n" + out);
            return out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
