package lib.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.Console;
import lib.common.Ending;
import lib.common.Secrets;
import lib.common.StopException;
import lib.config.SyncConfig;

/**
 * The `setup` mode (SYNC.md, "What setup does"): git identity in the global config, and the GitHub token in
 * git's credential store (mode 600) instead of the bash tool's world-readable
 * {@code url."https://<token>@github.com/".insteadOf}, which it removes. Everything is decided
 * before anything is written, and every file is replaced whole under git's lock protocol, so a
 * rejected token, a held lock or a crash leaves the old files as they were.
 */
public final class GitSetup {
    /** Used when GitHub did not say whose token it is: GitHub ignores the user name beside a token. */
    public static final String FALLBACK_USER = "x-access-token";

    private GitSetup() {}

    /** A file to replace, with its new bytes and mode (null: keep the old file's mode). */
    private record Write(Path path, byte[] bytes, Set<PosixFilePermission> mode) {}

    /**
     * @param home   the user's home directory (HOME), where git's global files live
     * @param env    the process environment (XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL)
     * @param apiBase GitHub API base URL, e.g. https://api.github.com (overridable for tests)
     * @return how it ended
     */
    public static Ending run(
            SyncConfig config,
            Console console,
            Path home,
            Map<String, String> env,
            String apiBase,
            boolean offline,
            boolean dryRun) {
        String name = config.gitUserName(), email = config.gitUserEmail(), token = config.githubToken();
        checkValues(config, console, name, email, token);
        // The token is checked before anything is written, so a bad one changes nothing.
        GitHubToken.Check check = token == null ? null : offline ? null : checkToken(config, console, apiBase, token);
        if (token != null && offline) console.info("token check: skipped (--offline)");

        GitGlobalConfig global = GitGlobalConfig.load(home, env);
        List<String> report = new ArrayList<>();
        if (name != null) report.add(line("user.name", name, global.set("user", "name", name) ? "set" : "unchanged"));
        if (email != null)
            report.add(line("user.email", email, global.set("user", "email", email) ? "set" : "unchanged"));

        List<Write> writes = new ArrayList<>();
        List<GitGlobalConfig.UrlSection> removed = List.of();
        if (token != null) {
            report.add(useStoreHelper(global, console));
            removed = global.removeUrlSections(url -> GitCredentials.embedsGitHubCredential(url, token));
            report.add(storeToken(home, token, check, writes));
        } else {
            warnPlainTokens(global, console);
        }
        for (GitGlobalConfig.File f : global.changed()) writes.add(new Write(f.path, f.bytes(), null));

        if (!dryRun) commit(writes);

        console.info("git global config: " + global.target.path);
        report.forEach(console::info);
        for (GitGlobalConfig.UrlSection s : removed) {
            console.info("removed url.\"" + GitCredentials.masked(s.base()) + "\".insteadOf from " + s.file()
                    + ": it kept a GitHub token in plain text; git now takes the token from the credential store");
        }
        if (writes.isEmpty()) console.info("nothing to change: git was already set up this way");
        else if (dryRun) console.info("dry run: nothing written; this is what setup would do");
        console.info("to get HF_API_KEY into your shell, run: source " + config.file);
        return Ending.DONE;
    }

    /** Warns of each value that is not set (left as it is), and refuses a token no header can carry. */
    private static void checkValues(SyncConfig config, Console console, String name, String email, String token) {
        if (name == null) console.warn(config.file + ": GIT_USER_NAME is not set; git user.name is left as it is");
        if (email == null) console.warn(config.file + ": GIT_USER_EMAIL is not set; git user.email is left as it is");
        if (token == null)
            console.warn(config.file + ": GITHUB_TOKEN is not set; GitHub credentials are left as they are");
        if (token != null && !token.matches("[\\x21-\\x7e]+")) {
            throw StopException.usage(config.file + ": GITHUB_TOKEN " + Secrets.mask(token)
                    + " contains spaces or control characters (a Windows line ending?); fix the value and rerun setup");
        }
    }

    /** Puts the credential store among git's helpers; warns if one asked before it may answer instead. */
    private static String useStoreHelper(GitGlobalConfig global, Console console) {
        List<String> helpers = global.helpers();
        boolean addHelper = !helpers.contains("store");
        if (addHelper) global.addHelper("store");
        List<String> before = addHelper ? helpers : helpers.subList(0, helpers.indexOf("store"));
        if (!before.isEmpty()) {
            console.warn("git asks credential.helper " + String.join(", ", before) + " before store; if one of them"
                    + " answers for github.com, git uses its token, not this one");
        }
        return line("credential.helper", "store", addHelper ? "set" : "unchanged");
    }

    /** Plans the token's entry in git's credential store (mode 600); returns the line saying so. */
    private static String storeToken(Path home, String token, GitHubToken.Check check, List<Write> writes) {
        GitCredentials store = GitCredentials.load(home);
        String user = check != null && check.login() != null ? check.login() : store.username(GitCredentials.GITHUB);
        if (user == null || GitHubToken.looksLikeToken(user)) user = FALLBACK_USER;
        byte[] bytes = store.withEntry(GitCredentials.GITHUB, user, token);
        boolean same = store.original != null && Arrays.equals(bytes, store.original) && ownerOnly(store.file);
        if (!same) writes.add(new Write(store.file, bytes, GitLockFile.OWNER_ONLY));
        return line(
                "github.com token",
                Secrets.mask(token),
                (same ? "unchanged in " : "stored in ") + store.file + " (mode 600) for user " + user);
    }

    /** Without GITHUB_TOKEN nothing is moved, but a token left in plain text is named. */
    private static void warnPlainTokens(GitGlobalConfig global, Console console) {
        for (GitGlobalConfig.UrlSection s :
                global.urlSections(url -> GitCredentials.embedsGitHubCredential(url, null))) {
            console.warn(s.file() + ": url.\"" + GitCredentials.masked(s.base())
                    + "\" holds a GitHub token in plain text;"
                    + " set GITHUB_TOKEN and rerun setup to move it into the credential store");
        }
    }

    private static GitHubToken.Check checkToken(SyncConfig config, Console console, String apiBase, String token) {
        GitHubToken.Check check = GitHubToken.check(apiBase, token);
        String who = check.login() == null ? "" : " for GitHub user " + check.login();
        switch (check.verdict()) {
            case REJECTED ->
                throw new StopException(
                        Ending.FAILED,
                        "GitHub rejected GITHUB_TOKEN " + Secrets.mask(token)
                                + " from " + config.file + " (" + check.reason()
                                + "): token rejected or expired. Create a new classic token"
                                + " with the 'repo' scope, put it in the file and rerun setup. Nothing was changed.");
            case MISSING_REPO_SCOPE ->
                throw new StopException(
                        Ending.FAILED,
                        "GITHUB_TOKEN " + Secrets.mask(token)
                                + " from " + config.file + " lacks the 'repo' scope (it has: "
                                + (check.scopes().isEmpty() ? "none" : String.join(", ", check.scopes()))
                                + "), so git cannot push. Give the token the 'repo' scope on GitHub and rerun setup. Nothing was changed.");
            case OK -> console.info("token check: ok" + who + " (scopes: " + String.join(", ", check.scopes()) + ")");
            case FINE_GRAINED ->
                console.info("token check: ok" + who + "; a fine-grained token, whose permissions GitHub does not"
                        + " report: it needs Contents read and write on your repositories");
            case UNCHECKED ->
                console.warn("token not checked: " + check.reason()
                        + "; setting it up anyway (rerun setup later to check it)");
        }
        return check;
    }

    /** Takes every lock before writing anything, so a held lock leaves every file as it was. */
    private static void commit(List<Write> writes) {
        List<GitLockFile> locks = new ArrayList<>();
        try {
            for (Write w : writes) locks.add(GitLockFile.acquire(w.path(), w.mode()));
            for (int i = 0; i < writes.size(); i++)
                locks.get(i).write(writes.get(i).bytes());
            locks.forEach(GitLockFile::commit);
        } finally {
            locks.forEach(GitLockFile::close);
        }
    }

    private static boolean ownerOnly(Path file) {
        try {
            return Files.getPosixFilePermissions(file).equals(GitLockFile.OWNER_ONLY);
        } catch (UnsupportedOperationException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String line(String key, String value, String what) {
        return String.format("  %-18s %-24s %s", key, value, what);
    }
}
