package lib.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lib.common.Units;

/**
 * A plan in one line, for {@code status -q}: quiet drops the listing, never the answer
 * (SYNC.md "Command reference"). Words of its own, so it reads as a sentence.
 */
public final class PlanSummary {
    private PlanSummary() {}

    public static String line(SyncPlan plan, int inSync) {
        List<String> parts = new ArrayList<>();
        Map<SyncPlan.Action, long[]> totals = plan.totals();
        for (SyncPlan.Action a : SyncPlan.Action.values()) {
            long[] t = totals.get(a);
            if (t == null) continue;
            parts.add(Units.files(t[0]) + " " + words(a) + (t[1] > 0 ? " (" + Units.bytes(t[1]) + ")" : ""));
        }
        String what = parts.isEmpty() ? "nothing to do" : String.join(", ", parts);
        return (plan.direction == SyncPlan.Direction.UPLOAD ? "upload: " : "download: ") + what + "; "
                + Units.files(inSync) + " in sync";
    }

    private static String words(SyncPlan.Action a) {
        return switch (a) {
            case PUT -> "to upload";
            case GET -> "to download";
            case DELETE_REMOTE -> "to delete in the bucket";
            case DELETE_LOCAL -> "to delete here";
            case RECORD -> "to record as in sync";
            case FORGET -> "to forget";
            case KEEP -> "kept as is";
            case CONFLICT -> "in conflict";
            case SKIP -> "skipped";
        };
    }
}
