package lib.sync;

import java.util.List;
import lib.common.Units;
import lib.plan.PlanPrinter;
import lib.store.Store;

/** How the interrupted uploads a store holds are told (status, doctor; SYNC.md, "Resuming"). */
public final class UnfinishedUploads {
    private UnfinishedUploads() {}

    /** "2 unfinished uploads hold 48.0 MiB on the server: a.bin (32.0 MiB, resumable here), …" */
    public static String describe(List<Store.Unfinished> pending) {
        long bytes = pending.stream().mapToLong(Store.Unfinished::bytes).sum();
        List<String> each = pending.stream()
                .limit(5)
                .map(u -> PlanPrinter.shown(u.rel()) + " (" + Units.bytes(u.bytes())
                        + (u.resumable() ? ", resumable here" : ", no journal here") + ")")
                .toList();
        return pending.size() + (pending.size() == 1 ? " unfinished upload holds " : " unfinished uploads hold ")
                + Units.bytes(bytes) + " on the server: " + String.join(", ", each)
                + (pending.size() > each.size() ? ", …" : "");
    }
}
