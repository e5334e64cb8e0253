import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the suite hands JUnit's console launcher (README, "Run the tests"). */
@Tag("unit")
class TestSuiteTest {
    static final Path JAR = Path.of("/cache/TestSuite.jar");
    static final List<String> FIXED = List.of(
            "execute",
            "--disable-banner",
            "--include-engine=junit-jupiter",
            "--disable-ansi-colors",
            "--details=testfeed");

    static List<String> args(String... a) {
        List<String> all = TestSuite.launcherArgs(a, JAR, false);
        assertEquals(FIXED, all.subList(0, FIXED.size()));
        return all.subList(FIXED.size(), all.size());
    }

    @Test
    void withoutASelectorTheSuitesOwnJarIsScanned() {
        assertEquals(List.of("--scan-classpath=" + JAR), args());
        assertEquals(
                List.of("--include-tag", "unit", "--reports-dir=r", "--scan-classpath=" + JAR),
                args("--include-tag", "unit", "--reports-dir=r"));
        assertEquals(List.of("-cp", "x.jar", "--scan-classpath=" + JAR), args("-cp", "x.jar"), "-cp is not -c");
    }

    @Test
    void launcherSelectorsPassAsTheyAre() {
        assertEquals(List.of("--select-class", "SyncPlanTest"), args("--select-class", "SyncPlanTest"));
        assertEquals(List.of("-c", "A", "-m", "B#x"), args("-c", "A", "-m", "B#x"));
        assertEquals(
                List.of("--select-method=SyncPlanTest#sizeAloneNeverProvesSameContent"),
                args("--select-method=SyncPlanTest#sizeAloneNeverProvesSameContent"));
    }

    @Test
    void bareNamesAreTheOlderFormOfClassAndMethodSelectors() {
        assertEquals(
                List.of("--select-class=SyncPlanTest", "--select-method=CliTest#versionPrintsOneLine"),
                args("SyncPlanTest", "CliTest#versionPrintsOneLine"));
    }

    @Test
    void aLineAsEachTestEndsWhenNotOnATerminalUnlessDetailsAreAskedFor() {
        List<String> tree = TestSuite.launcherArgs(new String[] {"--details=tree"}, JAR, false);
        assertEquals(
                List.of(
                        "execute",
                        "--disable-banner",
                        "--include-engine=junit-jupiter",
                        "--disable-ansi-colors",
                        "--details=tree",
                        "--scan-classpath=" + JAR),
                tree);
    }

    @Test
    void colorsOnlyOnATerminal() {
        assertEquals(
                List.of("execute", "--disable-banner", "--include-engine=junit-jupiter", "--scan-classpath=" + JAR),
                TestSuite.launcherArgs(new String[0], JAR, true));
    }
}
