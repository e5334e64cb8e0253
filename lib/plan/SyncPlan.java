package lib.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.ContentHash;
import lib.local.LocalTree;
import lib.state.SyncState;
import lib.store.Store;

/**
 * Decides, touching nothing: from this machine's files, the store's objects and the
 * last-sync state, what one direction of sync does with each path (SYNC.md, "The sync rules").
 *
 * <p>The rule: the command's direction says which side's changes count. Nothing is deleted
 * without --delete, and --delete passes on only the source side's own deletions (paths its
 * state knows); content that exists only on the destination (changed there since the last
 * sync, or never synced from here) is never overwritten or deleted without --force. Whatever
 * is deleted, or overwritten by --force, goes to the trash first (SYNC.md, "The trash").
 */
public final class SyncPlan {
    public enum Direction {
        UPLOAD,
        DOWNLOAD
    }

    /** How one side differs from the last-sync state. ABSENT and NEW only occur without state. */
    public enum Change {
        ABSENT,
        NEW,
        UNCHANGED,
        CHANGED,
        DELETED
    }

    /** What the plan does with a path; {@code json} is its name in --json (SYNC.md), {@code heading} in the printed plan. */
    public enum Action {
        PUT("put", "upload"),
        GET("get", "download"),
        DELETE_REMOTE("delete-remote", "delete in bucket"),
        DELETE_LOCAL("delete-local", "delete here (to trash)"),
        RECORD("record", "record as in sync"),
        FORGET("forget", "forget (gone both sides)"),
        KEEP("keep", "kept as is"),
        CONFLICT("conflict", "conflicts (untouched)"),
        SKIP("skip", "skipped");
        public final String json, heading;

        Action(String json, String heading) {
            this.json = json;
            this.heading = heading;
        }

        public boolean changesSomething() {
            return this == PUT || this == GET || this == DELETE_REMOTE || this == DELETE_LOCAL;
        }
    }

    /** @param trash the destination's copy goes to .lambda-sync/trash/ before it is overwritten or deleted (a bucket copy is downloaded there) */
    public record Decision(Action action, Reason.Rule why, boolean trash) {}

    /** One path of the plan; {@code trash} as in {@link Decision}. */
    public record Item(
            String rel,
            Action action,
            Reason why,
            boolean trash,
            long bytes,
            LocalTree.LocalFile local,
            Store.Remote remote) {}

    /** What the checker learned by hashing: whether local content equals the state's, and the store's. */
    public record Facts(Map<String, String> localMd5, Set<String> touchedOnly, Set<String> sameContent) {}

    public record Options(boolean force, boolean delete) {}

    public final Direction direction;
    public final List<Item> items;
    public final String id;

    private SyncPlan(Direction direction, List<Item> items, String id) {
        this.direction = direction;
        this.items = items;
        this.id = id;
    }

    // ---- the rule, as a pure function ------------------------------------------------------

    /**
     * One row of the table in SYNC.md ("The sync rules"). {@code same} says whether both sides hold the same
     * bytes (only asked when both are present and that matters).
     */
    public static Decision decide(Direction dir, Change local, Change remote, boolean same, Options opt) {
        boolean up = dir == Direction.UPLOAD;
        Change src = up ? local : remote, dst = up ? remote : local;
        Action transfer = up ? Action.PUT : Action.GET;
        Action deleteDst = up ? Action.DELETE_REMOTE : Action.DELETE_LOCAL;

        if (src == Change.UNCHANGED && dst == Change.UNCHANGED) return null; // in sync
        if (src == Change.DELETED && dst == Change.DELETED)
            return new Decision(Action.FORGET, Reason.Rule.DELETED_ON_BOTH_SIDES, false);
        boolean bothNew = src == Change.NEW && dst == Change.NEW;
        if (bothNew || (src == Change.CHANGED && dst == Change.CHANGED))
            return bothChanged(bothNew, transfer, same, opt);
        if (src == Change.NEW || src == Change.CHANGED) return changedAtSource(up, src, dst, transfer);
        if (src == Change.UNCHANGED && dst == Change.DELETED) {
            return new Decision(transfer, Reason.Rule.DELETED_AT_DESTINATION_RESTORED, false);
        }
        if (src == Change.UNCHANGED && dst == Change.CHANGED) {
            return new Decision(Action.KEEP, Reason.Rule.CHANGED_AT_DESTINATION, false);
        }
        if (src == Change.DELETED && dst == Change.UNCHANGED) {
            if (opt.delete()) return new Decision(deleteDst, Reason.Rule.DELETED_AT_SOURCE_PASSED_ON, true);
            return new Decision(Action.KEEP, Reason.Rule.DELETED_AT_SOURCE_KEPT, false);
        }
        if (src == Change.DELETED && dst == Change.CHANGED) return deletedAtSourceChangedAtDestination(deleteDst, opt);
        if (src == Change.ABSENT && dst == Change.NEW) {
            // Never synced on the source side, so not a deletion this machine made: --delete alone
            // passes on only this machine's own deletions (another machine's new result stays).
            if (opt.delete() && opt.force())
                return new Decision(deleteDst, Reason.Rule.NEW_AT_DESTINATION_FORCED, true);
            return new Decision(Action.KEEP, Reason.Rule.NEW_AT_DESTINATION_KEPT, false);
        }
        throw new IllegalStateException("no rule for " + dir + " local=" + local + " remote=" + remote);
    }

    /** Both sides changed, or both present with no state: the contents decide. */
    private static Decision bothChanged(boolean bothNew, Action transfer, boolean same, Options opt) {
        if (same) return new Decision(Action.RECORD, Reason.Rule.SAME_CONTENT, false);
        if (opt.force()) return new Decision(transfer, Reason.Rule.CONFLICT_FORCED, true);
        return new Decision(
                Action.CONFLICT,
                bothNew ? Reason.Rule.CONFLICT_NEVER_SYNCED : Reason.Rule.CONFLICT_CHANGED_ON_BOTH_SIDES,
                false);
    }

    /**
     * dst is UNCHANGED, ABSENT or DELETED: nothing there that this machine has not synced. A download
     * still keeps the local copy it replaces in the trash: the bucket no longer holds that content
     * (another machine replaced it), so this may be its last copy.
     */
    private static Decision changedAtSource(boolean up, Change src, Change dst, Action transfer) {
        Reason.Rule why = src == Change.NEW
                ? Reason.Rule.NEW_AT_SOURCE
                : dst == Change.DELETED ? Reason.Rule.CHANGED_AT_SOURCE_RESTORED : Reason.Rule.CHANGED_AT_SOURCE;
        return new Decision(transfer, why, !up && dst == Change.UNCHANGED);
    }

    private static Decision deletedAtSourceChangedAtDestination(Action deleteDst, Options opt) {
        if (opt.delete() && opt.force())
            return new Decision(deleteDst, Reason.Rule.DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_FORCED, true);
        if (opt.delete())
            return new Decision(Action.CONFLICT, Reason.Rule.DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_CONFLICT, false);
        return new Decision(Action.KEEP, Reason.Rule.DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_KEPT, false);
    }

    /** How a side differs from the state entry (null: no state for this path). */
    public static Change localChange(LocalTree.LocalFile l, SyncState.Entry s, boolean touchedOnly) {
        if (s == null) return l == null ? Change.ABSENT : Change.NEW;
        if (l == null) return Change.DELETED;
        return (l.size() == s.size() && l.mtime() == s.mtime()) || touchedOnly ? Change.UNCHANGED : Change.CHANGED;
    }

    public static Change remoteChange(Store.Remote r, SyncState.Entry s) {
        if (s == null) return r == null ? Change.ABSENT : Change.NEW;
        if (r == null) return Change.DELETED;
        return r.size() == s.size() && r.tag().equals(s.tag()) ? Change.UNCHANGED : Change.CHANGED;
    }

    /** Paths whose decision needs hashing: local files that may only have been touched, and pairs to compare. */
    public static boolean needsLocalHash(LocalTree.LocalFile l, Store.Remote r, SyncState.Entry s) {
        if (l == null) return false;
        if (s != null && l.size() == s.size() && l.mtime() != s.mtime()) return true;
        return needsComparison(l, r, s);
    }

    public static boolean needsComparison(LocalTree.LocalFile l, Store.Remote r, SyncState.Entry s) {
        if (l == null || r == null || l.size() != r.size()) return false;
        if (s == null) return true;
        boolean localChanged = !(l.size() == s.size() && l.mtime() == s.mtime());
        return localChanged && remoteChange(r, s) == Change.CHANGED;
    }

    // ---- the whole plan ----------------------------------------------------------------------

    public static SyncPlan build(
            Direction dir,
            Map<String, LocalTree.LocalFile> local,
            Map<String, Store.Remote> remote,
            Map<String, SyncState.Entry> state,
            Facts facts,
            List<Item> skipped,
            Options opt,
            String storeIdentity) {
        Set<String> paths = new HashSet<>(local.keySet());
        paths.addAll(remote.keySet());
        paths.addAll(state.keySet());
        List<Item> items = new ArrayList<>();
        for (String rel : paths) {
            LocalTree.LocalFile l = local.get(rel);
            Store.Remote r = remote.get(rel);
            SyncState.Entry s = state.get(rel);
            if (l == null && r == null && s == null) continue;
            Change lc = localChange(l, s, facts.touchedOnly().contains(rel));
            Change rc = remoteChange(r, s);
            Decision d = decide(dir, lc, rc, facts.sameContent().contains(rel), opt);
            if (d == null) {
                if (facts.touchedOnly().contains(rel))
                    items.add(new Item(rel, Action.RECORD, Reason.Rule.TOUCHED_ONLY, false, 0, l, r));
                continue;
            }
            long bytes = d.action() == Action.PUT ? l.size() : d.action() == Action.GET ? r.size() : 0;
            items.add(new Item(rel, d.action(), d.why(), d.trash(), bytes, l, r));
        }
        makeRoom(dir, items, dir == Direction.UPLOAD ? remote.keySet() : local.keySet(), opt);
        items.addAll(skipped);
        items.sort((a, b) -> a.rel().compareTo(b.rel()));
        return new SyncPlan(dir, Collections.unmodifiableList(items), planId(dir, storeIdentity, items));
    }

    /**
     * A file replaced by a folder of the same name, or the reverse (k.txt became k.txt/x): a
     * transfer whose destination holds a file at one of its parent paths, or files below its
     * own path. A server on a file system cannot hold both, and neither can a disk, so the
     * destination's copies in the way are deleted first, to the trash (Transfer runs these
     * deletions before any transfer). That is this side's own change passed on when the source
     * deleted them since the last sync, with or without --delete; otherwise only with --force,
     * and without it the transfers in their way are conflicts.
     */
    static void makeRoom(Direction dir, List<Item> items, Set<String> dstFiles, Options opt) {
        Action transfer = dir == Direction.UPLOAD ? Action.PUT : Action.GET;
        Action deleteDst = dir == Direction.UPLOAD ? Action.DELETE_REMOTE : Action.DELETE_LOCAL;
        java.util.NavigableSet<String> dst = new java.util.TreeSet<>(dstFiles);
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int k = 0; k < items.size(); k++) index.put(items.get(k).rel(), k);
        Map<String, List<Integer>> blocked = new java.util.LinkedHashMap<>(); // path in the way -> transfers it blocks
        for (int k = 0; k < items.size(); k++) {
            Item i = items.get(k);
            if (i.action() != transfer) continue;
            for (int slash = i.rel().lastIndexOf('/');
                    slash > 0;
                    slash = i.rel().lastIndexOf('/', slash - 1)) {
                String parent = i.rel().substring(0, slash);
                if (dst.contains(parent))
                    blocked.computeIfAbsent(parent, p -> new ArrayList<>()).add(k);
            }
            for (String below : dst.subSet(i.rel() + "/", i.rel() + "0"))
                blocked.computeIfAbsent(below, p -> new ArrayList<>()).add(k);
        }
        blocked.forEach((w, transfers) -> {
            Integer at = index.get(w);
            Item in = at == null ? null : items.get(at);
            if (in == null || in.action() == transfer)
                return; // both sides hold both (not a file system): the server says why
            boolean deletedAtSource = in.why() == Reason.Rule.DELETED_AT_SOURCE_KEPT
                    || in.why() == Reason.Rule.DELETED_AT_SOURCE_PASSED_ON;
            if (deletedAtSource || opt.force()) {
                Reason.Rule why = !deletedAtSource
                        ? Reason.Rule.IN_THE_WAY_FORCED
                        : w.length() < items.get(transfers.get(0)).rel().length()
                                ? Reason.Rule.REPLACED_BY_FOLDER
                                : Reason.Rule.REPLACED_BY_FILE;
                items.set(at, new Item(w, deleteDst, why, true, 0, in.local(), in.remote()));
            } else {
                for (int k : transfers) {
                    Item t = items.get(k);
                    items.set(
                            k,
                            new Item(
                                    t.rel(),
                                    Action.CONFLICT,
                                    Reason.Rule.IN_THE_WAY_CONFLICT,
                                    false,
                                    0,
                                    t.local(),
                                    t.remote()));
                }
            }
        });
    }

    /** A stable hash of every action: the same state gives the same id, any change another. */
    static String planId(Direction dir, String storeIdentity, List<Item> items) {
        MessageDigest md = ContentHash.md5();
        md.update((dir + "\n" + storeIdentity + "\n").getBytes(StandardCharsets.UTF_8));
        for (Item i : items) {
            String line = i.action() + "\t" + i.rel() + "\t" + i.bytes() + "\t"
                    + (i.local() == null
                            ? "-"
                            : i.local().size() + ":" + i.local().mtime()) + "\t"
                    + (i.remote() == null
                            ? "-"
                            : i.remote().size() + ":" + i.remote().tag()) + "\t" + i.trash() + "\n";
            md.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    }

    public List<Item> of(Action a) {
        return items.stream().filter(i -> i.action() == a).toList();
    }

    public Map<Action, long[]> totals() {
        Map<Action, long[]> t = new EnumMap<>(Action.class);
        for (Item i : items) {
            long[] c = t.computeIfAbsent(i.action(), k -> new long[2]);
            c[0]++;
            c[1] += i.bytes();
        }
        return t;
    }

    /** More deletions than this, or than half of a side of {@link #BOUND_SIDE} files or more, need --max-delete. */
    public static final int BOUND = 50, BOUND_SIDE = 10;

    /**
     * How many of a side's {@code sideFiles} files a run may delete without --max-delete (SYNC.md,
     * "Deletion"): 50, or half of a side of 10 or more. {@code DeletionGate.Policy} holds runs to it.
     */
    public static long bound(long sideFiles) {
        return sideFiles >= BOUND_SIDE ? Math.min(BOUND, sideFiles / 2) : BOUND;
    }

    public long deletions() {
        return items.stream()
                .filter(i -> i.action() == Action.DELETE_REMOTE || i.action() == Action.DELETE_LOCAL)
                .count();
    }

    public boolean hasWork() {
        return items.stream()
                .anyMatch(i ->
                        i.action().changesSomething() || i.action() == Action.RECORD || i.action() == Action.FORGET);
    }

    /** Conflicts and refused items: the run ends LEFT_UNTOUCHED when any are left. */
    public long leftUntouched() {
        return items.stream().filter(i -> i.why().leavesUntouched()).count();
    }
}
