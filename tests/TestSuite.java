///usr/bin/env bash "$(dirname "$0")/../jbang" "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
// JUnit's own console launcher; it bundles the Jupiter API and engine, so no other JUnit jar is named.
//DEPS org.junit.platform:junit-platform-console-standalone:1.14.4
//DEPS org.testcontainers:testcontainers:2.0.5
//DEPS com.google.code.gson:gson:2.11.0
//SOURCES ../lambda-sync.java
//SOURCES support/*.java
//SOURCES *Test.java

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.console.ConsoleLauncher;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The suite, run by JUnit's console launcher (README, "Run the tests"):
 * {@code ./jbang tests/TestSuite.java [launcher options]}, e.g. {@code --select-class SyncPlanTest},
 * {@code --include-tag unit}, {@code --reports-dir DIR}; or the older {@code [TestClass | TestClass#method ...]}.
 * With no selector, every test class in the suite runs. The last line is always
 * "N passed, N failed, N skipped" (CI reads it). The S3 server starts when a test first asks for
 * it ({@link S3Server#get}) and stops here, after the last test.
 */
public class TestSuite {
    public static void main(String... args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("lambda-sync.java"))) root = root.getParent();
        if (root == null) throw new IllegalStateException("run from inside the lambda-sync repo");
        System.setProperty("lambda.sync.root", root.toString());
        // A run of only the unit tests holds them to their tag: none may start the S3 server (S3Server.get).
        List<String> given = List.of(args);
        int tag = given.indexOf("--include-tag");
        if (given.contains("--include-tag=unit")
                || (tag >= 0 && tag + 1 < given.size() && given.get(tag + 1).equals("unit")))
            System.setProperty("lambda.sync.unitOnly", "true");

        Path jar = Path.of(TestSuite.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        TestExecutionSummary s;
        int launcherExit;
        try {
            // The launcher's own entry point: its result carries the summary the closing line is
            // made from (an API JUnit marks internal, so the version above is pinned, not a range).
            var result = ConsoleLauncher.run(
                    out, err, launcherArgs(args, jar, System.console() != null).toArray(String[]::new));
            launcherExit = result.getExitCode();
            s = (TestExecutionSummary) result.getValue().orElse(null);
        } finally {
            S3Server.stopIfStarted();
        }
        out.flush();
        err.flush();
        if (s == null) { // --help, or the launcher refused its arguments and said why
            System.out.println("0 passed, 0 failed, 0 skipped");
            System.exit(launcherExit == 0 ? 0 : 2);
        }
        long passed = s.getTestsSucceededCount();
        long failed = s.getTestsFailedCount() + s.getContainersFailedCount(); // a failed @BeforeAll counts once
        long skipped = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        System.out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    /**
     * The console launcher's {@code execute} arguments. Bare names (the suite's older form) become
     * {@code --select-class} / {@code --select-method}; without any selector the suite's own jar is
     * scanned, so the test classes of the libraries on the class path are never run.
     */
    static List<String> launcherArgs(String[] args, Path suiteJar, boolean terminal) {
        // Only Jupiter: the launcher's bundled Vintage and Suite engines would only add empty rows.
        List<String> out = new ArrayList<>(List.of("execute", "--disable-banner", "--include-engine=junit-jupiter"));
        if (!terminal) {
            // CI logs and files: no colors, and a line per test as it finishes (the tree comes only at the end)
            out.add("--disable-ansi-colors");
            if (List.of(args).stream().noneMatch(a -> a.startsWith("--details"))) out.add("--details=testfeed");
        }
        boolean oldForm = args.length > 0 && List.of(args).stream().noneMatch(a -> a.startsWith("-"));
        boolean selects = oldForm;
        for (String a : args) {
            if (oldForm) out.add((a.contains("#") ? "--select-method=" : "--select-class=") + a);
            else out.add(a);
            selects |= a.matches("--select.*|--scan.*|--uid.*|-[ufdopcmri](=.*)?");
        }
        if (!selects) out.add("--scan-classpath=" + suiteJar);
        return out;
    }
}
