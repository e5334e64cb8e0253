import java.nio.file.Path;
import java.util.Map;

/** The `doctor` mode: checks config, endpoint, credentials, bucket, clock; changes nothing but a probe object. */
final class Doctor {
    private Doctor() {}

    /** @return exit code: 0 only when every check passed */
    static int run(SyncConfig config, Console console, Path workDir, Map<String, String> env, boolean readOnly) {
        throw ExitException.usage("mode 'doctor' is not implemented yet");
    }
}
