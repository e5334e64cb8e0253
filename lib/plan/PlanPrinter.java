package lib.plan;

import java.util.List;
import java.util.Map;
import lib.common.Console;
import lib.common.Units;
import lib.local.DataDirs;
import lib.state.StateDir;
import lib.store.Store;
import lib.sync.SyncOutcome;

/** The plan in words, before anything happens: direction, where, counts and bytes, the first items. */
public final class PlanPrinter {
    static final int FIRST_ITEMS = 10;

    private PlanPrinter() {}

    static String direction(SyncPlan.Direction d, Store store) {
        return d == SyncPlan.Direction.UPLOAD
                ? "upload: this machine -> " + store.describe()
                : "download: " + store.describe() + " -> this machine";
    }

    /** @param empty what the store holding nothing under its prefix means, or null (see {@link SyncOutcome.Empty}) */
    public static void print(
            Console c, SyncPlan plan, Store store, DataDirs dirs, int inSync, SyncOutcome.Empty empty) {
        c.info(direction(plan.direction, store));
        c.info("  repo " + dirs.root + (dirs.scopes.isEmpty() ? "" : ", limited to " + String.join(", ", dirs.scopes)));
        if (empty != null) c.info("  " + empty.words());
        Map<SyncPlan.Action, long[]> totals = plan.totals();
        if (totals.isEmpty()) {
            if (empty == null) c.info("  nothing to do: " + Units.files(inSync) + " already in sync");
            return;
        }
        for (SyncPlan.Action a : SyncPlan.Action.values()) {
            long[] t = totals.get(a);
            if (t == null) continue;
            c.info(String.format(
                    "  %-18s %s%s", a.heading, Units.files(t[0]), t[1] > 0 ? ", " + Units.bytes(t[1]) : ""));
        }
        if (inSync > 0) c.info(String.format("  %-18s %s", "already in sync", Units.files(inSync)));
        for (SyncPlan.Action a : SyncPlan.Action.values()) {
            List<SyncPlan.Item> items = plan.of(a);
            if (items.isEmpty() || a == SyncPlan.Action.RECORD || a == SyncPlan.Action.FORGET) continue;
            c.info(a.heading + ":");
            int shown = c.verbose ? items.size() : Math.min(FIRST_ITEMS, items.size());
            for (SyncPlan.Item i : items.subList(0, shown)) {
                c.info("  " + shown(i.rel()) + (i.bytes() > 0 ? " (" + Units.bytes(i.bytes()) + ")" : "") + "  "
                        + i.why().words(plan.direction)
                        + (!i.trash()
                                ? ""
                                : plan.direction == SyncPlan.Direction.UPLOAD
                                        ? " (bucket copy kept in " + StateDir.TRASH_SHOWN + ")"
                                        : " [local copy to " + StateDir.TRASH_SHOWN + "]"));
            }
            if (shown < items.size()) c.info("  … and " + (items.size() - shown) + " more (-v lists all)");
        }
    }

    /**
     * A path or key as printed: control characters as \xNN. Keys come from the bucket, and
     * anyone who can write there could otherwise send escape sequences to the user's terminal.
     */
    public static String shown(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int k = 0; k < name.length(); k++) {
            char ch = name.charAt(k);
            if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0)) b.append(String.format("\\x%02x", (int) ch));
            else b.append(ch);
        }
        return b.toString();
    }
}
