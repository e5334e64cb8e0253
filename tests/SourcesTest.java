import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * lambda-sync.java's {@code //SOURCES} lines name every file under lib/ exactly once, as a file
 * or as one glob per package folder ({@code //SOURCES lib/store/*.java}), and a file's package is
 * its folder (README "Layout"): a file JBang does not compile, or compiles twice, fails here, not
 * as a missing class at run time.
 */
@Tag("unit")
class SourcesTest {
    static final Path ROOT =
            Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
    static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");

    /** The lib/ files each //SOURCES word names, in JBang's reading: relative to the entry, {@code *} within a folder. */
    static Map<Path, List<String>> named() throws Exception {
        Map<Path, List<String>> by = new TreeMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("lambda-sync.java"))) {
            if (!line.startsWith("//SOURCES ")) continue;
            for (String word : line.substring("//SOURCES ".length()).trim().split("\\s+")) {
                assertTrue(
                        word.matches("lib/([a-z0-9]+/)*([A-Z]\\w*|\\*)\\.java"), () -> "an unexpected line: " + line);
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + word);
                for (Path f : libFiles())
                    if (m.matches(ROOT.relativize(f)))
                        by.computeIfAbsent(f, k -> new ArrayList<>()).add(word);
            }
        }
        return by;
    }

    static List<Path> libFiles() throws Exception {
        try (Stream<Path> s = Files.walk(ROOT.resolve("lib"))) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void everyLibFileIsNamedOnce() throws Exception {
        Map<Path, List<String>> named = named();
        for (Path f : libFiles()) {
            assertEquals(
                    1,
                    named.getOrDefault(f, List.of()).size(),
                    () -> ROOT.relativize(f) + " is named by " + named.get(f)
                            + " //SOURCES lines of lambda-sync.java; add one line for its folder: //SOURCES "
                            + ROOT.relativize(f.getParent()) + "/*.java");
        }
    }

    @Test
    void aFilesPackageIsItsFolder() throws Exception {
        for (Path f : libFiles()) {
            Path dir = ROOT.resolve("lib").relativize(f.getParent());
            Matcher m = PACKAGE.matcher(Files.readString(f));
            String declared = m.find() ? m.group(1) : "";
            String expected =
                    dir.toString().isEmpty() ? "" : "lib." + dir.toString().replace('/', '.');
            assertEquals(expected, declared, () -> ROOT.relativize(f) + ": its package line does not match its folder");
        }
    }
}
