package lib.local;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.common.StopException;
import lib.plan.Reason;

/**
 * This machine's side: every regular file under the data dirs, by repo-relative path, with
 * size and modification time. Symlinks are never followed (a link can lead out of the repo);
 * they are reported as skipped, and so is whatever cannot be read (SyncRun shields what lies
 * at or below both). Nothing outside the data dirs is ever read.
 */
public final class LocalTree {
    public record LocalFile(String rel, long size, long mtime) {}

    public record Skipped(String rel, Reason.Skip why) {}

    public final Map<String, LocalFile> files = new HashMap<>();
    public final List<Skipped> skipped = new ArrayList<>();
    /** Download temp files left by an interrupted run (safe to remove: we hold the lock). */
    public final List<Path> staleTemps = new ArrayList<>();

    public static LocalTree scan(DataDirs dirs, SyncIgnore ignore) {
        LocalTree tree = new LocalTree();
        for (String dir : dirs.dirs) {
            if (!dirs.scopes.isEmpty()
                    && dirs.scopes.stream().noneMatch(s -> s.startsWith(dir + "/") || (dir + "/").startsWith(s)))
                continue;
            tree.walk(dirs, ignore, dir);
        }
        return tree;
    }

    private void walk(DataDirs dirs, SyncIgnore ignore, String dir) {
        Path start = dirs.root.resolve(dir);
        if (Files.isSymbolicLink(start)) {
            skipped.add(new Skipped(dir + "/", new Reason.Skip(Reason.Skip.Kind.SYMLINK)));
            return;
        }
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    String rel = rel(dirs.root, d);
                    if (!d.equals(start) && ignore.excludes(rel, true)) return FileVisitResult.SKIP_SUBTREE;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    visit(dirs, ignore, f, attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    // Mostly a folder that cannot be listed: what it holds is unknown, never "deleted".
                    String rel = rel(dirs.root, f) + (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) ? "/" : "");
                    skipped.add(new Skipped(rel, new Reason.Skip(Reason.Skip.Kind.UNREADABLE, why(e))));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw StopException.failure("cannot read " + start + ": " + e.getMessage(), e);
        }
    }

    /** One file: a temp of ours to clear, out of scope, skipped with its reason, or one to sync. */
    private void visit(DataDirs dirs, SyncIgnore ignore, Path f, BasicFileAttributes attrs) {
        String rel = rel(dirs.root, f);
        if (SyncIgnore.isOwnTemp(f.getFileName().toString()) && attrs.isRegularFile()) staleTemps.add(f);
        else if (!dirs.inScope(rel) || ignore.excludes(rel, false)) return;
        else if (attrs.isSymbolicLink()) skipped.add(new Skipped(rel, new Reason.Skip(Reason.Skip.Kind.SYMLINK)));
        else if (!attrs.isRegularFile()) skipped.add(new Skipped(rel, new Reason.Skip(Reason.Skip.Kind.NOT_REGULAR)));
        else if (dirs.keyRefusal(rel) != null)
            skipped.add(new Skipped(rel, new Reason.Skip(Reason.Skip.Kind.BAD_NAME, dirs.keyRefusal(rel))));
        else
            files.put(
                    rel,
                    new LocalFile(rel, attrs.size(), attrs.lastModifiedTime().toMillis()));
    }

    /** "permission denied", or the system's own words for another failure. */
    static String why(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getClass().getSimpleName();
    }

    static String rel(Path root, Path p) {
        return DataDirs.rel(root, p); // a backslash in a name must not become a folder separator
    }

    /** Reads a file's current size and mtime, or null if it is gone or not a regular file. */
    public static LocalFile stat(Path root, String rel) {
        try {
            BasicFileAttributes a =
                    Files.readAttributes(root.resolve(rel), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile()
                    ? new LocalFile(rel, a.size(), a.lastModifiedTime().toMillis())
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Renames a finished temp file over {@code dest}: atomically where the file system can, so readers never see half a file. */
    public static void replace(Path tmp, Path dest) throws IOException {
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
