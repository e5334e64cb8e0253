import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lib.common.Ending;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The entry's table of exit codes (LambdaSync.EXIT_CODES, the one place lib's endings become
 * codes) covers every {@link Ending}, and says what SYNC.md's "Exit codes" table and --help say.
 */
@Tag("unit")
class ExitCodeTableTest {
    /** Words the SYNC.md row of each ending's code holds: the row must be about that ending. */
    static final Map<Ending, String> ROW_SAYS = Map.of(
            Ending.DONE, "done, or nothing to do",
            Ending.FAILED, "runtime failure",
            Ending.USAGE, "usage or config error",
            Ending.NOT_CONFIRMED, "not confirmed",
            Ending.LEFT_UNTOUCHED, "left untouched",
            Ending.BUCKET_EMPTY, "the bucket holds nothing under",
            Ending.INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)");

    /** SYNC.md's "Exit codes" table: code to its row's text. */
    static Map<Integer, String> syncMdTable() throws Exception {
        String guide = Files.readString(DocCoverageTest.ROOT.resolve("SYNC.md"));
        int start = guide.indexOf("\n### Exit codes\n");
        assertTrue(start >= 0, "SYNC.md has an Exit codes section");
        int end = guide.indexOf("\n## ", start);
        Map<Integer, String> rows = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^\\| (\\d+) \\| (.*) \\|$")
                .matcher(guide.substring(start, end < 0 ? guide.length() : end));
        while (m.find()) rows.put(Integer.valueOf(m.group(1)), m.group(2));
        return rows;
    }

    @Test
    void everyEndingHasACode() {
        assertEquals(EnumSet.allOf(Ending.class), LambdaSync.EXIT_CODES.keySet());
        assertEquals(EnumSet.allOf(Ending.class), ROW_SAYS.keySet(), "this test knows every ending");
    }

    @Test
    void theCodesAreSyncMdsTable() throws Exception {
        Map<Integer, String> rows = syncMdTable();
        assertEquals(rows.keySet(), new TreeSet<>(LambdaSync.EXIT_CODES.values()), "the codes SYNC.md lists");
        for (Ending e : Ending.values()) {
            int code = LambdaSync.exitCode(e);
            assertTrue(
                    rows.get(code).contains(ROW_SAYS.get(e)),
                    () -> e + " exits " + code + ", whose SYNC.md row is: " + rows.get(code));
        }
    }

    @Test
    void helpListsTheSameCodes() {
        Map<String, String> help = new CommandLine(new LambdaSync())
                .getCommandSpec()
                .usageMessage()
                .exitCodeList();
        TreeSet<Integer> listed = new TreeSet<>();
        help.keySet().forEach(k -> listed.add(Integer.valueOf(k.strip())));
        assertEquals(listed, new TreeSet<>(LambdaSync.EXIT_CODES.values()), "the codes --help lists");
    }
}
