package lib.modes;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import lib.common.Console;
import lib.common.Ending;
import lib.common.Secrets;
import lib.common.StopException;
import lib.common.Units;
import lib.config.SyncConfig;
import lib.local.DataDirs;
import lib.local.SyncIgnore;
import lib.state.StateDir;
import lib.store.Store;
import lib.store.StoreErrors;
import lib.store.StoreException;
import lib.store.StoreProfile;
import lib.store.StoreTrash;
import lib.store.s3.S3Clients;
import lib.store.s3.S3Store;
import lib.sync.BucketTrashCommand;
import lib.sync.UnfinishedUploads;

/**
 * The `doctor` mode: one line per check, in order, each {@code ok}, {@code warn}, {@code FAIL}
 * (problem; fix) or {@code skip} (why). A check that depends on a failed one is skipped, not
 * run into a second, confusing error. Changes nothing but a probe object, deleted at once.
 */
public final class Doctor {
    /** S3 signatures are refused beyond 15 minutes of skew; warn well before that. */
    static final Duration SKEW_WARN = Duration.ofMinutes(1), SKEW_FAIL = Duration.ofMinutes(5);

    private final SyncConfig config;
    private final Console console;
    private final String secret;
    private int failures;

    private Doctor(SyncConfig config, Console console) {
        this.config = config;
        this.console = console;
        this.secret = config.secretAccessKey();
    }

    /** @return {@link Ending#DONE} only when no check failed (warnings pass) */
    public static Ending run(
            SyncConfig config, Console console, Path workDir, Map<String, String> env, boolean readOnly) {
        Doctor d = new Doctor(config, console);
        d.checkConfigFile();
        if (d.checkKeys()) {
            if (config.target() != null) d.checkTarget(readOnly);
            else d.checkBucket(readOnly, workDir);
        } else {
            for (String c : List.of("endpoint", "credentials", "bucket", "probe", "clock"))
                d.skip(c, "the keys above are missing");
        }
        d.ok("java", "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        d.ok("jbang", jbangVersion(env));
        d.checkRepo(workDir);
        console.out.println(d.failures == 0 ? "all checks passed" : d.failures + " check(s) failed");
        console.out.flush();
        return d.failures == 0 ? Ending.DONE : Ending.FAILED;
    }

    // ---- the checks, in order ------------------------------------------------------------

    private void checkConfigFile() {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(config.file);
            String mode = PosixFilePermissions.toString(perms);
            boolean shared = perms.stream()
                    .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
            if (SyncConfig.exposesSecrets(perms, config.values())) { // the same rule a sync warns by
                fail(
                        "config",
                        config.file + " parses, but others can read it (" + mode + ") and it holds secrets",
                        "chmod 600 " + config.file);
            } else if (shared) {
                ok(
                        "config",
                        config.file + " parses, mode " + mode + " (600 is best, but "
                                + (SyncConfig.holdsSecrets(config.values())
                                        ? "others cannot read it)"
                                        : "it holds no secrets)"));
            } else {
                ok("config", config.file + " parses, mode " + mode);
            }
        } catch (IOException | UnsupportedOperationException e) {
            ok("config", config.file + " parses (file mode not checked on this file system)");
        }
    }

    /** @return whether the keys the store needs are there */
    private boolean checkKeys() {
        try {
            config.prefix();
        } catch (StopException e) {
            fail("keys", e.getMessage(), "fix SYNC_PREFIX");
            return false;
        }
        try {
            config.bwlimit(); // a sync would stop on it: say so here
        } catch (StopException e) {
            fail("keys", e.getMessage(), "fix SYNC_BWLIMIT");
            return false;
        }
        String prefix = config.prefix().isEmpty() ? "" : ", SYNC_PREFIX=" + config.prefix();
        if (config.target() != null) {
            ok("keys", "SYNC_TARGET=" + config.target() + prefix + " (a directory instead of a bucket)");
            return true;
        }
        List<String> missing = config.missingStoreKeys();
        if (!missing.isEmpty()) {
            fail(
                    "keys",
                    String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing or empty in "
                            + config.file,
                    "fill them in (sync.env.template explains each), or set SYNC_TARGET for a mounted directory");
            return false;
        }
        ok(
                "keys",
                "BUCKET_NAME=" + config.bucket() + ", LAMBDA_ACCESS_KEY_ID=" + config.accessKeyId()
                        + ", LAMBDA_SECRET_ACCESS_KEY=" + Secrets.mask(secret) + prefix);
        return true;
    }

    private void checkBucket(boolean readOnly, Path workDir) {
        Instant serverDate = checkEndpoint();
        if (serverDate == null) {
            for (String c : List.of("credentials", "bucket", "probe", "profile", "uploads", "trash", "clock"))
                skip(c, "the endpoint does not answer");
            return;
        }
        String endpoint = config.endpoint();
        try (var s3 =
                S3Clients.createForChecks(endpoint, config.region(), config.accessKeyId(), secret, config.caBundle())) {
            String bucket = config.bucket(), prefix = config.prefix();
            S3Store store = new S3Store(s3, endpoint, bucket, prefix, 1);
            String listed;
            try {
                S3Store.Glance g = store.glance();
                serverDate = orDate(serverDate, g.serverDate());
                listed = g.holdsObjects() ? "holds objects" : "is empty";
            } catch (StoreException se) { // typed by the one classifier syncs use too
                listed = null;
                serverDate = orDate(serverDate, se.serverDate);
                if (se.kind == StoreException.Kind.UNREACHABLE) {
                    fail(
                            "credentials",
                            "no answer to a signed request: " + StoreErrors.explain(se, config),
                            "check LAMBDA_ENDPOINT_URL and the network");
                    skip("bucket", "no answer from the endpoint");
                } else if (!credentialsRejected(se, serverDate)) {
                    ok("credentials", "accepted by " + endpoint);
                    fail("bucket", bucketProblem(se), "check BUCKET_NAME in " + config.file);
                }
            }
            signedAccepted = listed != null;
            if (listed == null) {
                skip("probe", readOnly ? "--read-only" : "the bucket is not usable");
            } else {
                ok("credentials", "accepted by " + endpoint);
                ok(
                        "bucket",
                        "'" + bucket + "' exists and is listable" + (prefix.isEmpty() ? "" : " under " + prefix)
                                + "; it " + listed);
                checkUsable(store, readOnly, workDir);
            }
        }
        checkClock(serverDate);
    }

    /** The checks of a bucket that lists: the features, a round trip, the profile, what earlier runs left. */
    private void checkUsable(S3Store store, boolean readOnly, Path workDir) {
        Path root = repoRoot(workDir);
        StoreProfile profile =
                root == null ? StoreProfile.transientProfile() : StoreProfile.load(root, store.identity(), m -> {});
        store.useProfile(profile);
        try {
            store.probeListing(); // reads only: also with --read-only
        } catch (StoreException e) {
            // the listing's failure is the bucket check's to tell; the row stays unknown
        }
        // The features first: the round trip below then writes as a sync on this server would,
        // without probing them a second time on its first write.
        StoreException featuresFailed = null;
        if (!readOnly) {
            try {
                store.probe(true);
            } catch (StoreException e) {
                featuresFailed = e;
            }
        }
        if (readOnly) skip("probe", "--read-only: nothing written");
        else probe(store);
        checkProfile(profile, root != null, readOnly, featuresFailed);
        store.useRoot(root);
        checkUnfinished(store.unfinishedUploads());
        checkTrash(store);
    }

    /**
     * URL well-formed, host resolves, something answers HTTP. An unsigned GET is enough: any
     * status means a server is there, and its Date header gives the clock check.
     *
     * @return the server's Date; {@link Instant#EPOCH} when it answered without one; null when it did not answer
     */
    private Instant checkEndpoint() {
        URI uri = endpointUri();
        if (uri == null) return null;
        String address;
        try {
            address = InetAddress.getByName(uri.getHost()).getHostAddress();
        } catch (UnknownHostException e) {
            fail(
                    "endpoint",
                    "cannot resolve " + uri.getHost() + " (DNS)",
                    "check LAMBDA_ENDPOINT_URL / LAMBDA_REGION and this machine's DNS");
            return null;
        }
        return answers(uri, address);
    }

    /** The endpoint as a URL with a host, or null when it is not one (then the check has failed). */
    private URI endpointUri() {
        try {
            URI uri = URI.create(config.endpoint());
            if (uri.getHost() == null) throw new IllegalArgumentException("no host");
            return uri;
        } catch (StopException e) {
            fail("endpoint", e.getMessage(), "fix LAMBDA_ENDPOINT_URL or LAMBDA_REGION");
        } catch (IllegalArgumentException e) {
            fail(
                    "endpoint",
                    "LAMBDA_ENDPOINT_URL in " + config.file + " is not a valid URL",
                    "write it as https://host[:port]");
        }
        return null;
    }

    /** An unsigned GET of the endpoint: the server's Date, {@link Instant#EPOCH} without one, null without an answer. */
    private Instant answers(URI uri, String address) {
        String endpoint = uri.toString(), host = uri.getHost();
        HttpClient.Builder hb =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1);
        if (config.caBundle() != null) hb.sslContext(S3Clients.sslContext(config.caBundle()));
        HttpClient http = hb.build();
        long start = System.nanoTime();
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create(endpoint + "/"))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            long ms = (System.nanoTime() - start) / 1_000_000;
            ok(
                    "endpoint",
                    endpoint + " (" + (address.equals(host) ? "" : host + " = " + address + ", ") + "answers HTTP "
                            + r.statusCode() + " in " + ms + " ms)");
            Instant date = Units.httpDate(r.headers().firstValue("Date").orElse(null));
            return date == null ? Instant.EPOCH : date;
        } catch (IOException e) {
            noAnswer(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("endpoint", "interrupted", "run doctor again");
        }
        return null;
    }

    /** Says why the endpoint did not answer, and what to check for that cause. */
    private void noAnswer(URI uri, IOException e) {
        String host = uri.getHost();
        Throwable c = e;
        while (c.getCause() != null && !(c instanceof SSLException)) c = c.getCause();
        if (e instanceof HttpConnectTimeoutException)
            fail(
                    "endpoint",
                    "no connection to " + host + ":" + port(uri) + " within 5 s",
                    "check LAMBDA_ENDPOINT_URL, the port, and firewalls");
        else if (e instanceof HttpTimeoutException)
            fail(
                    "endpoint",
                    host + ":" + port(uri) + " accepted a connection but sent no answer within 10 s",
                    "check that LAMBDA_ENDPOINT_URL is the S3 endpoint");
        else if (e instanceof ConnectException)
            fail(
                    "endpoint",
                    "nothing answers at " + host + ":" + port(uri) + " (connection refused)",
                    "check LAMBDA_ENDPOINT_URL and that the server runs");
        else if (c instanceof SSLException)
            fail(
                    "endpoint",
                    "TLS handshake with " + host + " failed: " + c.getMessage(),
                    "check the URL's scheme (http/https) and port");
        else fail("endpoint", "no HTTP answer from " + uri + ": " + e, "check LAMBDA_ENDPOINT_URL");
    }

    /**
     * An {@code AUTH} failure, told apart by the server's code, which doctor needs finer than a
     * sync does (a wrong key id and a wrong secret have different fixes). AccessDenied is also
     * AUTH, but it means the key pair was accepted and may not list the bucket: the bucket's line.
     */
    private boolean credentialsRejected(StoreException e, Instant serverDate) {
        if (e.kind != StoreException.Kind.AUTH || e.code.equals("AccessDenied")) return false;
        switch (e.code) {
            case "InvalidAccessKeyId" ->
                fail(
                        "credentials",
                        "the server does not know LAMBDA_ACCESS_KEY_ID=" + config.accessKeyId()
                                + " (InvalidAccessKeyId)",
                        "copy the key id from Filesystem → S3 Adapter Keys into " + config.file);
            case "SignatureDoesNotMatch" ->
                fail(
                        "credentials",
                        "LAMBDA_SECRET_ACCESS_KEY does not match LAMBDA_ACCESS_KEY_ID=" + config.accessKeyId()
                                + " (SignatureDoesNotMatch)",
                        "copy the secret of that key pair into " + config.file);
            case "RequestTimeTooSkewed" -> {
                if (serverDate != null
                        && serverDate != Instant.EPOCH
                        && skew(serverDate).compareTo(SKEW_FAIL) < 0) {
                    // S3Proxy says this about an unknown key id; the clocks agree, so the keys are the suspects.
                    fail(
                            "credentials",
                            "the server refused the request time (RequestTimeTooSkewed), but its clock agrees with this machine's",
                            "check LAMBDA_ACCESS_KEY_ID=" + config.accessKeyId() + " and LAMBDA_SECRET_ACCESS_KEY in "
                                    + config.file);
                } else {
                    fail(
                            "credentials",
                            "the server refused the request time (RequestTimeTooSkewed)",
                            "fix this machine's clock (e.g. timedatectl set-ntp true)");
                }
            }
            default ->
                fail(
                        "credentials",
                        "rejected (HTTP " + e.status + (e.code.isEmpty() ? "" : " " + e.code) + ")",
                        "check LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY in " + config.file);
        }
        skip("bucket", "the credentials were rejected");
        return true;
    }

    private String bucketProblem(StoreException e) {
        return switch (e.kind) {
            case NO_BUCKET, NOT_FOUND ->
                "bucket '" + config.bucket() + "' does not exist at " + config.endpoint() + " (NoSuchBucket)";
            case AUTH -> "the key pair may not list bucket '" + config.bucket() + "' (AccessDenied)";
            default ->
                "listing bucket '" + config.bucket() + "' failed: HTTP " + e.status
                        + (e.code.isEmpty() ? "" : " " + e.code);
        };
    }

    /** The probe's steps, in order: each names what to do when it fails. */
    private enum Step {
        WRITE("write"),
        READ_BACK("read back"),
        DELETE("delete"),
        CONFIRM("confirm the deletion of");

        final String words;

        Step(String words) {
            this.words = words;
        }

        String fix(String key) {
            return switch (this) {
                case WRITE ->
                    "the key pair may be read-only; upload needs write access (doctor --read-only skips this)";
                case READ_BACK -> "delete " + key + " by hand if it stays";
                case DELETE, CONFIRM -> "delete " + key + " by hand";
            };
        }
    }

    /** Where the probe is, for the line that says where it failed. */
    private Step step;

    /**
     * Writes, reads back and deletes a small object the way syncs do (through the {@link Store}:
     * the same conditional write, verification and error kinds), then lists it to see it gone.
     */
    private void probe(Store store) {
        String rel = S3Store.OWN_DIR + "doctor-probe-" + random(), key = config.prefix() + rel;
        byte[] body = ("lambda-sync doctor probe " + Instant.now() + " " + random() + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        step = Step.WRITE;
        Path sent = null, back = null;
        try {
            sent = Files.createTempFile("lambda-sync-doctor-", ".probe");
            back = Files.createTempFile("lambda-sync-doctor-", ".back");
            Files.delete(back); // a download goes into a fresh file
            Files.write(sent, body);
            roundTrip(store, rel, key, sent, back, body);
        } catch (IOException e) {
            fail("probe", "cannot " + step.words + " " + key + ": " + StoreErrors.explain(e, config), step.fix(key));
        } finally {
            for (Path p : new Path[] {sent, back}) {
                try {
                    if (p != null) Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temp file left behind; the OS cleans its temp folder
                }
            }
        }
    }

    /** The probe's steps; says the first that found the server wrong, or that all went right. */
    private void roundTrip(Store store, String rel, String key, Path sent, Path back, byte[] body) throws IOException {
        Store.Stored stored = store.put(rel, sent, System.currentTimeMillis(), null, null);
        step = Step.READ_BACK;
        store.get(stored.remote(), back);
        byte[] got = Files.readAllBytes(back);
        step = Step.DELETE;
        store.delete(stored.remote());
        if (!Arrays.equals(body, got)) {
            fail(
                    "probe",
                    key + " read back different bytes (" + got.length + " instead of " + body.length + ")",
                    "the server corrupts data; do not sync to it");
            return;
        }
        step = Step.CONFIRM;
        List<String> still = new java.util.ArrayList<>();
        store.list(List.of(rel), r -> still.add(r.rel()), o -> {});
        if (!still.isEmpty()) {
            fail(
                    "probe",
                    key + " is still there after a successful delete",
                    "delete it by hand; the server may ignore deletes");
            return;
        }
        ok("probe", "wrote, read back and deleted " + key + " (" + body.length + " B)");
    }

    /** The repo doctor runs in, where the profile is kept; null outside one (printed, not kept). */
    private static Path repoRoot(Path workDir) {
        try {
            return DataDirs.gitRoot(workDir);
        } catch (StopException notInRepo) {
            return null;
        }
    }

    /**
     * What the server supports, as asked feature by feature just before (SYNC.md, "Servers that are
     * not AWS"): the table, kept for the repo's syncs. Read-only: the profile syncs learned so far.
     */
    private void checkProfile(StoreProfile profile, boolean kept, boolean readOnly, StoreException featuresFailed) {
        if (readOnly) {
            ok("profile", "what syncs have learned of this server so far (--read-only: not probed)");
        } else if (featuresFailed != null) {
            fail(
                    "profile",
                    "probing the server failed: " + StoreErrors.explain(featuresFailed, config),
                    "run doctor again; syncs learn the profile as they go");
            return;
        } else {
            profile.save();
            ok(
                    "profile",
                    "what this server supports, probed feature by feature"
                            + (kept ? " (kept for syncs in " + StateDir.NAME + "/profile/)" : ""));
        }
        for (String row : profile.table()) line("", "", row.strip());
    }

    /** Interrupted multipart uploads hold storage on the server that no listing shows (SYNC.md, "Resuming"). */
    private void checkUnfinished(List<Store.Unfinished> pending) {
        if (pending.isEmpty()) {
            ok("uploads", "no unfinished multipart upload on the server");
            return;
        }
        warn(
                "uploads",
                UnfinishedUploads.describe(pending)
                        + "; upload resumes those it can and drops those whose file changed");
    }

    /** A signed request was accepted: whatever the clocks say, the server takes this machine's request times. */
    private boolean signedAccepted;

    /**
     * Judged as syncs meet it: the SDK corrects its signing time by the offset the server's answers
     * show, and a server refuses only beyond its own tolerance (15 min on AWS). So an offset fails
     * only when signed requests fail on it; where the server accepted one, it is a warning.
     */
    private void checkClock(Instant serverDate) {
        if (serverDate == null) {
            skip("clock", "no answer from the server");
            return;
        }
        if (serverDate == Instant.EPOCH) {
            skip("clock", "the server's answers carry no Date header");
            return;
        }
        Duration skew = Duration.between(serverDate, Instant.now());
        // The Date header has 1 s resolution and arrived some milliseconds ago.
        long secs = Math.abs(skew.toSeconds());
        String side = skew.isNegative() ? "behind" : "ahead of";
        String text = secs <= 2
                ? "this machine and the server agree (within 2 s)"
                : "this machine's clock is " + human(secs) + " " + side + " the server's";
        if (secs >= SKEW_WARN.toSeconds() && signedAccepted)
            warn(
                    "clock",
                    text + "; the server accepted a signed request from this clock, so syncs work; fix it"
                            + " anyway (e.g. timedatectl set-ntp true)");
        else if (secs >= SKEW_FAIL.toSeconds())
            fail("clock", text + "; S3 requests fail beyond 15 min", "fix the clock (e.g. timedatectl set-ntp true)");
        else if (secs >= SKEW_WARN.toSeconds())
            warn("clock", text + "; fix it before it reaches 15 min (e.g. timedatectl set-ntp true)");
        else ok("clock", text);
    }

    /** What the bucket's trash holds (SYNC.md, "The trash"): it is never pruned on its own. */
    private void checkTrash(S3Store store) {
        List<StoreTrash.Entry> held;
        try {
            held = store.bucketTrash().list();
        } catch (IOException e) {
            warn("trash", "the bucket's trash could not be listed: " + StoreErrors.explain(e, config));
            return;
        }
        ok(
                "trash",
                held.isEmpty()
                        ? "the bucket's trash (" + StateDir.TRASH_SHOWN + ") is empty"
                        : "the bucket's trash (" + StateDir.TRASH_SHOWN + ") holds " + BucketTrashCommand.held(held)
                                + " (trash lists it; trash prune --older-than 30d empties old folders)");
    }

    /** SYNC_TARGET: the directory (or, before the first upload, its parent) exists and takes a probe file. */
    private void checkTarget(boolean readOnly) {
        Path target = config.target(), parent = target.getParent(), dir = null;
        if (Files.isDirectory(target)) {
            ok("target", "SYNC_TARGET " + target + " is a directory");
            dir = target;
        } else if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            fail("target", "SYNC_TARGET " + target + " is not a directory", "point SYNC_TARGET at a directory");
        } else if (parent != null && Files.isDirectory(parent)) {
            warn("target", "SYNC_TARGET " + target + " does not exist yet; the first upload creates it in " + parent);
            dir = parent;
        } else {
            fail(
                    "target",
                    "SYNC_TARGET " + target + " does not exist, nor does its parent (is the filesystem mounted?)",
                    "mount it, or create it with: mkdir -p " + target);
        }
        if (dir == null) {
            skip("probe", "no directory to write to");
        } else if (readOnly) {
            skip("probe", "--read-only: nothing written");
        } else {
            Path probe = dir.resolve(StateDir.NAME + "-doctor-probe-" + random());
            byte[] body = ("lambda-sync doctor probe " + Instant.now() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try {
                Files.write(probe, body);
                boolean same = Arrays.equals(body, Files.readAllBytes(probe));
                Files.delete(probe);
                if (same) ok("probe", "wrote, read back and deleted " + probe);
                else fail("probe", probe + " read back different bytes", "check the file system");
            } catch (IOException e) {
                fail(
                        "probe",
                        "cannot write, read and delete " + probe + ": " + e,
                        "check that you may write to " + dir);
            }
        }
        skip("clock", "no server to compare with (SYNC_TARGET)");
    }

    private void checkRepo(Path workDir) {
        Path root;
        try {
            root = DataDirs.gitRoot(workDir);
        } catch (StopException e) {
            fail(
                    "repo",
                    "not inside a git repository: " + workDir.toAbsolutePath(),
                    "run lambda-sync from your repo, where */data/ and */reports/ live");
            skip("data dirs", "no repo");
            return;
        }
        ok("repo", root + " (git top-level)");
        try {
            DataDirs found = DataDirs.find(root, root, List.of());
            List<String> dirs = found.dirs;
            ok(
                    "data dirs",
                    dirs.isEmpty()
                            ? "none here yet (*/data/ and */reports/ directly under the repo root; download brings them)"
                            : dirs.size() + " found: " + String.join(", ", dirs));
            found.unsynced(SyncIgnore.load(root), config.target()).forEach(n -> warn("data dirs", n.text()));
        } catch (StopException e) {
            fail("data dirs", e.getMessage(), "check the repo root's permissions");
        }
    }

    // ---- output --------------------------------------------------------------------------

    private void ok(String check, String detail) {
        line("ok", check, detail);
    }

    private void warn(String check, String detail) {
        line("warn", check, detail);
    }

    private void skip(String check, String why) {
        line("skip", check, why);
    }

    private void fail(String check, String problem, String fix) {
        failures++;
        line("FAIL", check, problem + "; " + fix);
    }

    private void line(String status, String check, String text) {
        // Belt and braces: server messages are echoed, and must never carry the secret.
        if (secret != null) text = text.replace(secret, Secrets.mask(secret));
        console.out.println(check.isEmpty() ? "        " + text : String.format("%-5s %s: %s", status, check, text));
        console.out.flush();
    }

    // ---- small helpers -------------------------------------------------------------------

    /** The endpoint check's Date, or where that had none, this S3 response's. */
    private static Instant orDate(Instant known, Instant answered) {
        return known != Instant.EPOCH || answered == null ? known : answered;
    }

    private static Duration skew(Instant serverDate) {
        return Duration.between(serverDate, Instant.now()).abs();
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static String human(long secs) {
        return secs < 120 ? secs + " s" : secs < 7200 ? secs / 60 + " min" : secs / 3600 + " h";
    }

    private static String random() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String jbangVersion(Map<String, String> env) {
        String v = env.get("JBANG_VERSION");
        if (v == null) v = System.getProperty("jbang.version");
        if (v != null && !v.isBlank()) return "JBang " + v;
        String launcher = env.get("JBANG_LAUNCH_CMD");
        return launcher != null
                ? "version unknown (launched by " + launcher + ")"
                : "version unknown (not launched by JBang)";
    }
}
