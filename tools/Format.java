///usr/bin/env bash "$(dirname "$0")/../jbang" "$0" "$@" ; exit $?
//JAVA 17+
// palantir-java-format: google-java-format's engine with 4-space indents and 120 columns, the shape
// this code already had; google-java-format's own styles are 2-space/100 (or AOSP 4-space/100)
// and would have rewrapped most lines. Pinned: another version may format differently.
//DEPS com.palantir.javaformat:palantir-java-format:2.103.0
// The formatter parses with javac's own classes, which JDK 17 keeps behind module walls.
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.code=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED

import com.palantir.javaformat.java.Formatter;
import com.palantir.javaformat.java.JavaFormatterOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Formats every .java file of the repo in place (README, "Code style"):
 * {@code ./jbang tools/Format.java}. With {@code --check} it changes nothing, names the files that
 * are not formatted and exits 1 ({@code .ci/run} runs it that way).
 *
 * <p>A file's leading {@code //} lines stay as written: they hold JBang's directives
 * ({@code //DEPS}, {@code //SOURCES}, ...), which the formatter would turn into plain comments
 * ({@code // DEPS}). Long string literals are not rewrapped (the formatter's rewrap breaks literals
 * holding an escaped backslash before a quote).
 */
public class Format {
    public static void main(String... args) throws Exception {
        boolean check = List.of(args).contains("--check");
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("lambda-sync.java"))) root = root.getParent();
        if (root == null) {
            System.err.println("error: run this inside the lambda-sync repo");
            System.exit(2);
        }
        List<Path> files = new ArrayList<>(List.of(root.resolve("lambda-sync.java")));
        for (String dir : List.of("lib", "tests", "tools")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
            }
        }
        Formatter formatter = Formatter.createFormatter(JavaFormatterOptions.builder()
                .style(JavaFormatterOptions.Style.PALANTIR)
                .build());
        List<Path> unformatted = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int bodyStart = headerEnd(text);
            String body = text.substring(bodyStart);
            String formatted = text.substring(0, bodyStart) + formatter.formatSource(formatter.fixImports(body));
            if (formatted.equals(text)) continue;
            unformatted.add(root.relativize(file));
            if (!check) Files.writeString(file, formatted, StandardCharsets.UTF_8);
        }
        if (check && !unformatted.isEmpty()) {
            unformatted.forEach(f -> System.out.println(f));
            System.err.println("error: " + unformatted.size()
                    + " file(s) above are not formatted; run ./jbang tools/Format.java and commit the result");
            System.exit(1);
        }
        System.out.println(
                check
                        ? files.size() + " files formatted"
                        : "formatted " + unformatted.size() + " of " + files.size() + " files");
    }

    /** Where the leading run of {@code //} lines and blank lines ends. */
    static int headerEnd(String text) {
        int at = 0;
        while (at < text.length()) {
            int eol = text.indexOf('\n', at);
            String line = text.substring(at, eol < 0 ? text.length() : eol).strip();
            if (!line.isEmpty() && !line.startsWith("//")) break;
            at = eol < 0 ? text.length() : eol + 1;
        }
        return at;
    }
}
