package lib.plan;

import lib.state.StateDir;

/**
 * Why a path is planned as it is. Decisions (how the run ends, what is shielded from deletion)
 * test these values; the words are rendered from them only for people (the plan, --json's
 * "reason"), and never parsed back.
 */
public sealed interface Reason {
    /** The words for a plan in direction {@code d} ("here" and "in bucket" swap with it). */
    String words(SyncPlan.Direction d);

    /** Whether an item with this reason is left for the user to look at: the run then ends LEFT_UNTOUCHED. */
    boolean leavesUntouched();

    /**
     * An outcome of the sync rule (SYNC.md, "The sync rules"). "Source" is the side the command
     * copies from (here for upload), "destination" the other.
     */
    enum Rule implements Reason {
        NEW_AT_SOURCE,
        CHANGED_AT_SOURCE,
        CHANGED_AT_SOURCE_RESTORED,
        DELETED_AT_DESTINATION_RESTORED,
        CHANGED_AT_DESTINATION,
        DELETED_AT_SOURCE_PASSED_ON,
        DELETED_AT_SOURCE_KEPT,
        DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_FORCED,
        DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_CONFLICT(true),
        DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_KEPT,
        NEW_AT_DESTINATION_KEPT,
        NEW_AT_DESTINATION_FORCED,
        DELETED_ON_BOTH_SIDES,
        SAME_CONTENT,
        TOUCHED_ONLY,
        CONFLICT_FORCED,
        CONFLICT_NEVER_SYNCED(true),
        CONFLICT_CHANGED_ON_BOTH_SIDES(true),
        REPLACED_BY_FOLDER,
        REPLACED_BY_FILE,
        IN_THE_WAY_FORCED,
        IN_THE_WAY_CONFLICT(true);

        private final boolean untouched;

        Rule() {
            this(false);
        }

        Rule(boolean untouched) {
            this.untouched = untouched;
        }

        @Override
        public boolean leavesUntouched() {
            return untouched;
        }

        /** A deletion that makes room for a transfer (a file replaced by a folder, or the reverse): it runs before the transfers. */
        public boolean makesRoom() {
            return this == REPLACED_BY_FOLDER || this == REPLACED_BY_FILE || this == IN_THE_WAY_FORCED;
        }

        /** Which command keeps which copy of a conflict, and where the other one goes (SYNC.md, "The sync rules"). */
        static final String
                KEEP_YOURS = "upload --force keeps yours (the bucket's goes to " + StateDir.TRASH_SHOWN + ")",
                TAKE_THE_BUCKETS = "download --force takes the bucket's (yours goes to " + StateDir.TRASH_SHOWN + ")";

        @Override
        public String words(SyncPlan.Direction d) {
            boolean up = d == SyncPlan.Direction.UPLOAD;
            String here = up ? "here" : "in bucket", there = up ? "in bucket" : "here";
            return switch (this) {
                case NEW_AT_SOURCE -> "new " + here;
                case CHANGED_AT_SOURCE -> "changed " + here;
                case CHANGED_AT_SOURCE_RESTORED -> "changed " + here + ", restored";
                case DELETED_AT_DESTINATION_RESTORED -> "deleted " + there + ", restored";
                case CHANGED_AT_DESTINATION ->
                    "changed " + there + " (" + (up ? "download" : "upload") + " to sync it)";
                case DELETED_AT_SOURCE_PASSED_ON -> "deleted " + here + " (--delete)";
                case DELETED_AT_SOURCE_KEPT -> "deleted " + here + " (--delete to delete it " + there + ")";
                case DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_FORCED ->
                    "deleted " + here + ", changed " + there + " (--delete --force)";
                case DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_CONFLICT ->
                    "deleted " + here + " but changed " + there
                            + " since the last sync (--delete --force to delete it)";
                case DELETED_AT_SOURCE_CHANGED_AT_DESTINATION_KEPT -> "deleted " + here + ", changed " + there;
                case NEW_AT_DESTINATION_KEPT ->
                    up
                            ? "new in bucket, never synced here (download to get it; --delete --force to delete it)"
                            : "new here, never uploaded (upload to send it; --delete --force to delete it)";
                case NEW_AT_DESTINATION_FORCED ->
                    (up ? "new in bucket, never synced here" : "new here, never uploaded") + " (--delete --force)";
                case DELETED_ON_BOTH_SIDES -> "deleted on both sides";
                case SAME_CONTENT -> "same content on both sides";
                case TOUCHED_ONLY -> "same content, new modification time";
                case CONFLICT_FORCED -> "conflict overwritten (--force)";
                // Both ways out, the command's own first: neither "download first" nor "upload first"
                // helps, since each meets the same conflict from the other side.
                case CONFLICT_NEVER_SYNCED ->
                    up
                            ? "differs from the bucket's copy, never synced here: " + KEEP_YOURS + ", "
                                    + TAKE_THE_BUCKETS
                            : "differs from your copy here, never synced: " + TAKE_THE_BUCKETS + ", " + KEEP_YOURS;
                case REPLACED_BY_FOLDER ->
                    "replaced " + here + " by a folder of the same name: deleted first, to make room";
                case REPLACED_BY_FILE ->
                    "its folder was replaced " + here + " by a file of the same name: deleted first, to make room";
                case IN_THE_WAY_FORCED ->
                    "in the way of a file or folder of the same name " + here + " (--force): deleted first";
                case IN_THE_WAY_CONFLICT ->
                    "a file and a folder of the same name: the one " + there
                            + " holds content this machine has not synced (--force to replace it)";
                case CONFLICT_CHANGED_ON_BOTH_SIDES ->
                    "changed on both sides since the last sync (--force to take the " + (up ? "local" : "bucket's")
                            + " copy)";
            };
        }
    }

    /** A path the run does not sync, and why; {@code detail} names the particular (a refusal, a link, an error). */
    record Skip(Kind kind, String detail) implements Reason {
        public enum Kind {
            SYMLINK(false),
            NOT_REGULAR(false),
            BAD_NAME(false),
            /** Unreadable here: nothing at or below it is deleted, overwritten or forgotten, on either side. */
            UNREADABLE(true),
            REFUSED_KEY(true),
            /** A store key at or below a local symlink: never written through, never deleted as "only in bucket". */
            UNDER_SYMLINK(true),
            UNDER_UNREADABLE(true),
            /** A store key that is also a folder of other keys ({@code a} beside {@code a/b}), or a key below one. */
            FILE_AND_FOLDER(true);

            final boolean untouched;

            Kind(boolean untouched) {
                this.untouched = untouched;
            }
        }

        public Skip(Kind kind) {
            this(kind, "");
        }

        /** Whether nothing at or below this path may be planned from the other side's listing alone. */
        public boolean shields() {
            return kind == Kind.SYMLINK || kind == Kind.UNREADABLE;
        }

        @Override
        public boolean leavesUntouched() {
            return kind.untouched;
        }

        @Override
        public String words(SyncPlan.Direction d) {
            return switch (kind) {
                case SYMLINK -> "symlink, not followed";
                case NOT_REGULAR -> "not a regular file";
                case BAD_NAME -> "name cannot be a key: " + detail;
                case UNREADABLE -> "unreadable: " + detail;
                case REFUSED_KEY -> "refused: key " + detail;
                case UNDER_SYMLINK -> "refused: " + detail + " is a symlink here; not written through";
                case UNDER_UNREADABLE -> "not touched: " + detail + " is unreadable here";
                case FILE_AND_FOLDER ->
                    "refused: the store holds both a file and a folder named " + detail
                            + " (a disk cannot); delete one of them there";
            };
        }
    }
}
