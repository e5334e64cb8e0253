/**
 * A run's outcome in words, for people: what happened, after the transfer or the refusal. (The
 * plan itself is printed by {@link PlanPrinter} as soon as it is made: the user answers the
 * question after reading it.) The exit code comes from {@link SyncOutcome#exitCode}; this only
 * says it.
 */
final class TextReport {
    private TextReport() {}

    /**
     * What happened, after the transfer (or the refusal); returns the exit code, or throws the
     * {@link ExitException} whose one line on stderr ends the run.
     */
    static int finish(SyncOutcome o, Console c) {
        Transfer.Result r = o.result();
        if (o.refusal() != null) throw new ExitException(o.refusal().code(), o.refusal().message());
        if (r == null) return o.exitCode();
        if (o.interrupted()) {
            c.err.println("interrupted: " + r.done() + " of " + r.interrupted().total() + " done; run again to finish");
            throw new ExitException(o.exitCode(), null);
        }
        String rate = r.seconds() > 0 ? Units.bytes((long) (r.bytes() / r.seconds())) + "/s" : "";
        c.out.println(String.format("done: %d item(s), %s in %.1f s (%s)%s", r.done(), Units.bytes(r.bytes()), r.seconds(), rate,
                r.failures().isEmpty() ? "" : ", " + r.failures().size() + " failed"));
        c.out.flush();
        for (Transfer.Failure f : r.conflicts()) {
            c.err.println("conflict: " + f.rel() + ": " + f.message() + "; left as it is in the bucket (run the command again to see the new plan)");
        }
        unverified(c, r);
        if (r.failures().isEmpty()) return o.exitCode();
        int shown = c.verbose ? r.failures().size() : Math.min(r.failures().size(), 10);
        for (Transfer.Failure f : r.failures().subList(0, shown)) c.err.println("failed: " + f.rel() + ": " + f.message());
        if (r.deletionsSkipped()) c.err.println("deletions were skipped because transfers failed; nothing was deleted");
        throw new ExitException(o.exitCode(), r.failures().size() + " item(s) did not finish; run the same command again to finish the job");
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
