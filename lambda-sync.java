///usr/bin/env bash "$(dirname "$0")/jbang" "$0" "$@" ; exit $?
//JAVA 17+
// Lint: all of it, but "auxiliaryclass": lib/ uses LambdaSync, which lives in this file of another name.
//COMPILE_OPTIONS -encoding UTF-8 -Xlint:all -Xlint:-auxiliaryclass
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/common/*.java
//SOURCES lib/local/*.java
//SOURCES lib/config/*.java
//SOURCES lib/state/*.java
//SOURCES lib/store/*.java
//SOURCES lib/store/s3/*.java
//SOURCES lib/plan/*.java
//SOURCES lib/sync/*.java
//SOURCES lib/report/*.java
//SOURCES lib/git/*.java
//SOURCES lib/modes/*.java
//SOURCES lib/StartupTraining.java
// JVM options, measured by tests/bench on 2 cores: runs last seconds, so C1 alone (no C2, whose
// compiling cost more CPU than it saved) and compiling early beat peak speed; SerialGC and a
// small heap that grows on demand keep memory low. The price: MD5 runs at ~480 MB/s, not ~820
// (its intrinsic is C2's). On a many-core machine moving big files, try without TieredStopAtLevel.
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.2 -XX:+UseSerialGC -Xshare:auto -Xms16m -Xmx1g -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import lib.common.BandwidthLimit;
import lib.common.Console;
import lib.common.Ending;
import lib.common.Interrupt;
import lib.common.StopException;
import lib.config.Mode;
import lib.config.SyncConfig;
import lib.git.GitSetup;
import lib.local.DataDirs;
import lib.modes.Doctor;
import lib.modes.SystemdUnit;
import lib.modes.Watch;
import lib.report.JsonReport;
import lib.report.TextReport;
import lib.store.Store;
import lib.store.StoreErrors;
import lib.store.StoreException;
import lib.sync.StoreFactory;
import lib.sync.SyncOutcome;
import lib.sync.SyncRun;
import lib.sync.Trash;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "lambda-sync",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        version = "lambda-sync " + LambdaSync.VERSION,
        description = {
            "Keeps the */data/ and */reports/ folders of a git repo in an S3-compatible",
            "bucket (Lambda Cloud's Filesystem S3 Adapter); sets up git on new instances.",
            "",
            "Modes:",
            "  setup     configure git identity and GitHub credentials",
            "  upload    put this machine's new and changed data into the bucket",
            "  download  bring the bucket's new and changed data to this machine",
            "  status    print both directions' plans; changes nothing",
            "  doctor    check config, credentials, endpoint, bucket, clock; changes nothing",
            "  watch     upload new and changed files as they settle, until SIGTERM (autosave)",
            "  trash     list what runs moved to .lambda-sync/trash/; trash restore <path or time>;",
            "            trash prune --older-than 30d",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done, or nothing to do",
            "1:runtime failure (network, server, disk)",
            "2:usage or config error",
            "3:not confirmed, aborted, or more deletions than --max-delete allows",
            "4:finished, but conflicts or refused items were left untouched",
            "5:download: the bucket holds nothing under SYNC_PREFIX; nothing changed",
            "130:interrupted (Ctrl-C, SIGTERM): what finished is kept; run again to finish"
        },
        footer = {"", "See SYNC.md for the sync rules, and CLAUDE.md for AI agents."})
class LambdaSync implements Callable<Integer> {
    static final String VERSION = "0.1.0";

    /**
     * The exit code of each way a command ends: the one place codes are chosen (SYNC.md, "Exit
     * codes", and the list in --help above; ExitCodeTableTest holds the three together).
     */
    static final Map<Ending, Integer> EXIT_CODES = exitCodes();

    private static Map<Ending, Integer> exitCodes() {
        Map<Ending, Integer> codes = new java.util.EnumMap<>(Ending.class);
        codes.put(Ending.DONE, 0);
        codes.put(Ending.FAILED, 1);
        codes.put(Ending.USAGE, 2);
        codes.put(Ending.NOT_CONFIRMED, 3);
        codes.put(Ending.LEFT_UNTOUCHED, 4);
        codes.put(Ending.BUCKET_EMPTY, 5);
        codes.put(Ending.INTERRUPTED, 130); // 128 + SIGINT, what shells report for Ctrl-C
        return java.util.Collections.unmodifiableMap(codes);
    }

    static int exitCode(Ending ending) {
        return EXIT_CODES.get(ending);
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<config-file>", description = "your <name>.sync.env")
    Path configFile;

    @Parameters(index = "1", paramLabel = "<mode>", description = "one of: ${COMPLETION-CANDIDATES}")
    Mode mode;

    @Parameters(
            index = "2..*",
            paramLabel = "path",
            description = "limit the sync to these paths inside */data/ or */reports/")
    List<String> paths = new ArrayList<>();

    @Option(
            names = {"-n", "--dry-run"},
            description = "print the plan, change nothing")
    boolean dryRun;

    @Option(
            names = {"-y", "--yes"},
            description = "do not ask for confirmation")
    boolean yes;

    @Option(names = "--delete", description = "make the destination an exact mirror (deletes what the plan names)")
    boolean delete;

    @Option(names = "--force", description = "overwrite conflicts (local copies go to .lambda-sync/trash/)")
    boolean force;

    @Option(names = "--json", description = "machine-readable plan and result on stdout")
    boolean json;

    @Option(
            names = {"-j", "--jobs"},
            paramLabel = "N",
            description = "parallel transfers (default: ${DEFAULT-VALUE})")
    int jobs = 16;

    @Option(
            names = {"-v", "--verbose"},
            description = "list every item; stack traces on errors")
    boolean verbose;

    @Option(
            names = {"-q", "--quiet"},
            description = "print only errors and the summary")
    boolean quiet;

    @Option(
            names = "--approve",
            paramLabel = "PLAN_ID",
            description = "run only if the plan still has this id (for agents)")
    String approve;

    @Option(
            names = "--max-delete",
            paramLabel = "N",
            description = "allow deleting up to N files, beyond the bound of 50 files or half of a side")
    Integer maxDelete;

    @Option(
            names = "--bwlimit",
            paramLabel = "RATE",
            description = "upload, download, watch: at most this many bytes per second, all transfers together"
                    + " (10M, 500k, 1.5G, off; default: SYNC_BWLIMIT, else off)")
    String bwlimit;

    @Option(names = "--offline", description = "setup: skip the GitHub token check")
    boolean offline;

    @Option(names = "--read-only", description = "doctor: skip the write/read/delete probe")
    boolean readOnly;

    @Option(
            names = "--settle",
            paramLabel = "SECONDS",
            description = "watch: upload a file once unchanged this long (default: ${DEFAULT-VALUE})")
    int settle = 5;

    @Option(
            names = "--max-wait",
            paramLabel = "SECONDS",
            description =
                    "watch: a file that never settles still goes (as written so far) this often (default: ${DEFAULT-VALUE})")
    int maxWait = Watch.MAX_WAIT_S;

    @Option(names = "--print-systemd-unit", description = "watch: print a systemd user unit that runs it, and exit")
    boolean printSystemdUnit;

    @Option(names = "--older-than", paramLabel = "AGE", description = "trash prune: folders older than this (30d, 12h)")
    String olderThan;

    // Seams for in-process tests; main() fills them from the real process.
    Map<String, String> env = System.getenv();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    boolean interactive = System.console() != null;
    Path workDir = Path.of("");
    /** How the far side is opened; tests give their own knobs (StoreFactory.Tuning). */
    StoreFactory stores = StoreFactory.DEFAULT;

    @Override
    public Integer call() throws java.io.IOException {
        if (jobs < 1 || jobs > 256) throw StopException.usage("--jobs must be between 1 and 256, not " + jobs);
        if (maxDelete != null && maxDelete < 1)
            throw StopException.usage("--max-delete must be a positive number of files, not " + maxDelete);
        if (quiet && verbose) throw StopException.usage("--quiet and --verbose cannot be used together");
        checkOptions();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        // With --json, stdout carries only the JSON document; human text goes to stderr.
        Console console = new Console(json ? err : out, err, in, interactive, verbose, quiet);
        if (bwlimit != null)
            BandwidthLimit.parse(bwlimit, "--bwlimit"); // before the config: its error is the one to see
        SyncConfig config = SyncConfig.load(configFile, env);
        if (bwlimit != null) config = config.with("SYNC_BWLIMIT", bwlimit);
        config.warnings.forEach(console::warn);
        if (mode == Mode.setup) {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            String api = env.getOrDefault("LAMBDA_SYNC_GITHUB_API", "https://api.github.com");
            return exitCode(GitSetup.run(config, console, Path.of(home), env, api, offline, dryRun));
        }
        if (mode == Mode.doctor) return exitCode(Doctor.run(config, console, workDir, env, readOnly));
        if (mode == Mode.trash) {
            Path root = DataDirs.gitRoot(workDir);
            SyncConfig c = config;
            return exitCode(Trash.run(root, workDir, console, paths, olderThan, java.time.LocalDateTime.now(), () -> {
                if (!c.missingStoreKeys().isEmpty() || c.target() != null) return null; // no bucket: no bucket trash
                try {
                    Store store = stores.open(c, 4);
                    store.open(root, console::warn);
                    return store;
                } catch (StoreException e) {
                    throw StopException.failure(StoreErrors.explain(e, c), e);
                }
            }));
        }
        config.requireStore(mode.name());
        if (config.target() != null) config.checkTarget(DataDirs.gitRoot(workDir), console);
        if (mode == Mode.watch) return watch(console, config);
        SyncOutcome outcome = SyncRun.run(
                mode,
                config,
                console,
                workDir,
                paths,
                new SyncRun.Options(dryRun, yes, force, delete, jobs, approve, maxDelete),
                stores);
        if (json) JsonReport.print(outcome, exitCode(outcome.ending()), out);
        return end(outcome.ending(), TextReport.finish(outcome, console), err);
    }

    /** Says the line that ends the command, if there is one, and gives the exit code of how it ended. */
    private static int end(Ending ending, String lastLine, PrintWriter err) {
        if (lastLine != null) err.println("lambda-sync: " + lastLine);
        err.flush();
        return exitCode(ending);
    }

    /** The modes each option does something for; given to another mode, it is a usage error, never silently ignored. */
    static final Map<String, Set<Mode>> OPTION_MODES = Map.ofEntries(
            Map.entry("--dry-run", EnumSet.of(Mode.setup, Mode.upload, Mode.download, Mode.status)),
            Map.entry("--delete", EnumSet.of(Mode.upload, Mode.download, Mode.status)),
            Map.entry("--force", EnumSet.of(Mode.upload, Mode.download, Mode.status)),
            Map.entry("--json", EnumSet.of(Mode.upload, Mode.download, Mode.status)),
            Map.entry("--jobs", EnumSet.of(Mode.upload, Mode.download, Mode.status)),
            Map.entry("--approve", EnumSet.of(Mode.upload, Mode.download)),
            Map.entry("--bwlimit", EnumSet.of(Mode.upload, Mode.download, Mode.watch)),
            Map.entry("--offline", EnumSet.of(Mode.setup)),
            Map.entry("--read-only", EnumSet.of(Mode.doctor)),
            Map.entry("--settle", EnumSet.of(Mode.watch)),
            Map.entry("--max-wait", EnumSet.of(Mode.watch)),
            Map.entry("--print-systemd-unit", EnumSet.of(Mode.watch)),
            Map.entry("--older-than", EnumSet.of(Mode.trash)));

    /** watch mode (SYNC.md, "Autosave: watch"): runs until SIGTERM or SIGINT. */
    private int watch(Console console, SyncConfig config) throws java.io.IOException {
        if (settle < 1 || settle > 3600)
            throw StopException.usage("--settle must be between 1 and 3600 seconds, not " + settle);
        boolean maxWaitGiven = spec.commandLine().getParseResult().hasMatchedOption("--max-wait");
        if (maxWaitGiven && (maxWait < settle || maxWait > 86_400))
            throw StopException.usage(
                    "--max-wait must be between --settle (" + settle + ") and 86400 seconds, not " + maxWait);
        if (!maxWaitGiven) maxWait = Math.max(maxWait, settle); // a long --settle alone: files wait that long
        Path root = DataDirs.gitRoot(workDir);
        if (printSystemdUnit) {
            requireUnitCommand(root);
            spec.commandLine()
                    .getOut()
                    .print(SystemdUnit.text(root, workDir.toAbsolutePath().resolve(configFile), env));
            return exitCode(Ending.DONE);
        }
        Watch w = new Watch(config, console, root, Watch.Timing.of(settle, maxWait), System::currentTimeMillis);
        w.stores = stores;
        return exitCode(w.run(true));
    }

    /**
     * The unit runs the repo's own ./jbang lambda-sync.java, else the JBang-installed launcher
     * ({@link SystemdUnit}): a unit naming a command that is not there fails at every boot.
     */
    private void requireUnitCommand(Path root) {
        boolean inRepo = java.nio.file.Files.exists(root.resolve("lambda-sync.java"));
        Path command = inRepo
                ? root.resolve("jbang")
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".jbang", "bin", "lambda-sync");
        if (!java.nio.file.Files.isRegularFile(command))
            throw StopException.failure(
                    "the unit would start " + command + ", which is not there: print the unit from the repo that holds"
                            + " lambda-sync.java and ./jbang, or install the tool first (jbang app install --name"
                            + " lambda-sync lambda-sync.java)",
                    null);
    }

    /** Options that would do nothing, and empty values (an unset shell variable), are usage errors (SYNC.md "Command reference"). */
    private void checkOptions() {
        var parsed = spec.commandLine().getParseResult();
        for (var e : OPTION_MODES.entrySet()) {
            if (parsed.hasMatchedOption(e.getKey()) && !e.getValue().contains(mode)) {
                throw StopException.usage(e.getKey() + " does nothing for " + mode + " (it is for "
                        + String.join(
                                ", ", e.getValue().stream().map(Mode::name).toList()) + "); leave it out");
            }
        }
        if (approve != null && !approve.matches("[0-9a-f]{12}")) {
            throw StopException.usage(
                    "--approve needs the plan id a dry run printed (12 hex digits, like 63167e67587c), not '" + approve
                            + "'");
        }
        if (configFile.toString().isBlank())
            throw StopException.usage("the config file name is empty (an unset shell variable?)");
        for (String p : paths)
            if (p.isBlank()) throw StopException.usage("a path argument is empty (an unset shell variable?)");
    }

    /** Runs the command as main would, without exiting; for tests. */
    static int execute(LambdaSync command, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(out).setErr(err);
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("lambda-sync: " + ex.getMessage() + " (try --help)");
            c.getErr().flush();
            return exitCode(Ending.USAGE);
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose");
            if (ex instanceof StopException e) {
                if (e.getMessage() != null) c.getErr().println("lambda-sync: " + e.getMessage());
                if (verbose && e.getCause() != null) e.getCause().printStackTrace(c.getErr());
                c.getErr().flush();
                return exitCode(e.kind);
            }
            c.getErr()
                    .println("lambda-sync: unexpected error: " + ex
                            + (verbose ? "" : " (rerun with --verbose for details)"));
            if (verbose) ex.printStackTrace(c.getErr());
            c.getErr().flush();
            return exitCode(Ending.FAILED);
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static void main(String... args) throws Exception {
        if ("1".equals(System.getenv("LAMBDA_SYNC_CDS_TRAINING"))) {
            StartupTraining.run(); // see ./jbang: loads a sync's classes for the CDS archive
            return;
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        Interrupt.onSecondSignal(() -> System.exit(exitCode(Ending.INTERRUPTED)));
        System.exit(execute(new LambdaSync(), out, err, args));
    }
}
