package lib.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import lib.local.LocalTree;

/**
 * The state folder {@code .lambda-sync/} at the repo root and what lives in it (README,
 * "Architecture": State), named in this one place; and the escaping of paths in its TSV files.
 * The bucket's own folder under the prefix has the same name ({@code S3Store.OWN_DIR}).
 */
public final class StateDir {
    private StateDir() {}

    /** The folder's name, here and (under the prefix) in the bucket. */
    public static final String NAME = ".lambda-sync";
    /** The trash as messages name it, here or in the bucket. */
    public static final String TRASH_SHOWN = NAME + "/trash/";
    /** watch's log, as its messages name it. */
    public static final String WATCH_LOG = "watch.log";

    public static Path of(Path root) {
        return root.resolve(NAME);
    }

    /**
     * Creates .lambda-sync/ (the one place that does) with a .gitignore of "*", so that its state,
     * lock and trash never end up in a commit, whatever the repo's own .gitignore says.
     */
    public static Path create(Path root) throws IOException {
        Path dir = of(root);
        Path ignore = dir.resolve(".gitignore");
        if (Files.isRegularFile(ignore)) return dir;
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".gitignore." + ProcessHandle.current().pid() + ".new");
        Files.writeString(
                tmp, "# written by lambda-sync: nothing in this folder belongs in git\n*\n", StandardCharsets.UTF_8);
        LocalTree.replace(tmp, ignore);
        return dir;
    }

    /** The last-sync state, one TSV per store ({@link SyncState}). */
    public static Path state(Path root) {
        return of(root).resolve("state");
    }

    /** What each server was seen to support ({@code StoreProfile}). */
    public static Path profile(Path root) {
        return of(root).resolve("profile");
    }

    /** Journals of interrupted multipart uploads ({@link UploadJournal}). */
    public static Path uploads(Path root) {
        return of(root).resolve("uploads");
    }

    /** Interrupted large downloads and their journals ({@link PartialDownload}). */
    public static Path partial(Path root) {
        return of(root).resolve("partial");
    }

    /** Files runs moved aside or copied out of the bucket, one folder per run ({@code Trash}). */
    public static Path trash(Path root) {
        return of(root).resolve("trash");
    }

    /** The lock one sync at a time holds ({@link RepoLock}). */
    public static Path lock(Path root) {
        return of(root).resolve("lock");
    }

    /** The plans --dry-run showed, for --approve ({@code PlanRecord}). */
    public static Path plans(Path root) {
        return of(root).resolve("plans");
    }

    /** This clone's id, naming its proof manifest in the bucket ({@code ProofManifest}). */
    public static Path machineId(Path root) {
        return of(root).resolve("machine-id");
    }

    public static Path watchLog(Path root) {
        return of(root).resolve(WATCH_LOG);
    }

    /** The lock one watch per repo holds ({@code WatchLock}). */
    public static Path watchLock(Path root) {
        return of(root).resolve("watch.lock");
    }

    /** Copies watch sends of files still being written, emptied after each batch. */
    public static Path watchCopies(Path root) {
        return of(root).resolve("watch-copies");
    }

    /** A path as one TSV field (state, trash and manifest files): tab, newline, CR and backslash escaped. */
    public static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    public static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
