import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lib.common.Ending;
import lib.common.StopException;
import lib.config.EnvFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parser against real bash as the oracle: every file in tests/config-corpus/ok/ (and the
 * repo's sync.env.template) must give exactly the variables {@code set -a; source FILE} gives,
 * also when saved with CRLF line endings or a BOM; every file in bad/ must be refused with
 * file:line. A bad file's first line says where and why: {@code # expect <line>: <text>}.
 */
@Tag("unit")
class EnvFileTest {
    static final Path ROOT = Path.of(System.getProperty("lambda.sync.root", "."));
    static final Path CORPUS = ROOT.resolve("tests/config-corpus");
    /** The environment both bash and the parser start with. */
    static final Map<String, String> ENV = Map.of(
            "HOME", "/home/tester",
            "PATH", "/usr/bin:/bin",
            "USER", "tester",
            "LANG", "C.UTF-8",
            "MY_TOKEN", "ghp_fromTheEnvironment00000000000000abcd",
            "SPACEY", "a  b  *",
            "DATA_ROOT", "/lambda/nfs/tester-fs");

    /**
     * Prints, NUL-separated, every variable the file set or changed (set -a exports them all,
     * so they show in env), then the values of the names given after the file.
     */
    static final String ORACLE = """
            declare -A __ls_before
            while IFS= read -r -d '' __ls_kv; do __ls_before[${__ls_kv%%=*}]=${__ls_kv#*=}; done < <(/usr/bin/env -0)
            set -a
            source "$1" || exit 99
            set +a
            while IFS= read -r -d '' __ls_kv; do
              __ls_k=${__ls_kv%%=*}
              [[ $__ls_k == _ || $__ls_k == __ls_* ]] && continue
              if [[ -z ${__ls_before[$__ls_k]+set} || ${__ls_before[$__ls_k]} != "${__ls_kv#*=}" ]]; then
                printf '%s\\0%s\\0' "$__ls_k" "${__ls_kv#*=}"
              fi
            done < <(/usr/bin/env -0)
            for __ls_k in "${@:2}"; do printf '%s\\0%s\\0' "$__ls_k" "${!__ls_k-__UNSET__}"; done
            """;

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> okFilesReadExactlyAsBashSourcesThem() throws IOException {
        List<Path> files = new ArrayList<>(list("ok"));
        assertTrue(files.size() >= 30, "corpus has only " + files.size() + " files");
        files.add(ROOT.resolve("sync.env.template"));
        return files.stream()
                .flatMap(f -> Stream.of(
                        DynamicTest.dynamicTest(f.getFileName() + " (LF)", () -> {
                            EnvFile.Result r = parse(f, Files.readString(f));
                            assertEquals(bash(f, r.values().keySet()), new TreeMap<>(r.values()), f.toString());
                            assertEquals(List.of(), r.warnings(), f.toString());
                        }),
                        DynamicTest.dynamicTest(f.getFileName() + " (CRLF)", () -> {
                            Path crlf = tmp.resolve("crlf-" + f.getFileName());
                            Files.writeString(crlf, Files.readString(f).replace("\n", "\r\n"));
                            EnvFile.Result r = parse(crlf, Files.readString(crlf));
                            assertEquals(bash(f, r.values().keySet()), new TreeMap<>(r.values()), f.toString());
                            assertEquals(1, r.warnings().size());
                            assertTrue(
                                    r.warnings().get(0).contains("CRLF"),
                                    r.warnings().get(0));
                        }),
                        DynamicTest.dynamicTest(f.getFileName() + " (BOM)", () -> {
                            Path bom = tmp.resolve("bom-" + f.getFileName());
                            Files.writeString(bom, "\uFEFF" + Files.readString(f));
                            EnvFile.Result r = parse(bom, Files.readString(bom));
                            assertEquals(bash(f, r.values().keySet()), new TreeMap<>(r.values()), f.toString());
                            assertEquals(1, r.warnings().size());
                            assertTrue(
                                    r.warnings().get(0).contains("byte-order mark"),
                                    r.warnings().get(0));
                        })));
    }

    @TestFactory
    Stream<DynamicTest> badFilesAreRefusedWithFileAndLine() throws IOException {
        Pattern header = Pattern.compile("# expect (\\d+): (.*)");
        List<Path> files = list("bad");
        assertTrue(files.size() >= 20, "bad corpus has only " + files.size() + " files");
        return files.stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                    String text = Files.readString(f);
                    Matcher m = header.matcher(text.lines().findFirst().orElse(""));
                    assertTrue(m.matches(), f + " must start with '# expect <line>: <text>'");
                    StopException e = assertThrows(StopException.class, () -> parse(f, text));
                    assertEquals(Ending.USAGE, e.kind, e.getMessage());
                    assertTrue(e.getMessage().startsWith(f + ":" + m.group(1) + ": "), e.getMessage());
                    assertTrue(e.getMessage().contains(m.group(2)), e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    for (String secret : List.of("ghp_", "hf_", "s3cr3t"))
                        assertFalse(e.getMessage().contains(secret), e.getMessage());
                }));
    }

    /** Lines built at random (fixed seed) from shell's tricky characters: whatever the parser accepts, bash must agree with. */
    @Test
    void randomLinesTheParserAcceptsReadAsInBash() throws Exception {
        String[] tokens = {
            "A", "x", "1", "_", "=", "\"", "'", "\\", "$", "{", "}", "~", "/", ":", "#", " ", "\t", "$A", "${A}",
            "$HOME", "${HOME}", "é", "-", ".", "*", "!", "%", "@", "[", "]", "$\"", "\\\\", "\\\"", "\\$"
        };
        java.util.Random random = new java.util.Random(20261128);
        int accepted = 0;
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            for (int line = random.nextInt(3); line >= 0; line--) {
                text.append(random.nextBoolean() ? "" : "export ")
                        .append("ABC".charAt(random.nextInt(3)))
                        .append('=');
                for (int t = random.nextInt(7); t > 0; t--) text.append(tokens[random.nextInt(tokens.length)]);
                text.append('\n');
            }
            Path f = Files.writeString(tmp.resolve("random-" + i + ".env"), text);
            EnvFile.Result r;
            try {
                r = parse(f, text.toString());
            } catch (StopException refused) {
                continue; // refusing is always allowed; misreading never is
            }
            accepted++;
            assertEquals(bash(f, r.values().keySet()), new TreeMap<>(r.values()), text.toString());
        }
        assertTrue(accepted > 100, "only " + accepted + " of 300 random files were accepted");
    }

    @Test
    void refusedLineNeverEchoesItsSecretValue() {
        String token = "ghp_ThisMustNeverBePrinted0123456789abcd";
        for (String line : List.of(
                "GITHUB_TOKEN=" + token + " x",
                token,
                "GITHUB_TOKEN=\"" + token,
                "GITHUB_TOKEN=" + token + ";",
                "GITHUB_TOKEN=" + token + "$(x)")) {
            StopException e =
                    assertThrows(StopException.class, () -> EnvFile.parse("a.env", "A=1\n" + line + "\n", ENV));
            assertTrue(e.getMessage().startsWith("a.env:2: "), e.getMessage());
            assertFalse(e.getMessage().contains("ThisMustNever"), e.getMessage());
        }
    }

    @Test
    void fileValuesWinOverTheEnvironmentFromTheirLineOn() {
        Map<String, String> v =
                EnvFile.parse("a.env", "A=$USER\nUSER=file\nB=$USER\n", ENV).values();
        assertEquals("tester", v.get("A"));
        assertEquals("file", v.get("B"));
        assertFalse(v.containsKey("HOME"), "the environment is not copied into the result");
    }

    @Test
    void crlfAndBomTogetherGiveBothWarnings() {
        EnvFile.Result r = EnvFile.parse("w.env", "\uFEFFA=1\r\nB='x y'\r\n", ENV);
        assertEquals(Map.of("A", "1", "B", "x y"), r.values());
        assertEquals(2, r.warnings().size());
    }

    static EnvFile.Result parse(Path f, String text) {
        return EnvFile.parse(f.toString(), text, ENV);
    }

    static List<Path> list(String dir) throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            return s.filter(p -> p.toString().endsWith(".env")).sorted().toList();
        }
    }

    /** What bash sees after sourcing {@code file}: every variable it set, plus {@code alsoAsk} if set. */
    TreeMap<String, String> bash(Path file, Iterable<String> alsoAsk) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of("bash", "-c", ORACLE, "_", file.toAbsolutePath().toString()));
        alsoAsk.forEach(cmd::add);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().putAll(ENV);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash timed out");
        assertEquals(0, p.exitValue(), "bash failed: " + err);
        assertEquals("", err, "bash complained about " + file);
        String[] parts = new String(out, StandardCharsets.UTF_8).split("\0", -1);
        TreeMap<String, String> seen = new TreeMap<>();
        for (int i = 0; i + 1 < parts.length; i += 2) {
            if (parts[i + 1].equals("__UNSET__")) seen.remove(parts[i]);
            else seen.put(parts[i], parts[i + 1]);
        }
        return seen;
    }
}
