package lib.sync;

import java.nio.file.Path;
import java.util.List;
import lib.common.Ending;
import lib.local.DataDirs;
import lib.plan.SyncPlan;

/**
 * What one run of upload, download or status came to, as a value: the plan(s), what the
 * transfer did, and how the run ended, derived from them (the entry maps that to an exit code).
 * {@link TextReport} and {@link JsonReport} render it; neither decides anything (SYNC.md, "Exit
 * codes" and "JSON output").
 *
 * @param plans    one plan (upload, download) or both directions' (status)
 * @param result   what the transfer did; null when nothing ran (a dry run, nothing to do, a refusal)
 * @param refusal  why the run stopped after the plan and before any byte moved (not confirmed, the
 *                 deletion bound, too little disk space), or null
 * @param changesNothing a dry run or status: it is DONE whatever the plan holds
 * @param unsynced folders that look like data but are not synced (SYNC.md, "What is synced"); warned
 *                 about before the plan, and they leave the run LEFT_UNTOUCHED
 */
public record SyncOutcome(
        List<Planned> plans,
        Transfer.Result result,
        Refusal refusal,
        boolean changesNothing,
        List<DataDirs.Note> unsynced) {
    /**
     * A plan with what its rendering needs besides the plan itself; {@code inSync}: files neither
     * side needs to touch; {@code empty}: the store holds nothing at all under its prefix (null: it does).
     */
    public record Planned(
            SyncPlan plan,
            String store,
            Path repo,
            List<String> scopes,
            List<String> outside,
            int inSync,
            Empty empty) {
        public Planned(SyncPlan plan, String store, Path repo, List<String> scopes, List<String> outside, int inSync) {
            this(plan, store, repo, scopes, outside, inSync, null);
        }
    }

    /**
     * A store that holds nothing under its prefix (SYNC.md, "Exit codes"): a download from it is
     * never "already in sync" (a new bucket, or a mistyped SYNC_PREFIX or BUCKET_NAME).
     *
     * @param prefix        SYNC_PREFIX ("" for the bucket's root)
     * @param keysElsewhere the bucket holds keys outside the prefix
     * @param folder        the store is SYNC_TARGET's folder, not a bucket (an unmounted filesystem looks empty)
     */
    public record Empty(String prefix, boolean keysElsewhere, boolean folder) {
        public String words() {
            if (folder)
                return "the SYNC_TARGET folder holds nothing"
                        + (prefix.isEmpty() ? "" : " under '" + prefix + "' (SYNC_PREFIX)")
                        + ": is its filesystem mounted, and SYNC_TARGET right?";
            return "the bucket holds nothing under "
                    + (prefix.isEmpty() ? "its root (SYNC_PREFIX is empty)" : "'" + prefix + "' (SYNC_PREFIX)")
                    + (keysElsewhere
                            ? "; it does hold keys elsewhere: is SYNC_PREFIX right?"
                            : prefix.isEmpty()
                                    ? ": a new bucket, or another BUCKET_NAME?"
                                    : ", nor anywhere else: a new bucket, or another BUCKET_NAME?");
        }
    }

    /** A run stopped between plan and transfer: how it ended, and the one line that says why. */
    public record Refusal(Ending kind, String message) {}

    public static SyncOutcome status(List<Planned> plans) {
        return new SyncOutcome(List.copyOf(plans), null, null, true, List.of());
    }

    public Planned planned() {
        return plans.get(0);
    }

    public boolean interrupted() {
        return result != null && result.interrupted() != null;
    }

    /**
     * How the run ended (SYNC.md, "Exit codes"): a refusal's own; INTERRUPTED; FAILED when an item
     * failed; LEFT_UNTOUCHED when conflicts or refused items were left, a write lost a race, or a
     * data folder is not synced; else DONE.
     */
    public Ending ending() {
        if (refusal != null) return refusal.kind();
        if (interrupted()) return Ending.INTERRUPTED;
        if (result != null && !result.failures().isEmpty()) return Ending.FAILED;
        if (changesNothing) return Ending.DONE;
        boolean untouched = planned().plan().leftUntouched() > 0
                || !unsynced.isEmpty()
                || (result != null && !result.conflicts().isEmpty());
        return untouched ? Ending.LEFT_UNTOUCHED : Ending.DONE;
    }
}
