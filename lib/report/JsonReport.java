//DEPS com.grack:nanojson:1.10

package lib.report;

import com.grack.nanojson.JsonStringWriter;
import com.grack.nanojson.JsonWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;
import lib.plan.SyncPlan;
import lib.sync.SyncOutcome;
import lib.sync.Transfer;

/**
 * A run's outcome as the one JSON document of --json, for agents and scripts. The schema is
 * SYNC.md's "JSON output (--json)"; field names and their order are stable, and the text is
 * the same, byte for byte, as the hand-written writer this replaced, apart from the escapes of
 * a few characters only a refused key can hold (backspace, form feed, U+0085, U+2028, U+2029),
 * which parse to the same strings.
 *
 * <p>Written with nanojson (com.grack:nanojson, 34 KB, no dependencies, a streaming writer in
 * one class, still released); jackson-jr-objects would bring jackson-core, some 20 times the
 * size, for a document this simple. Start-up cost, measured on the 2-core machine with seven
 * runs each (CPU time, user + system, as wall time swung 0.4 to 1.3 s under the load of other
 * work): {@code --version} 0.39 s before and after (this class is not loaded); {@code status
 * --json} on the example, median 0.60 s before and 0.63 s after, fastest 0.58 and 0.60 s: a few
 * hundredths of a second for one more jar, within the noise.
 */
public final class JsonReport {
    private JsonReport() {}

    /** @param exitCode the code the entry gives {@link SyncOutcome#ending}, which the document states */
    public static void print(SyncOutcome o, int exitCode, java.io.PrintWriter out) {
        out.println(document(o, exitCode));
        out.flush();
    }

    public static String document(SyncOutcome o, int exitCode) {
        JsonStringWriter w = JsonWriter.string().object();
        if (o.plans().size() > 1) { // status: both directions
            w.array("plans");
            for (SyncOutcome.Planned p : o.plans()) plan(w.object(), p).end();
            return w.end().end().done();
        }
        plan(w, o.planned());
        if (o.refusal() != null || o.result() != null) {
            w.object("result");
            result(w, o, exitCode);
            w.end();
        }
        return w.end().done();
    }

    private static JsonStringWriter plan(JsonStringWriter w, SyncOutcome.Planned p) {
        SyncPlan plan = p.plan();
        w.value("direction", plan.direction.name().toLowerCase())
                .value("planId", plan.id)
                .value("store", p.store())
                .value("repo", p.repo().toString())
                .array("scopes", p.scopes());
        w.object("totals");
        plan.totals()
                .forEach((action, t) -> w.object(action.json)
                        .value("files", t[0])
                        .value("bytes", t[1])
                        .end());
        w.end().array("items");
        for (SyncPlan.Item it : plan.items) {
            w.object()
                    .value("path", it.rel())
                    .value("action", it.action().json)
                    .value("reason", it.why().words(plan.direction))
                    .value("bytes", it.bytes())
                    .value("toTrash", it.trash())
                    .end();
        }
        w.end().array("outside", p.outside().stream().sorted().toList()).value("bucketEmpty", p.empty() != null);
        return p.empty() == null ? w : w.value("keysElsewhere", p.empty().keysElsewhere());
    }

    /** What happened: per item done / failed / conflict / not run, and the exit code the entry gave. */
    private static void result(JsonStringWriter w, SyncOutcome o, int exitCode) {
        w.value("exitCode", exitCode);
        Transfer.Result r = o.result();
        if (r == null) return; // refused before anything ran
        Map<String, String> failed = new HashMap<>(), raced = new HashMap<>();
        r.failures().forEach(f -> failed.put(f.rel(), f.message()));
        r.conflicts().forEach(f -> raced.put(f.rel(), f.message()));
        w.value("done", r.done())
                .value("failed", r.failures().size())
                .value("bytes", r.bytes())
                .value("seconds", BigDecimal.valueOf(r.seconds()).setScale(3, RoundingMode.HALF_UP))
                .value("deletionsSkipped", r.deletionsSkipped())
                .array("items");
        for (SyncPlan.Item it : o.planned().plan().items) {
            SyncPlan.Action a = it.action();
            if (!a.changesSomething() && a != SyncPlan.Action.RECORD && a != SyncPlan.Action.FORGET) continue;
            String err = failed.get(it.rel()), lost = raced.get(it.rel());
            boolean skippedDelete =
                    r.deletionsSkipped() && (a == SyncPlan.Action.DELETE_LOCAL || a == SyncPlan.Action.DELETE_REMOTE);
            boolean notRun = skippedDelete
                    || (r.interrupted() != null && r.interrupted().notRun().contains(it.rel()));
            w.object()
                    .value("path", it.rel())
                    .value("action", a.json)
                    .value("status", err != null ? "failed" : lost != null ? "conflict" : notRun ? "not run" : "done");
            if (err != null) w.value("error", err);
            if (lost != null) w.value("error", lost);
            // Only where the server offered no proof of the content: the length alone was checked.
            if (r.unverified().contains(it.rel())) w.value("verified", false);
            w.end();
        }
        w.end();
    }
}
