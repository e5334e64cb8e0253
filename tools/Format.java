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

import java.io.IOException;
import java.io.PrintWriter;
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
 */
public class Format {
    public static void main(String... args) throws IOException {
        boolean check = List.of(args).contains("--check");
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("lambda-sync.java"))) root = root.getParent();
        if (root == null) {
            System.err.println("error: run this inside the lambda-sync repo");
            System.exit(2);
        }
        List<String> files = new ArrayList<>();
        for (String dir : List.of("lib", "tests", "tools")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> files.add(p.toString()));
            }
        }
        files.add(root.resolve("lambda-sync.java").toString());

        List<String> argv = new ArrayList<>(List.of("--palantir",
                // Its long-string reflow breaks literals holding \\\" (an escaped backslash, then quote).
                "--skip-reflowing-long-strings"));
        argv.addAll(check ? List.of("--dry-run", "--set-exit-if-changed") : List.of("--replace"));
        argv.addAll(files);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int rc;
        try {
            rc = new com.palantir.javaformat.java.Main(out, err, System.in).format(argv.toArray(String[]::new));
        } catch (Exception e) { // its UsageException, which the library keeps package-private
            err.println("error: " + e.getMessage());
            rc = 2;
        }
        out.flush();
        if (check && rc != 0) {
            err.println("error: the files above are not formatted; run ./jbang tools/Format.java and commit the result");
        } else if (!check && rc == 0) {
            out.println("formatted " + files.size() + " files");
        }
        System.exit(rc == 0 ? 0 : rc == 2 ? 2 : 1);
    }
}
