import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The contenders, invoked the way their users invoke them, against the same endpoint:
 * lambda-sync through its JBang launcher with a config file, aws-cli's `s3 sync` and rclone's
 * `copy` with include filters selecting the data dirs, and the bash tool's way: one `aws s3
 * sync` per data dir, in a loop. Secrets go through a config file (mode 600) or the
 * environment, never the command line.
 */
enum Tool {
    LAMBDA_SYNC("lambda-sync"),
    AWS("aws s3 sync"),
    RCLONE("rclone copy"),
    AWS_PER_DIR("aws s3 sync per data dir");

    static final String AWS_BIN = Files.isExecutable(Path.of("/usr/bin/aws")) ? "/usr/bin/aws" : "aws";
    static final String RCLONE_BIN = Files.isExecutable(Path.of("/usr/bin/rclone")) ? "/usr/bin/rclone" : "rclone";
    static final String REGION = "us-east-1";

    final String label;

    Tool(String label) {
        this.label = label;
    }

    /** A command ready to run: its argv, its whole environment, and how BENCHMARKS.md shows it. */
    record Invocation(List<String> argv, Map<String, String> env, String shown) {
        /** The same command with more arguments at the end and more environment. */
        Invocation with(List<String> moreArgs, Map<String, String> moreEnv) {
            List<String> a = new ArrayList<>(argv);
            a.addAll(moreArgs);
            Map<String, String> e = new HashMap<>(env);
            e.putAll(moreEnv);
            return new Invocation(a, e, shown + (moreArgs.isEmpty() ? "" : " " + String.join(" ", moreArgs)));
        }
    }

    /**
     * The bash tool's upload: every data dir synced on its own. Its download lists the bucket's
     * top-level folders and syncs each one's data/ and reports/ (a fresh clone has no data dirs
     * to loop over).
     */
    static final String PER_DIR_UPLOAD = """
            for d in */data */reports; do
              [ -d "$d" ] || continue
              "$AWS" s3 sync "$d" "s3://$BUCKET/$d/" --endpoint-url "$ENDPOINT" --only-show-errors || exit
            done""";

    static final String PER_DIR_DOWNLOAD = """
            tops=$("$AWS" s3 ls "s3://$BUCKET/" --endpoint-url "$ENDPOINT" | awk '$1 == "PRE" { print $2 }') || exit
            for top in $tops; do
              for d in data reports; do
                "$AWS" s3 sync "s3://$BUCKET/$top$d/" "$top$d" --endpoint-url "$ENDPOINT" --only-show-errors || exit
              done
            done""";

    /**
     * Where the tools find the server; one per bench run and way in.
     *
     * @param caBundle for an https endpoint, the PEM file of its certificate, which each tool is told
     *     to trust the way its users would (LAMBDA_CA_BUNDLE, AWS_CA_BUNDLE, SSL_CERT_FILE); else null
     */
    record Target(Path toolDir, Path configDir, String endpoint, String accessKey, String secretKey, Path caBundle) {
        Target(Path toolDir, Path configDir, String endpoint, String accessKey, String secretKey) {
            this(toolDir, configDir, endpoint, accessKey, secretKey, null);
        }

        boolean tls() {
            return caBundle != null;
        }

        /** A lambda-sync config for one bucket, as S3Server.writeConfig writes it but pointing at the counting proxy. */
        Path config(String bucket) throws IOException {
            Files.createDirectories(configDir);
            Path file = configDir.resolve(bucket + ".sync.env");
            Files.writeString(
                    file,
                    "BUCKET_NAME=" + bucket + "\nLAMBDA_ACCESS_KEY_ID=" + accessKey + "\nLAMBDA_SECRET_ACCESS_KEY="
                            + secretKey + "\nLAMBDA_REGION=" + REGION + "\nLAMBDA_ENDPOINT_URL=" + endpoint + "\n"
                            + (caBundle == null ? "" : "LAMBDA_CA_BUNDLE=" + caBundle + "\n"));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        }

        /** A lambda-sync config whose far side is a directory (SYNC_TARGET). */
        Path dirConfig(String name, Path target) throws IOException {
            Files.createDirectories(configDir);
            Path file = configDir.resolve(name + ".sync.env");
            Files.writeString(file, "SYNC_TARGET=" + target + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        }

        /** The same empty file as ~/.aws/config and rclone.conf: nothing on this machine changes the peers' defaults. */
        Path emptyConfig() throws IOException {
            Files.createDirectories(configDir);
            Path f = configDir.resolve("empty.conf");
            if (!Files.exists(f)) Files.createFile(f);
            return f;
        }
    }

    Invocation upload(Target t, String bucket) throws IOException {
        return sync(t, bucket, true);
    }

    Invocation download(Target t, String bucket) throws IOException {
        return sync(t, bucket, false);
    }

    private Invocation sync(Target t, String bucket, boolean up) throws IOException {
        Map<String, String> env = baseEnv();
        List<String> argv = new ArrayList<>();
        String shown;
        switch (this) {
            case LAMBDA_SYNC -> {
                argv.addAll(List.of(
                        t.toolDir().resolve("jbang").toString(),
                        t.toolDir().resolve("lambda-sync.java").toString(),
                        t.config(bucket).toString(),
                        up ? "upload" : "download",
                        "--yes",
                        "-q"));
                shown = "./jbang lambda-sync.java bench.sync.env " + (up ? "upload" : "download") + " --yes -q";
            }
            case AWS_PER_DIR -> {
                awsEnv(env, t);
                env.put("AWS", AWS_BIN);
                env.put("BUCKET", bucket);
                env.put("ENDPOINT", t.endpoint());
                argv.addAll(List.of("bash", "-c", up ? PER_DIR_UPLOAD : PER_DIR_DOWNLOAD));
                shown = "# bash, with the AWS_* variables above and AWS=" + AWS_BIN
                        + " BUCKET=<bucket> ENDPOINT=http://127.0.0.1:<port>\n"
                        + (up ? PER_DIR_UPLOAD : PER_DIR_DOWNLOAD);
            }
            case AWS -> {
                awsEnv(env, t);
                String s3 = "s3://" + bucket;
                argv.addAll(List.of(
                        AWS_BIN,
                        "s3",
                        "sync",
                        up ? "." : s3,
                        up ? s3 : ".",
                        "--endpoint-url",
                        t.endpoint(),
                        "--exclude",
                        "*",
                        "--include",
                        "*/data/*",
                        "--include",
                        "*/reports/*",
                        "--only-show-errors"));
                shown = "AWS_ACCESS_KEY_ID=<access-key> AWS_SECRET_ACCESS_KEY=<secret-key> AWS_DEFAULT_REGION=" + REGION
                        + " AWS_CONFIG_FILE=<empty> AWS_SHARED_CREDENTIALS_FILE=<empty> \\\n  " + AWS_BIN + " s3 sync "
                        + (up ? ". s3://<bucket>" : "s3://<bucket> .") + " --endpoint-url http://127.0.0.1:<port> \\\n"
                        + "  --exclude \"*\" --include \"*/data/*\" --include \"*/reports/*\" --only-show-errors";
            }
            case RCLONE -> {
                // rclone's S3 backend refuses to start with AWS_CA_BUNDLE set; Go's TLS reads SSL_CERT_FILE.
                if (t.tls()) env.put("SSL_CERT_FILE", t.caBundle().toString());
                env.put("RCLONE_S3_ACCESS_KEY_ID", t.accessKey());
                env.put("RCLONE_S3_SECRET_ACCESS_KEY", t.secretKey());
                env.put("RCLONE_CONFIG", t.emptyConfig().toString());
                String remote = ":s3:" + bucket;
                argv.addAll(List.of(
                        RCLONE_BIN,
                        "copy",
                        up ? "." : remote,
                        up ? remote : ".",
                        "--s3-provider",
                        "Other",
                        "--s3-endpoint",
                        t.endpoint(),
                        "--s3-force-path-style",
                        "--include",
                        "*/data/**",
                        "--include",
                        "*/reports/**"));
                shown =
                        "RCLONE_S3_ACCESS_KEY_ID=<access-key> RCLONE_S3_SECRET_ACCESS_KEY=<secret-key> RCLONE_CONFIG=<empty> \\\n  "
                                + RCLONE_BIN + " copy " + (up ? ". :s3:<bucket>" : ":s3:<bucket> .")
                                + " --s3-provider Other --s3-endpoint http://127.0.0.1:<port> \\\n"
                                + "  --s3-force-path-style --include \"*/data/**\" --include \"*/reports/**\"";
            }
            default -> throw new IllegalStateException();
        }
        return new Invocation(argv, env, shown);
    }

    private static void awsEnv(Map<String, String> env, Target t) throws IOException {
        env.put("AWS_ACCESS_KEY_ID", t.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", t.secretKey());
        env.put("AWS_DEFAULT_REGION", REGION);
        env.put("AWS_CONFIG_FILE", t.emptyConfig().toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", t.emptyConfig().toString());
        if (t.tls()) env.put("AWS_CA_BUNDLE", t.caBundle().toString());
    }

    /** lambda-sync with a config whose SYNC_TARGET is a directory. */
    static Invocation lambdaSyncDir(Target t, Path config, String mode) {
        List<String> argv = List.of(
                t.toolDir().resolve("jbang").toString(),
                t.toolDir().resolve("lambda-sync.java").toString(),
                config.toString(),
                mode,
                "--yes",
                "-q");
        return new Invocation(
                argv, baseEnv(), "./jbang lambda-sync.java dir.sync.env " + mode + " --yes -q   # SYNC_TARGET=<dir>");
    }

    /** The bench's own JBang folder (see {@link #privateLaunchCache}), or null for the user's. */
    static volatile Path jbangDir;

    /**
     * This process's environment without any AWS_ or RCLONE_ variable: the peers get exactly
     * the settings the bench gives them (and rclone 1.60 does not start with AWS_CA_BUNDLE set).
     */
    static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("RCLONE_"));
        if (jbangDir != null) env.put("JBANG_DIR", jbangDir.toString());
        return env;
    }

    /**
     * A JBang folder for the bench's runs of lambda-sync: the user's launcher and build cache
     * (linked), but a launch cache of its own. The wrapper keeps only the 5 newest launch
     * entries, so on a machine where other checkouts of the tool run their test suites the
     * bench's entry was evicted within minutes and a timed run paid for a JBang build and a new
     * class-data archive.
     */
    static Path privateLaunchCache(Path work) throws IOException {
        Path shared = Path.of(System.getenv().getOrDefault("JBANG_DIR", System.getProperty("user.home") + "/.jbang"));
        Path dir = work.resolve("jbang-home");
        Files.createDirectories(dir.resolve("cache/lambda-sync-launch"));
        if (Files.isDirectory(shared.resolve("bin")) && !Files.exists(dir.resolve("bin"))) {
            Files.createSymbolicLink(dir.resolve("bin"), shared.resolve("bin"));
        }
        if (Files.isDirectory(shared.resolve("cache"))) {
            try (var entries = Files.list(shared.resolve("cache"))) {
                for (Path e : (Iterable<Path>) entries::iterator) {
                    Path link = dir.resolve("cache").resolve(e.getFileName().toString());
                    if (!e.getFileName().toString().equals("lambda-sync-launch")
                            && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, e);
                    }
                }
            }
        }
        return dir;
    }
}
