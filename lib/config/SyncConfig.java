package lib.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import lib.common.BandwidthLimit;
import lib.common.Console;
import lib.common.Secrets;
import lib.common.StopException;
import lib.local.DataDirs;
import lib.local.SyncIgnore;

/**
 * A personal {@code <name>.sync.env} file, read the way bash reads it (see {@link EnvFile}),
 * with the bash tool's key names. Environment variables never override the file: what the
 * tool uses is what {@link #describe()} prints. {@link #toString()} masks secrets.
 */
public final class SyncConfig {
    static final String DEFAULT_REGION = "us-east-2";
    /** Lambda's Filesystem S3 Adapter endpoints, as listed in SYNC.md. */
    static final Map<String, String> REGION_ENDPOINTS = Map.of(
            "us-east-2", "https://files.us-east-2.lambda.ai",
            "us-east-3", "https://files.us-east-3.lambda.ai",
            "us-midwest-2", "https://files.us-midwest-2.lambda.ai");

    static final List<String> KNOWN_KEYS = List.of(
            "BUCKET_NAME",
            "LAMBDA_ACCESS_KEY_ID",
            "LAMBDA_SECRET_ACCESS_KEY",
            "LAMBDA_REGION",
            "LAMBDA_ENDPOINT_URL",
            "GIT_USER_NAME",
            "GIT_USER_EMAIL",
            "GITHUB_TOKEN",
            "HF_API_KEY",
            "SYNC_PREFIX",
            "SYNC_TARGET",
            "LAMBDA_CA_BUNDLE",
            "SYNC_BWLIMIT");

    public final Path file;
    private final Map<String, String> values;
    public final List<String> warnings;

    private SyncConfig(Path file, Map<String, String> values, List<String> warnings) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
        this.warnings = Collections.unmodifiableList(warnings);
    }

    /** Reads and parses a config file; every problem is a one-line usage error naming the file. */
    public static SyncConfig load(Path file, Map<String, String> env) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw StopException.usage(
                    "config file not found: " + file + " (create it with: cp sync.env.template <your-name>.sync.env)");
        } catch (IOException e) {
            String why = Files.isDirectory(file)
                    ? "it is a directory"
                    : e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
            throw StopException.usage("cannot read config file " + file + ": " + why);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw StopException.usage(file + ": is not UTF-8 text; save it as UTF-8");
        }
        SyncConfig config = parse(file, text, env);
        List<String> warnings = new ArrayList<>(config.warnings);
        try {
            if (exposesSecrets(Files.getPosixFilePermissions(file), config.values)) {
                warnings.add(file + ": holds secrets but others can read it; fix with: chmod 600 " + file);
            }
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not a POSIX file system: nothing to check.
        }
        return new SyncConfig(file, new LinkedHashMap<>(config.values), warnings);
    }

    public static SyncConfig parse(Path file, String text, Map<String, String> env) {
        EnvFile.Result r = EnvFile.parse(file.toString(), text, env);
        List<String> warnings = new ArrayList<>(r.warnings());
        for (String key : r.values().keySet()) {
            String known = lookalike(key);
            if (known != null) warnings.add(file + ": unknown key " + key + " — did you mean " + known + "?");
        }
        return new SyncConfig(file, new LinkedHashMap<>(r.values()), warnings);
    }

    /** The known key that {@code key} is probably a typo of, or null. */
    static String lookalike(String key) {
        if (KNOWN_KEYS.contains(key)) return null;
        for (String known : KNOWN_KEYS) {
            if (known.equalsIgnoreCase(key) || distance(known, key.toUpperCase(Locale.ROOT)) <= 2) return known;
        }
        return null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The value of a key, or null when absent or empty. */
    String get(String key) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    public Map<String, String> values() {
        return values;
    }

    public String bucket() {
        return get("BUCKET_NAME");
    }

    public String accessKeyId() {
        return get("LAMBDA_ACCESS_KEY_ID");
    }

    public String secretAccessKey() {
        return get("LAMBDA_SECRET_ACCESS_KEY");
    }

    public String region() {
        return get("LAMBDA_REGION") == null ? DEFAULT_REGION : get("LAMBDA_REGION");
    }

    public String gitUserName() {
        return get("GIT_USER_NAME");
    }

    public String gitUserEmail() {
        return get("GIT_USER_EMAIL");
    }

    public String githubToken() {
        return get("GITHUB_TOKEN");
    }

    /** SYNC_BWLIMIT (or --bwlimit, see {@link #with}): bytes per second, 0 for none (SYNC.md, "Bandwidth"). */
    public long bwlimit() {
        String v = get("SYNC_BWLIMIT");
        return v == null ? 0 : BandwidthLimit.parse(v, file + ": SYNC_BWLIMIT");
    }

    /** This config with one key set otherwise: a command-line option that wins over the file. */
    public SyncConfig with(String key, String value) {
        Map<String, String> v = new LinkedHashMap<>(values);
        v.put(key, value);
        return new SyncConfig(file, v, warnings);
    }

    /** Key prefix in the bucket: "" (the bash tool's layout) or "some/prefix/". */
    public String prefix() {
        String p = get("SYNC_PREFIX");
        if (p == null) return "";
        p = p.replaceAll("^/+", "").replaceAll("/+$", "");
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.contains("\\")) {
                throw StopException.usage(
                        file + ": SYNC_PREFIX must be a plain path like team/repo, without '.', '..', '//' or '\\'");
            }
        }
        return p + "/";
    }

    /** A mounted directory used instead of a bucket, or null. Relative paths are relative to the config file. */
    public Path target() {
        String t = get("SYNC_TARGET");
        if (t == null) return null;
        Path dir = file.toAbsolutePath().getParent();
        return dir.resolve(t).normalize();
    }

    /**
     * LAMBDA_CA_BUNDLE: a PEM file of certificates to trust for the endpoint's TLS, besides the
     * system's (as AWS_CA_BUNDLE is for the aws CLI): a private server, or a TLS-inspecting proxy.
     * Relative to the config file's folder; null when not set.
     */
    public Path caBundle() {
        String v = get("LAMBDA_CA_BUNDLE");
        if (v == null) return null;
        Path p = file.toAbsolutePath().getParent().resolve(v).normalize();
        if (!Files.isReadable(p))
            throw StopException.usage(file + ": LAMBDA_CA_BUNDLE=" + v
                    + " is not a readable file; give the path of a PEM certificate file");
        return p;
    }

    /**
     * SYNC_TARGET against the repo being synced (SYNC.md "The config file"): the repo itself or
     * a folder in one of its data dirs is refused, since every upload would copy the mirror into
     * itself, one level deeper each run; elsewhere in the repo it is a warning unless git ignores
     * it (git add -A would commit the mirror).
     */
    public void checkTarget(Path repoRoot, Console console) {
        Path target = target();
        if (target == null) return;
        Path t = real(target), root = real(repoRoot);
        if (!t.startsWith(root)) return;
        String rel = DataDirs.rel(root, t);
        String[] parts = rel.split("/");
        String fix =
                "; set SYNC_TARGET in " + file + " to a folder outside the repo (e.g. under /lambda/nfs/<filesystem>/)";
        if (rel.isEmpty()) {
            throw StopException.usage("SYNC_TARGET=" + get("SYNC_TARGET") + " is the repo itself (" + root
                    + "): the mirror would overwrite" + " the data dirs it copies" + fix);
        }
        if (parts.length >= 2 && DataDirs.isDataDir(parts[0], parts[1])) {
            throw StopException.usage(
                    "SYNC_TARGET=" + get("SYNC_TARGET") + " is inside the data dir " + parts[0] + "/" + parts[1]
                            + "/ of this repo: every upload would copy the mirror into itself, one level deeper each run"
                            + fix);
        }
        if (!SyncIgnore.gitIgnores(root, rel)) {
            console.warn("SYNC_TARGET=" + get("SYNC_TARGET") + " is inside this repo (" + rel
                    + "/) and git does not ignore it:" + " git add -A would commit the mirror; add " + rel
                    + "/ to .gitignore, or use a folder outside the repo");
        }
    }

    /** The real path of {@code p}, through symlinks, as far as it exists (a target may not exist yet). */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        for (Path existing = abs; existing != null; existing = existing.getParent()) {
            try {
                return existing.toRealPath().resolve(existing.relativize(abs));
            } catch (IOException e) {
                // not there yet: try its parent
            }
        }
        return abs;
    }

    /** The endpoint URL: LAMBDA_ENDPOINT_URL if set, else the region's from the table. */
    public String endpoint() {
        String explicit = get("LAMBDA_ENDPOINT_URL");
        if (explicit != null) {
            if (explicit.contains("@")) {
                // Not echoed: the part before '@' is a credential.
                throw StopException.usage(
                        file + ": LAMBDA_ENDPOINT_URL must not contain user:password@; put the key pair in"
                                + " LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY");
            }
            if (!explicit.matches("https?://[^\\s/]+(/.*)?")) {
                throw StopException.usage(
                        file + ": LAMBDA_ENDPOINT_URL must look like https://host[:port], not '" + explicit + "'");
            }
            return explicit.replaceAll("/+$", "");
        }
        String ep = REGION_ENDPOINTS.get(region());
        if (ep == null) {
            throw StopException.usage(file + ": LAMBDA_REGION=" + region() + " is not one of "
                    + String.join(
                            ", ", REGION_ENDPOINTS.keySet().stream().sorted().toList())
                    + "; set LAMBDA_ENDPOINT_URL for other regions");
        }
        return ep;
    }

    /** The keys a bucket needs (SYNC_TARGET needs none of them). */
    static final List<String> STORE_KEYS = List.of("BUCKET_NAME", "LAMBDA_ACCESS_KEY_ID", "LAMBDA_SECRET_ACCESS_KEY");

    /** Of {@link #STORE_KEYS}, those missing or empty, in that order; none with SYNC_TARGET. Syncs and doctor both ask this. */
    public List<String> missingStoreKeys() {
        if (target() != null) return List.of();
        return STORE_KEYS.stream().filter(k -> get(k) == null).toList();
    }

    /** Checks the keys that the bucket modes need; names the first missing one. */
    public void requireStore(String mode) {
        List<String> missing = missingStoreKeys();
        if (!missing.isEmpty()) {
            throw StopException.usage(file + ": " + missing.get(0) + " is missing or empty; '" + mode
                    + "' needs it (or SYNC_TARGET for a mounted directory)");
        }
        endpoint();
        prefix();
    }

    /**
     * The one policy for a config file's mode (SYNC.md "The config file"), used by every sync (a
     * warning) and by doctor (a FAIL): the file exposes secrets when it holds one, meaning any key
     * masked when printed ({@link #hidden}: WANDB_API_KEY too, not only our own), and its group or
     * others may read it. Write or execute bits alone expose no secret. A config without secrets
     * (like the README's example, 644 after a clone) is fine to share.
     */
    public static boolean exposesSecrets(Set<PosixFilePermission> perms, Map<String, String> values) {
        boolean othersRead =
                perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ);
        return othersRead && holdsSecrets(values);
    }

    public static boolean holdsSecrets(Map<String, String> values) {
        return values.entrySet().stream()
                .anyMatch(e -> hidden(e.getKey()) && !e.getValue().isEmpty());
    }

    /** Every key with its value, secrets masked: what the tool actually uses. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + "=" + (hidden(k) ? Secrets.mask(v) : v)));
        return lines;
    }

    /**
     * Masked when printed: the known secrets, a mistyped secret key (GITHUB_TOKNE still holds
     * the token), and other tools' API keys users keep here for {@code source} (WANDB_API_KEY).
     */
    static boolean hidden(String key) {
        String known = lookalike(key);
        return Secrets.isSecret(key) || (known != null && Secrets.isSecret(known)) || key.endsWith("_KEY");
    }

    @Override
    public String toString() {
        return "SyncConfig" + describe() + " from " + file;
    }
}
