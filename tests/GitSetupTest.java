import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lib.common.Secrets;
import lib.git.GitCredentials;
import lib.git.GitSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `setup` run in-process with HOME (and XDG_CONFIG_HOME) in a temp dir, checked with the real
 * git CLI. A local HTTP server stands in for the GitHub API. Tokens are made up at run time.
 */
@Tag("unit")
class GitSetupTest {
    @TempDir
    Path tmp;

    Path home;
    Path xdg;
    Path configFile;
    final String token = fakeToken();
    final String oldToken = fakeToken();
    final Map<String, String> extraEnv = new HashMap<>();

    HttpServer api;
    volatile int apiStatus = 200;
    volatile String apiScopes = "repo, workflow";
    final List<String> apiAuthHeaders = new CopyOnWriteArrayList<>();

    record Run(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectories(tmp.resolve("home"));
        xdg = home.resolve(".config");
        configFile = tmp.resolve("alice.sync.env");
        writeConfig("GIT_USER_NAME=\"Alice Example\"\nGIT_USER_EMAIL=alice@example.com\nGITHUB_TOKEN=" + token + "\n");
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/user", ex -> {
            apiAuthHeaders.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (apiScopes != null) ex.getResponseHeaders().add("X-OAuth-Scopes", apiScopes);
            byte[] body = (apiStatus == 200
                            ? "{\"login\": \"alice-gh\", \"id\": 1}"
                            : "{\"message\": \"Bad credentials\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(apiStatus, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        api.start();
        extraEnv.put(
                "LAMBDA_SYNC_GITHUB_API", "http://127.0.0.1:" + api.getAddress().getPort());
    }

    @AfterEach
    void tearDown() {
        api.stop(0);
    }

    // --- identity and credentials, as the real git CLI sees them ---

    @Test
    void identityAndTokenAreWhatTheRealGitCliUses() throws Exception {
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertEquals("Alice Example", git("config", "--global", "user.name"));
        assertEquals("alice@example.com", git("config", "--global", "user.email"));
        assertEquals("store", git("config", "--global", "credential.helper"));
        Map<String, String> cred = credentialFill("github.com");
        assertEquals(token, cred.get("password"));
        assertEquals("alice-gh", cred.get("username"));
        assertEquals("rw-------", mode(home.resolve(".git-credentials")));
        assertTrue(r.out.contains(Secrets.mask(token)), r.out);
        assertTrue(r.out.contains("source " + configFile), r.out);
    }

    @Test
    void awkwardNameSurvivesTheRoundTripThroughGit() throws Exception {
        String name = "Zoë \"Z\" Ní Bhriain # ; \\ x";
        writeConfig("GIT_USER_NAME='" + name + "'\nGIT_USER_EMAIL=zoe@example.com\nGITHUB_TOKEN=" + token + "\n");
        Run r = setup("--offline");
        assertEquals(0, r.code, r.err);
        assertEquals(name, git("config", "--global", "user.name"));
    }

    @Test
    void existingConfigKeepsUnrelatedPartsAndIncludesAndLosesTheTokenInsteadOf() throws Exception {
        writeLegacyHome();
        Path local = home.resolve(".gitconfig.local");
        byte[] localBefore = Files.readAllBytes(local);

        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertEquals("vim", git("config", "--global", "core.editor"));
        assertEquals("log --graph --oneline", git("config", "--global", "alias.lg"));
        assertEquals("meld", git("config", "--global", "--includes", "diff.tool"));
        assertArrayEquals(localBefore, Files.readAllBytes(local));
        String urls = git("config", "--global", "--get-regexp", "^url\\.");
        assertFalse(urls.contains(oldToken), urls);
        assertTrue(urls.contains("url.git@github.com:.pushinsteadof https://github.com/"), urls);
        assertFalse(Files.readString(home.resolve(".gitconfig")).contains(oldToken));
        assertTrue(r.out.contains("removed url.\"https://" + Secrets.mask(oldToken) + "@github.com/\""), r.out);

        // Other hosts' credentials survive; the older github.com entry is replaced.
        Map<String, String> other = credentialFill("gitlab.example.com");
        assertEquals("bob", other.get("username"));
        assertEquals("s3cret", other.get("password"));
        assertEquals(token, credentialFill("github.com").get("password"));
        assertFalse(Files.readString(home.resolve(".git-credentials")).contains(oldToken));
        assertEquals("rw-------", mode(home.resolve(".git-credentials")), "was world-readable before");
    }

    @Test
    void secondRunChangesNothing() throws Exception {
        writeLegacyHome();
        assertEquals(0, setup().code);
        byte[] config = Files.readAllBytes(home.resolve(".gitconfig"));
        byte[] store = Files.readAllBytes(home.resolve(".git-credentials"));
        List<String> listing = listing(home);

        Run again = setup();
        assertEquals(0, again.code, again.err);
        assertArrayEquals(config, Files.readAllBytes(home.resolve(".gitconfig")));
        assertArrayEquals(store, Files.readAllBytes(home.resolve(".git-credentials")));
        assertEquals(listing, listing(home), "no lock or temp file left behind");
        assertTrue(again.out.contains("nothing to change"), again.out);
        assertFalse(again.out.contains("removed"), again.out);
    }

    @Test
    void xdgConfigInUseIsRespected() throws Exception {
        xdg = tmp.resolve("elsewhere");
        Path xdgConfig = Files.createDirectories(xdg.resolve("git")).resolve("config");
        Files.writeString(xdgConfig, "[core]\n\teditor = nano\n");

        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertFalse(Files.exists(home.resolve(".gitconfig")), "git would write the XDG file, so must we");
        String text = Files.readString(xdgConfig);
        assertTrue(text.contains("editor = nano") && text.contains("Alice Example"), text);
        assertEquals("Alice Example", git("config", "--global", "user.name"));
        assertEquals(token, credentialFill("github.com").get("password"));
    }

    @Test
    void withBothGlobalFilesHomeGitconfigWinsAndTheXdgTokenEntryIsRemovedToo() throws Exception {
        Path xdgConfig = Files.createDirectories(xdg.resolve("git")).resolve("config");
        Files.writeString(
                xdgConfig,
                "[core]\n\teditor = nano\n[url \"https://" + oldToken
                        + "@github.com/\"]\n\tinsteadOf = https://github.com/\n");
        Files.writeString(home.resolve(".gitconfig"), "[user]\n\tname = Old Name\n");

        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(Files.readString(home.resolve(".gitconfig")).contains("Alice Example"));
        assertEquals("[core]\n\teditor = nano\n", Files.readString(xdgConfig));
        assertEquals("Alice Example", git("config", "user.name"));
        assertEquals(token, credentialFill("github.com").get("password"));
    }

    @Test
    void gitConfigGlobalVariableIsHonoured() throws Exception {
        Path custom = tmp.resolve("custom.gitconfig");
        extraEnv.put("GIT_CONFIG_GLOBAL", custom.toString());
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertFalse(Files.exists(home.resolve(".gitconfig")));
        assertEquals("Alice Example", git("config", "--global", "user.name"));
        assertTrue(Files.readString(custom).contains("alice@example.com"));
    }

    // --- the token check ---

    @Test
    void tokenWithRepoScopeIsCheckedThenStored() throws Exception {
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertEquals(List.of("token " + token), apiAuthHeaders);
        assertTrue(r.out.contains("token check: ok for GitHub user alice-gh"), r.out);
        assertEquals(token, credentialFill("github.com").get("password"));
    }

    @Test
    void tokenWithoutRepoScopeExitsOneAndWritesNothing() throws Exception {
        Files.writeString(home.resolve(".gitconfig"), "[core]\n\teditor = vim\n");
        byte[] before = Files.readAllBytes(home.resolve(".gitconfig"));
        apiScopes = "read:user, gist";
        Run r = setup();
        assertEquals(1, r.code);
        assertTrue(r.err.contains("lacks the 'repo' scope (it has: read:user, gist)"), r.err);
        assertArrayEquals(before, Files.readAllBytes(home.resolve(".gitconfig")));
        assertEquals(List.of(".gitconfig"), listing(home));
    }

    @Test
    void rejectedTokenExitsOneAndWritesNothing() throws Exception {
        apiStatus = 401;
        Run r = setup();
        assertEquals(1, r.code);
        assertTrue(r.err.contains("token rejected or expired"), r.err);
        assertEquals(List.of(), listing(home));
    }

    @Test
    void unreachableApiWarnsAndStillWrites() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        extraEnv.put("LAMBDA_SYNC_GITHUB_API", "http://127.0.0.1:" + closedPort);
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("warning: token not checked"), r.err);
        assertEquals(token, credentialFill("github.com").get("password"));
        assertEquals("Alice Example", git("config", "--global", "user.name"));
    }

    @Test
    void fineGrainedTokenIsAcceptedWithANote() throws Exception {
        apiScopes = null;
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("fine-grained"), r.out);
        assertEquals(token, credentialFill("github.com").get("password"));
    }

    @Test
    void offlineSkipsTheCheck() throws Exception {
        apiStatus = 401;
        Run r = setup("--offline");
        assertEquals(0, r.code, r.err);
        assertEquals(List.of(), apiAuthHeaders);
        assertEquals(token, credentialFill("github.com").get("password"));
        assertEquals(GitSetup.FALLBACK_USER, credentialFill("github.com").get("username"));
    }

    // --- locks, modes, symlinks ---

    @Test
    void heldGitconfigLockExitsOneWithARetryMessageAndWritesNothing() throws Exception {
        Files.writeString(home.resolve(".gitconfig"), "[core]\n\teditor = vim\n");
        Files.writeString(home.resolve(".gitconfig.lock"), "someone else's\n");
        Run r = setup();
        assertEquals(1, r.code);
        assertTrue(r.err.contains(".gitconfig is locked by another git process") && r.err.contains("Retry"), r.err);
        assertEquals("[core]\n\teditor = vim\n", Files.readString(home.resolve(".gitconfig")));
        assertEquals(
                "someone else's\n",
                Files.readString(home.resolve(".gitconfig.lock")),
                "another process's lock is not ours to remove");
        assertFalse(Files.exists(home.resolve(".git-credentials")));
    }

    @Test
    void heldCredentialStoreLockLeavesTheGitconfigAlone() throws Exception {
        Files.writeString(home.resolve(".git-credentials.lock"), "");
        Run r = setup();
        assertEquals(1, r.code);
        assertTrue(r.err.contains(".git-credentials is locked"), r.err);
        assertEquals(List.of(".git-credentials.lock"), listing(home));
    }

    @Test
    void gitconfigKeepsItsModeAndSymlinksAreWrittenThrough() throws Exception {
        Path dotfiles = Files.createDirectories(tmp.resolve("dotfiles"));
        Path real = dotfiles.resolve("gitconfig");
        Files.writeString(real, "[core]\n\teditor = vim\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(home.resolve(".gitconfig"), real);

        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(Files.isSymbolicLink(home.resolve(".gitconfig")));
        assertTrue(Files.readString(real).contains("Alice Example"));
        assertEquals("rw-------", mode(real));
        assertEquals("Alice Example", git("config", "--global", "user.name"));
    }

    // --- missing keys ---

    @Test
    void missingKeysAreSkippedWithWarnings() throws Exception {
        writeConfig("GIT_USER_EMAIL=alice@example.com\nHF_API_KEY=hf_x\n");
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("GIT_USER_NAME is not set"), r.err);
        assertTrue(r.err.contains("GITHUB_TOKEN is not set"), r.err);
        assertEquals("alice@example.com", git("config", "--global", "user.email"));
        assertEquals(1, gitExit("config", "--global", "user.name"));
        assertFalse(Files.exists(home.resolve(".git-credentials")));
        assertEquals(List.of(), apiAuthHeaders);
        assertTrue(r.out.contains("source " + configFile), r.out);
    }

    @Test
    void withoutATokenTheOldInsteadOfIsReportedButKept() throws Exception {
        writeConfig("GIT_USER_NAME=Alice\n");
        String legacy = "[url \"https://" + oldToken + "@github.com/\"]\n\tinsteadOf = https://github.com/\n";
        Files.writeString(home.resolve(".gitconfig"), legacy);
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("holds a GitHub token in plain text"), r.err);
        assertTrue(Files.readString(home.resolve(".gitconfig")).contains(oldToken), "removing it would break git push");
    }

    // --- tokens in files the global config includes ---

    /** ~/.gitconfig includes ~/.gitconfig.local always and ~/work.inc in repos under ~/work/; each keeps an old token. */
    Path writeIncludedTokens() throws Exception {
        Files.writeString(
                home.resolve(".gitconfig"),
                "[include]\n\tpath = ~/.gitconfig.local\n" + "[includeIf \"gitdir:~/work/\"]\n\tpath = work.inc\n");
        Files.writeString(
                home.resolve(".gitconfig.local"),
                "[diff]\n\ttool = meld\n" + "[url \"https://" + oldToken
                        + "@github.com/\"]\n\tinsteadOf = https://github.com/\n");
        Files.writeString(
                home.resolve("work.inc"),
                "[url \"https://x-access-token:" + oldToken + "@github.com/org/\"]\n"
                        + "\tinsteadOf = https://github.com/org/\n");
        Path repo = Files.createDirectories(home.resolve("work/repo"));
        assertEquals(0, gitExit("init", "-q", repo.toString()));
        assertTrue(
                git("config", "--global", "--includes", "--get-regexp", "insteadof")
                        .contains(oldToken),
                "the test's premise");
        assertTrue(
                git("-C", repo.toString(), "config", "--get-regexp", "insteadof")
                        .contains("/org/"),
                "the test's premise");
        return repo;
    }

    @Test
    void tokensInIncludedFilesAreRemovedAndGitNoLongerSendsThem() throws Exception {
        Path repo = writeIncludedTokens();
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertEquals(
                1,
                gitExit("config", "--global", "--includes", "--get-regexp", "insteadof"),
                "no insteadOf left, includes followed");
        assertEquals(1, gitExit("config", "--global", "--get-regexp", "insteadof"));
        assertEquals(
                1, gitExit("-C", repo.toString(), "config", "--get-regexp", "insteadof"), "nor through the includeIf");
        assertEquals(
                "meld", git("config", "--global", "--includes", "diff.tool"), "the rest of the included file stays");
        assertEquals(token, credentialFill("github.com").get("password"));
        assertTrue(
                r.out.contains("removed url.\"https://" + Secrets.mask(oldToken) + "@github.com/\".insteadOf from "
                        + home.resolve(".gitconfig.local")),
                r.out);
        assertTrue(r.out.contains(".insteadOf from " + home.resolve("work.inc")), r.out);
        assertFalse(Files.readString(home.resolve(".gitconfig")).contains(oldToken));
    }

    @Test
    void withoutATokenAnIncludedInsteadOfIsReportedWithItsFile() throws Exception {
        writeIncludedTokens();
        writeConfig("GIT_USER_NAME=Alice\n");
        Run r = setup();
        assertEquals(0, r.code, r.err);
        assertTrue(
                r.err.contains("warning: " + home.resolve(".gitconfig.local") + ": url.\"https://"
                        + Secrets.mask(oldToken) + "@github.com/\" holds a GitHub token in plain text"),
                r.err);
        assertTrue(r.err.contains("warning: " + home.resolve("work.inc") + ": url.\""), r.err);
        assertTrue(
                Files.readString(home.resolve(".gitconfig.local")).contains(oldToken),
                "removing it would break git push");
    }

    // --- which URLs count as carrying a credential ---

    @Test
    void onlyUrlsCarryingAGitHubCredentialAreMigrated() {
        assertTrue(GitCredentials.embedsGitHubCredential("https://" + oldToken + "@github.com/", null));
        assertTrue(GitCredentials.embedsGitHubCredential("https://user:" + oldToken + "@github.com", null));
        assertTrue(GitCredentials.embedsGitHubCredential("https://x-access-token:abc@api.github.com/org/", null));
        assertTrue(GitCredentials.embedsGitHubCredential("https://plainword@github.com/", "plainword"));
        assertFalse(GitCredentials.embedsGitHubCredential("https://alice@github.com/", null), "a bare user name");
        assertFalse(GitCredentials.embedsGitHubCredential("git@github.com:", null), "ssh");
        assertFalse(GitCredentials.embedsGitHubCredential("ssh://git@github.com/", null), "ssh");
        assertFalse(GitCredentials.embedsGitHubCredential("https://bob:pw@gitlab.example.com/", null), "another host");
        assertFalse(GitCredentials.embedsGitHubCredential("https://github.com/", null));
        assertFalse(GitCredentials.embedsGitHubCredential("https://u:p@notgithub.com/", null));
    }

    // --- helpers ---

    static String fakeToken() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder("ghp_");
        for (int i = 0; i < 36; i++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return sb.toString();
    }

    void writeConfig(String text) throws IOException {
        Files.writeString(configFile, text);
        Files.setPosixFilePermissions(configFile, PosixFilePermissions.fromString("rw-------"));
    }

    /** What the bash tool left behind, plus the kind of things users keep beside it. */
    void writeLegacyHome() throws IOException {
        Files.writeString(
                home.resolve(".gitconfig"),
                "# my settings\n[core]\n\teditor = vim\n[alias]\n\tlg = log --graph --oneline\n"
                        + "[include]\n\tpath = ~/.gitconfig.local\n"
                        + "[url \"https://" + oldToken + "@github.com/\"]\n\tinsteadOf = https://github.com/\n"
                        + "[url \"git@github.com:\"]\n\tpushInsteadOf = https://github.com/\n"
                        + "[user]\n\tname = Old Name\n");
        Files.writeString(home.resolve(".gitconfig.local"), "[diff]\n\ttool = meld\n");
        Path store = home.resolve(".git-credentials");
        Files.writeString(
                store, "https://bob:s3cret@gitlab.example.com\nhttps://someone:" + oldToken + "@github.com\n");
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Runs `setup` in-process; every run's output is checked for the tokens. */
    Run setup(String... options) {
        LambdaSync cmd = new LambdaSync();
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", xdg.toString());
        cmd.env = env;
        cmd.interactive = false;
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> args = new ArrayList<>(List.of(configFile.toString(), "setup"));
        args.addAll(List.of(options));
        int code = LambdaSync.execute(cmd, new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        String all = out + "\n" + err;
        for (String secret : List.of(token, oldToken)) {
            assertFalse(all.contains(secret), "a token was printed:\n" + all);
            assertFalse(all.contains(secret.substring(4, secret.length() - 4)), "part of a token was printed:\n" + all);
        }
        return new Run(code, out.toString(), err.toString());
    }

    /** The real git CLI, seeing only the temp HOME. */
    ProcessBuilder gitProcess(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        Map<String, String> env = pb.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path);
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", xdg.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("LC_ALL", "C");
        if (extraEnv.containsKey("GIT_CONFIG_GLOBAL")) env.put("GIT_CONFIG_GLOBAL", extraEnv.get("GIT_CONFIG_GLOBAL"));
        return pb;
    }

    String git(String... args) throws Exception {
        return runGit(null, args).trim();
    }

    int gitExit(String... args) throws Exception {
        Process p = gitProcess(args).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    String runGit(String input, String... args) throws Exception {
        Process p = gitProcess(args).start();
        try (var in = p.getOutputStream()) {
            if (input != null) in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "git " + String.join(" ", args) + ": " + err);
        return out;
    }

    /** `git credential fill` for https://host, as git asks before a push. */
    Map<String, String> credentialFill(String host) throws Exception {
        String out = runGit("protocol=https\nhost=" + host + "\n\n", "credential", "fill");
        return out.lines()
                .filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
