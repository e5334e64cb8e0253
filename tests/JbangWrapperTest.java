import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./jbang} wrapper's fast path (see the comments in {@code jbang}): the java command
 * JBang resolved is reused while the script, the files its //SOURCES name, the JDK and the JBang
 * install are the same; a stale entry falls back to JBang, and with LAMBDA_SYNC_VERBOSE_LAUNCH=1
 * it says why. A two-file script keeps each JBang resolution cheap; the launch cache is a temp
 * folder (LAMBDA_SYNC_LAUNCH_CACHE), JBang and its build cache are the user's.
 */
class JbangWrapperTest {
    static final Path ROOT =
            Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();

    @TempDir
    Path tmp;

    Path cache, app, script;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(CatalogTest.installedJbang() != null, "no installed JBang to point a shim at");
        cache = tmp.resolve("launch-cache");
        app = Files.createDirectories(tmp.resolve("app/lib"));
        script = Files.writeString(
                tmp.resolve("app/Hello.java"),
                String.join(
                        "\n",
                        "//JAVA_OPTIONS -Xmx64m -Dgreeting=hello",
                        "//SOURCES lib/Name.java",
                        "public class Hello {",
                        "    public static void main(String... args) {",
                        "        System.out.println(System.getProperty(\"greeting\") + \", \" + Name.NAME + String.join(\"\", args));",
                        "    }",
                        "}",
                        ""));
        name("one");
    }

    void name(String name) throws Exception {
        Files.writeString(
                app.resolve("Name.java"), "class Name {\n    static final String NAME = \"" + name + "\";\n}\n");
    }

    /** A {@code jbang} on PATH at {@code shims/<name>/jbang} that runs the installed one: another "JBang install" to the wrapper. */
    Path shim(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shims").resolve(name));
        Path launcher = dir.resolve("jbang");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + CatalogTest.installedJbang() + "' \"$@\"\n");
        launcher.toFile().setExecutable(true);
        return dir;
    }

    Run hello(Path jbangDir, Map<String, String> extraEnv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("jbang").toString(), script.toString(), "!")
                .directory(script.getParent().toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", jbangDir + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("LAMBDA_SYNC_LAUNCH_CACHE", cache.toString());
        env.put("LAMBDA_SYNC_VERBOSE_LAUNCH", "1");
        env.remove("LAMBDA_SYNC_NO_FAST");
        env.putAll(extraEnv);
        Path out = tmp.resolve("out.txt"), err = tmp.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out).strip(), Files.readString(err));
    }

    List<Path> entries() throws Exception {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.toString().endsWith(".launch")).sorted().toList();
        }
    }

    static String skipped(Run r) {
        return r.err()
                .lines()
                .filter(l -> l.contains("fast launch skipped"))
                .findFirst()
                .orElse(null);
    }

    @Test
    void anEntryIsReusedUntilASourceOrTheJbangInstallChangesAndAStaleOneSaysWhy() throws Exception {
        Path a = shim("a");
        Run first = hello(a, Map.of());
        assertEquals("hello, one!", first.out(), first::toString);
        assertEquals(1, entries().size(), first::toString);
        Path entryFile = entries().get(0);
        String entry = Files.readString(entryFile);
        assertTrue(entry.contains("\nmain Hello\n") && entry.contains("\nopt -Xmx64m\nopt -Dgreeting=hello\n"), entry);

        Run second = hello(a, Map.of());
        assertEquals("hello, one!", second.out());
        assertEquals(null, skipped(second), second::toString);
        assertEquals(1, entries().size());

        name("two"); // a file the script's //SOURCES names
        assertEquals("hello, two!", hello(a, Map.of()).out());
        assertEquals(2, entries().size(), "the sourced file is part of the key");

        assertEquals("hello, two!", hello(shim("b"), Map.of()).out());
        assertEquals(3, entries().size(), "the JBang install is part of the key");

        // A class path entry gone (JBang's or Maven's cache cleared): JBang runs it, and says so.
        name("one");
        Files.writeString(entryFile, entry.replaceFirst("\ncp ([^\n]*)", "\ncp $1:" + tmp.resolve("gone.jar")));
        Run stale = hello(a, Map.of());
        assertEquals("hello, one!", stale.out());
        assertTrue(
                String.valueOf(skipped(stale)).contains("class path entry " + tmp.resolve("gone.jar") + " is gone"),
                stale::toString);
        assertFalse(Files.exists(entryFile), "the stale entry is dropped");
    }

    @Test
    void aNewEntryClearsArchivesAndOldFormatFilesNoEntryNames() throws Exception {
        Files.createDirectories(cache);
        Path orphan = Files.writeString(cache.resolve("0123456789abcdef0123.jsa"), "an archive whose entry was pruned");
        Path oldFormat = Files.writeString(cache.resolve("89abcdef0123456789ab.cmd"), "an older wrapper's entry");
        Run first = hello(shim("a"), Map.of());
        assertEquals("hello, one!", first.out(), first::toString);
        assertFalse(Files.exists(orphan), "an archive without its entry is removed");
        assertFalse(Files.exists(oldFormat), "an older wrapper's file is removed");
        assertEquals(1, entries().size());
    }

    @Test
    void turnedOffItSaysSoOnlyWhenAskedTo() throws Exception {
        Path a = shim("a");
        Run off = hello(a, Map.of("LAMBDA_SYNC_NO_FAST", "1"));
        assertEquals("hello, one!", off.out(), off::toString);
        assertTrue(String.valueOf(skipped(off)).contains("LAMBDA_SYNC_NO_FAST is set"), off::toString);
        Run quiet = hello(a, Map.of("LAMBDA_SYNC_NO_FAST", "1", "LAMBDA_SYNC_VERBOSE_LAUNCH", ""));
        assertEquals(null, skipped(quiet), quiet::toString);
    }

    /** A class in a package folder, named by a glob line (as lambda-sync.java names lib/'s packages). */
    void word(String word) throws Exception {
        Path pkg = Files.createDirectories(app.resolve("greeting"));
        Files.writeString(
                pkg.resolve("Word.java"),
                "package lib.greeting;\n\npublic class Word {\n    public static final String WORD = \"" + word
                        + "\";\n}\n");
    }

    @Test
    void aGlobLineNamesEveryFileInItsPackageFolderSoAnEditThereIsSeen() throws Exception {
        Files.writeString(
                script,
                Files.readString(script)
                        .replace(
                                "//SOURCES lib/Name.java\n", "//SOURCES lib/Name.java\n//SOURCES lib/greeting/*.java\n")
                        .replace("public class Hello {", "import lib.greeting.Word;\n\npublic class Hello {")
                        .replace("Name.NAME +", "Name.NAME + Word.WORD +"));
        word(" and all");
        Path a = shim("a");
        Run first = hello(a, Map.of());
        assertEquals("hello, one and all!", first.out(), first::toString);
        Run second = hello(a, Map.of());
        assertEquals(null, skipped(second), second::toString);
        assertEquals(1, entries().size(), second::toString);

        word(" and more"); // a file in a sub-folder, named only by the glob
        assertEquals("hello, one and more!", hello(a, Map.of()).out());
        assertEquals(2, entries().size(), "a file the glob names is part of the key");

        Files.writeString(app.resolve("greeting/Extra.java"), "package lib.greeting;\n\nclass Extra {}\n");
        Run added = hello(a, Map.of());
        assertEquals("hello, one and more!", added.out(), added::toString);
        assertEquals(3, entries().size(), "a new file in the folder is part of the key");
    }
}
