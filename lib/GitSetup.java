import java.nio.file.Path;
import java.util.Map;

/** The `setup` mode: git identity and GitHub credentials (DESIGN §7). */
final class GitSetup {
    private GitSetup() {}

    /**
     * @param home   the user's home directory (HOME), where git's global files live
     * @param env    the process environment (XDG_CONFIG_HOME, ...)
     * @param apiBase GitHub API base URL, e.g. https://api.github.com (overridable for tests)
     * @return exit code
     */
    static int run(SyncConfig config, Console console, Path home, Map<String, String> env, String apiBase, boolean offline) {
        throw ExitException.usage("mode 'setup' is not implemented yet");
    }
}
