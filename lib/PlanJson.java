import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan and the result as one JSON document (--json), for agents and scripts. The schema
 * is documented in SYNC.md; field names are stable.
 */
final class PlanJson {
    private PlanJson() {}

    static String plan(SyncPlan plan, Store store, DataDirs dirs, List<String> outside) {
        StringBuilder b = new StringBuilder("{");
        field(b, "direction", plan.direction.name().toLowerCase()).append(',');
        field(b, "planId", plan.id).append(',');
        field(b, "store", store.describe()).append(',');
        field(b, "repo", dirs.root.toString()).append(',');
        b.append("\"scopes\":").append(strings(dirs.scopes)).append(',');
        b.append("\"totals\":{");
        boolean first = true;
        for (Map.Entry<SyncPlan.Action, long[]> t : plan.totals().entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(quote(t.getKey().json)).append(":{\"files\":").append(t.getValue()[0]).append(",\"bytes\":").append(t.getValue()[1]).append('}');
        }
        b.append("},\"items\":[");
        for (int i = 0; i < plan.items.size(); i++) {
            SyncPlan.Item it = plan.items.get(i);
            if (i > 0) b.append(',');
            b.append('{');
            field(b, "path", it.rel()).append(',');
            field(b, "action", it.action().json).append(',');
            field(b, "reason", it.why().words(plan.direction)).append(',');
            b.append("\"bytes\":").append(it.bytes()).append(",\"toTrash\":").append(it.trash()).append('}');
        }
        b.append("],\"outside\":").append(strings(outside.stream().sorted().toList())).append('}');
        return b.toString();
    }

    /** The plan document with what happened: per item done / failed (with the reason), and the exit code. */
    static String result(String planJson, SyncPlan plan, Transfer.Result r, int exitCode) {
        Map<String, String> failed = new HashMap<>(), raced = new HashMap<>();
        if (r != null) r.failures().forEach(f -> failed.put(f.rel(), f.message()));
        if (r != null) r.conflicts().forEach(f -> raced.put(f.rel(), f.message()));
        StringBuilder b = new StringBuilder(planJson.substring(0, planJson.length() - 1));
        b.append(",\"result\":{\"exitCode\":").append(exitCode);
        if (r != null) {
            b.append(",\"done\":").append(r.done()).append(",\"failed\":").append(r.failures().size())
                    .append(",\"bytes\":").append(r.bytes()).append(",\"seconds\":").append(String.format(java.util.Locale.ROOT, "%.3f", r.seconds()))
                    .append(",\"deletionsSkipped\":").append(r.deletionsSkipped()).append(",\"items\":[");
            List<String> parts = new ArrayList<>();
            for (SyncPlan.Item it : plan.items) {
                if (!it.action().changesSomething() && it.action() != SyncPlan.Action.RECORD && it.action() != SyncPlan.Action.FORGET) continue;
                String err = failed.get(it.rel());
                boolean skippedDelete = r.deletionsSkipped() && (it.action() == SyncPlan.Action.DELETE_LOCAL || it.action() == SyncPlan.Action.DELETE_REMOTE);
                StringBuilder p = new StringBuilder("{");
                field(p, "path", it.rel()).append(',');
                field(p, "action", it.action().json).append(',');
                String lost = raced.get(it.rel());
                boolean notRun = skippedDelete || (r.interrupted() != null && r.interrupted().notRun().contains(it.rel()));
                field(p, "status", err != null ? "failed" : lost != null ? "conflict" : notRun ? "not run" : "done");
                if (err != null) p.append(',').append(quote("error")).append(':').append(quote(err));
                if (lost != null) p.append(',').append(quote("error")).append(':').append(quote(lost));
                // Only where the server offered no proof of the content: the length alone was checked.
                if (r.unverified().contains(it.rel())) p.append(",\"verified\":false");
                parts.add(p.append('}').toString());
            }
            b.append(String.join(",", parts)).append(']');
        }
        return b.append("}}").toString();
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        return b.append(quote(name)).append(':').append(quote(value));
    }

    private static String strings(List<String> values) {
        List<String> q = new ArrayList<>();
        for (String v : values) q.add(quote(v));
        return "[" + String.join(",", q) + "]";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
