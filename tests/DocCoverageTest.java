import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.plan.Reason;
import lib.plan.SyncPlan;
import lib.report.TextReport;
import lib.sync.FailureKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every reason a plan can give (lib/plan/Reason.java) and every failure advice a run can end with
 * (FailureKind, TextReport.advice) is written in SYNC.md, word for word: a new reason or kind
 * without its line in the user guide fails here.
 */
@Tag("unit")
class DocCoverageTest {
    static final Path ROOT =
            Path.of(System.getProperty("lambda.sync.root", ".")).toAbsolutePath();
    /** Stands for a reason's particular (a file name, an error): the words around it are what SYNC.md must hold. */
    static final String DETAIL = "\u0000";

    static String guide() throws Exception {
        // SYNC.md wraps its lines: compare with runs of white space as one space.
        return Files.readString(ROOT.resolve("SYNC.md")).replaceAll("\\s+", " ");
    }

    static void assertAllIn(String guide, List<String> phrases, String what) {
        List<String> missing = new ArrayList<>();
        for (String p : phrases) {
            for (String part : p.split(DETAIL)) {
                if (!part.isBlank() && !guide.contains(part.strip())) missing.add(part.strip());
            }
        }
        assertTrue(missing.isEmpty(), () -> what + " missing from SYNC.md:\n  " + String.join("\n  ", missing));
    }

    @Test
    void everyReasonIsInSyncMd() throws Exception {
        List<String> words = new ArrayList<>();
        for (Reason.Rule r : Reason.Rule.values()) {
            for (SyncPlan.Direction d : SyncPlan.Direction.values()) words.add(r.words(d));
        }
        for (Reason.Skip.Kind k : Reason.Skip.Kind.values()) {
            words.add(new Reason.Skip(k, DETAIL).words(SyncPlan.Direction.UPLOAD));
        }
        assertAllIn(guide(), words, "reasons");
    }

    @Test
    void everyFailureAdviceIsInSyncMd() throws Exception {
        List<String> advice = new ArrayList<>();
        for (FailureKind k : FailureKind.values()) {
            if (k.rerunHelps()) continue; // no line of its own: the last line says to run again
            advice.add(TextReport.advice(k, 1).replaceFirst("^1 file ", ""));
        }
        assertAllIn(guide(), advice, "failure advice");
    }
}
