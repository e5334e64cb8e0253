package lib.store.s3;

import java.nio.file.Path;
import java.util.function.Consumer;
import lib.store.StoreProfile;

/**
 * What a run opened the store with: the repo root (null for doctor outside a repo), the server's
 * profile, and where notices go. Set once by {@link S3Store#open}, or piecewise by doctor; read by
 * every part, so each field is volatile.
 */
final class S3Session {
    private volatile Path root;
    private volatile StoreProfile profile = StoreProfile.transientProfile();
    private volatile Consumer<String> notice = m -> {};

    void open(Path root, StoreProfile profile, Consumer<String> notice) {
        this.root = root;
        this.profile = profile;
        this.notice = notice;
    }

    void useProfile(StoreProfile p) {
        this.profile = p;
    }

    void useRoot(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    StoreProfile profile() {
        return profile;
    }

    /** Tells the run, in words, what it should know (a manifest skipped). */
    void notice(String line) {
        notice.accept(line);
    }
}
