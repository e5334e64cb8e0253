package lib.report;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import lib.common.BandwidthLimit;
import lib.common.Console;
import lib.common.Units;
import lib.sync.FailureKind;
import lib.sync.SyncOutcome;
import lib.sync.Transfer;

/**
 * A run's outcome in words, for people: what happened, after the transfer or the refusal. (The
 * plan itself is printed by {@link PlanPrinter} as soon as it is made: the user answers the
 * question after reading it.) How the run ended comes from {@link SyncOutcome#ending}; this only
 * says it.
 */
public final class TextReport {
    private TextReport() {}

    /**
     * What happened, after the transfer (or the refusal); returns the line that ends the run (the
     * entry says it on stderr, as it says a stopped command's), or null.
     */
    public static String finish(SyncOutcome o, Console c) {
        Transfer.Result r = o.result();
        if (o.refusal() != null) return o.refusal().message();
        if (r == null) return null;
        if (o.interrupted()) {
            c.err.println(interruptedLine(r));
            return null;
        }
        String rate = (r.seconds() > 0 ? Units.bytes((long) (r.bytes() / r.seconds())) + "/s" : "")
                + (r.bwlimit() > 0 ? ", limit " + BandwidthLimit.describe(r.bwlimit()) : "");
        c.out.println(String.format(
                "done: %d item(s), %s in %.1f s (%s)%s",
                r.done(),
                Units.bytes(r.bytes()),
                r.seconds(),
                rate,
                r.failures().isEmpty() ? "" : ", " + r.failures().size() + " failed"));
        c.out.flush();
        for (Transfer.Failure f : r.conflicts()) {
            c.err.println("conflict: " + f.rel() + ": " + f.message()
                    + "; left as it is in the bucket (run the command again to see the new plan)");
        }
        unverified(c, r);
        if (r.failures().isEmpty()) return null;
        int shown = c.verbose ? r.failures().size() : Math.min(r.failures().size(), 10);
        for (Transfer.Failure f : r.failures().subList(0, shown))
            c.err.println("failed: " + f.rel() + ": " + f.message());
        if (r.deletionsSkipped()) c.err.println("deletions were skipped because transfers failed; nothing was deleted");
        Map<FailureKind, Long> kinds = new EnumMap<>(FailureKind.class);
        for (Transfer.Failure f : r.failures()) kinds.merge(f.kind(), 1L, Long::sum);
        kinds.forEach((kind, n) -> {
            // A server error on some files while others went through may be their names: say what to do if it repeats.
            if (!kind.rerunHelps() || kind == FailureKind.SERVER_ERROR && r.done() > 0) c.err.println(advice(kind, n));
        });
        return lastLine(r.failures().size(), kinds.keySet());
    }

    /** After Ctrl-C or SIGTERM: "run again" only when something is left to run (the signal may come after the last item). */
    public static String interruptedLine(Transfer.Result r) {
        if (r.interrupted().notRun().isEmpty() && r.failures().isEmpty())
            return "interrupted: all " + r.interrupted().total() + " done; nothing left to run";
        return "interrupted: " + r.done() + " of " + r.interrupted().total() + " done; run again to finish";
    }

    /**
     * The line that ends a run with failures (SYNC.md, "When things go wrong"): "run the same
     * command again" only when that can finish something (a network or server failure, a file
     * that changed meanwhile); a failure that repeats on every run gets its cause and fix instead.
     */
    public static String lastLine(int failed, Set<FailureKind> kinds) {
        boolean rerun = kinds.stream().anyMatch(FailureKind::rerunHelps),
                only = kinds.stream().allMatch(FailureKind::rerunHelps);
        String n = failed + " item(s) did not finish";
        if (only) return n + "; run the same command again to finish the job";
        if (rerun) return n + "; fix what is said above, then run the same command again to finish the job";
        return n + ", and running the same command again will not finish them: fix what is said above first";
    }

    /** The cause and the fix of failures that repeat on every run, one line per kind. */
    public static String advice(FailureKind kind, long n) {
        String items = Units.files(n);
        return switch (kind) {
            case REFUSED ->
                items
                        + " refused by the server for good (a name or request it does not accept, or a file and a folder of"
                        + " the same name there): rename them, or exclude them in .syncignore";
            case STORE_SETUP ->
                items + " failed on the credentials or the bucket: run doctor, which names the key to fix";
            case PERMISSION ->
                items + " could not be read or written here (permission denied): fix the permissions"
                        + " (sudo chown -R $USER <folder>)";
            case DISK_FULL -> items + " did not fit on the disk: free space (df -h .) or download fewer paths";
            case IN_THE_WAY ->
                items + " blocked by a file or folder of the same name that could not be deleted first: move it away";
            case OTHER -> items + " failed here for the reason on its failed: line (-v lists all): fix that";
            case SERVER_ERROR ->
                items + " got a server error (5xx) while other files went through: if the same files fail on the"
                        + " next run too, the server cannot store them under these names: rename them, or exclude"
                        + " them in .syncignore";
            case TRANSIENT, CHANGED -> items + " failed on the network or the server, or changed meanwhile";
        };
    }

    private static void unverified(Console c, Transfer.Result r) {
        if (r.unverified().isEmpty()) return;
        boolean one = r.unverified().size() == 1;
        c.info("unverified: " + Units.files(r.unverified().size()) + " downloaded with only " + (one ? "its" : "their")
                + " length checked: the server offers no checksum for " + (one ? "it" : "them")
                + " (see SYNC.md, \"Servers that are not AWS\")" + (c.verbose ? "" : "; -v lists them"));
        r.unverified().forEach(u -> c.detail("  unverified: " + u));
    }
}
