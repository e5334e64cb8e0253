import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The --json document (SYNC.md, "JSON output (--json)") from an outcome value, byte for byte:
 * agents parse it, so field names, their order and number formats are the schema.
 */
class JsonReportTest {
    static final LocalTree.LocalFile NEW = new LocalTree.LocalFile("exp1/data/new.txt", 4, 1_700_000_000_000L);
    static final String PLAN = "\"direction\":\"upload\",\"planId\":\"%s\",\"store\":\"bucket 'bucket2' at http://127.0.0.1:18080\","
            + "\"repo\":\"/home/ubuntu/myrepo\",\"scopes\":[],\"totals\":{\"put\":{\"files\":1,\"bytes\":4}},"
            + "\"items\":[{\"path\":\"exp1/data/new.txt\",\"action\":\"put\",\"reason\":\"new here\",\"bytes\":4,\"toTrash\":false}],"
            + "\"outside\":[\"b/x\",\"z/\"]";

    static SyncPlan plan() {
        return SyncPlan.build(SyncPlan.Direction.UPLOAD, Map.of(NEW.rel(), NEW), Map.of(), Map.of(),
                new SyncPlan.Facts(Map.of(), Set.of(), Set.of()), List.of(), new SyncPlan.Options(false, false), "s3:test");
    }

    static SyncOutcome.Planned planned(SyncPlan plan) {
        return new SyncOutcome.Planned(plan, "bucket 'bucket2' at http://127.0.0.1:18080", Path.of("/home/ubuntu/myrepo"), List.of(),
                List.of("z/", "b/x"), 0);
    }

    static Transfer.Result result(List<Transfer.Failure> failures, double seconds) {
        return new Transfer.Result(failures.isEmpty() ? 1 : 0, failures, failures.isEmpty() ? 4 : 0, seconds, false, List.of(), List.of(), null);
    }

    @Test
    void aPlanWithoutAResultIsThePlanAlone() {
        SyncPlan plan = plan();
        String doc = JsonReport.document(new SyncOutcome(List.of(planned(plan)), null, null, true, List.of()));
        assertEquals("{" + PLAN.formatted(plan.id) + "}", doc);
    }

    @Test
    void aRunAddsItsResultWithSecondsToThreeDecimals() {
        SyncPlan plan = plan();
        String doc = JsonReport.document(new SyncOutcome(List.of(planned(plan)), result(List.of(), 0.0456), null, false, List.of()));
        assertEquals("{" + PLAN.formatted(plan.id) + ",\"result\":{\"exitCode\":0,\"done\":1,\"failed\":0,\"bytes\":4,\"seconds\":0.046,"
                + "\"deletionsSkipped\":false,\"items\":[{\"path\":\"exp1/data/new.txt\",\"action\":\"put\",\"status\":\"done\"}]}}", doc);
    }

    @Test
    void aFailedItemCarriesItsErrorAndTheExitCodeIsOne() {
        SyncPlan plan = plan();
        Transfer.Failure f = new Transfer.Failure("exp1/data/new.txt", "the server answered 400 \"Bad\"", FailureKind.REFUSED);
        String doc = JsonReport.document(new SyncOutcome(List.of(planned(plan)), result(List.of(f), 2), null, false, List.of()));
        assertTrue(doc.endsWith(",\"result\":{\"exitCode\":1,\"done\":0,\"failed\":1,\"bytes\":0,\"seconds\":2.000,\"deletionsSkipped\":false,"
                + "\"items\":[{\"path\":\"exp1/data/new.txt\",\"action\":\"put\",\"status\":\"failed\",\"error\":\"the server answered 400 \\\"Bad\\\"\"}]}}"), doc);
    }

    @Test
    void aRefusalHasOnlyTheExitCode() {
        SyncPlan plan = plan();
        String doc = JsonReport.document(new SyncOutcome(List.of(planned(plan)), null, new SyncOutcome.Refusal(3, "aborted"), false, List.of()));
        assertTrue(doc.endsWith(",\"result\":{\"exitCode\":3}}"), doc);
    }

    @Test
    void statusIsBothPlansUnderPlans() {
        SyncPlan up = plan();
        String doc = JsonReport.document(SyncOutcome.status(List.of(planned(up), planned(up))));
        assertEquals("{\"plans\":[{" + PLAN.formatted(up.id) + "},{" + PLAN.formatted(up.id) + "}]}", doc);
        assertFalse(doc.contains("result"));
    }
}
