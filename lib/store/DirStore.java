package lib.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import lib.common.BandwidthLimit;
import lib.common.ContentHash;
import lib.local.DataDirs;
import lib.local.LocalTree;
import lib.local.SyncIgnore;
import lib.sync.Transfer;

/**
 * A plain directory as the far side (SYNC_TARGET, e.g. a Lambda filesystem mounted under
 * /lambda/nfs/…): the same layout as the bucket, {@code <target>/<prefix>/<rel>}. Writes go
 * to a temp file beside the destination and are renamed into place once verified.
 */
public final class DirStore implements Store {
    private final Path target;
    private final Path base;
    /** --bwlimit: the mount is this store's wire (null: no limit). */
    private final BandwidthLimit limit;

    public DirStore(Path target, String prefix) {
        this(target, prefix, null);
    }

    public DirStore(Path target, String prefix, BandwidthLimit limit) {
        this.target = target;
        this.base = prefix.isEmpty() ? target : target.resolve(prefix);
        this.limit = limit;
    }

    @Override
    public long bandwidthLimit() {
        return limit == null ? 0 : limit.bytesPerSecond;
    }

    @Override
    public String describe() {
        return "directory " + base;
    }

    @Override
    public String identity() {
        return "dir:" + base.toAbsolutePath().normalize();
    }

    @Override
    public void list(List<String> scopes, Consumer<Remote> sink, Consumer<String> outside) throws IOException {
        if (!Files.isDirectory(target) && !Files.isDirectory(target.getParent())) {
            throw new StoreException(
                    StoreException.Kind.NO_BUCKET,
                    "SYNC_TARGET " + target + " does not exist, nor does its parent (is the filesystem mounted?)");
        }
        if (!Files.isDirectory(base)) return; // created by the first upload
        if (!scopes.isEmpty()) {
            for (String s : scopes) {
                Path p = base.resolve(s);
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) walk(p, sink);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    sink.accept(remote(s, Files.readAttributes(p, BasicFileAttributes.class)));
            }
            return;
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(base)) {
            for (Path p : top) {
                String name = p.getFileName().toString();
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || name.startsWith(".")) {
                    outside.accept(name + (Files.isDirectory(p) ? "/" : ""));
                    continue;
                }
                try (DirectoryStream<Path> sub = Files.newDirectoryStream(p)) {
                    for (Path d : sub) {
                        String n = d.getFileName().toString();
                        if (DataDirs.isDataDir(name, n) && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
                            walk(d, sink);
                        else outside.accept(name + "/" + n + (Files.isDirectory(d) ? "/" : ""));
                    }
                }
            }
        }
    }

    private void walk(Path dir, Consumer<Remote> sink) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                if (a.isRegularFile() && !SyncIgnore.isOwnTemp(f.getFileName().toString())) {
                    sink.accept(remote(base.relativize(f).toString(), a));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static Remote remote(String rel, BasicFileAttributes a) {
        return new Remote(rel, a.size(), a.size() + ":" + a.lastModifiedTime().toMillis());
    }

    @Override
    public Stored put(String rel, Path file, long mtime, String md5Hex, Remote planned) throws IOException {
        Path dest = base.resolve(rel);
        expectUnchanged(rel, planned);
        Files.createDirectories(dest.getParent());
        Path tmp = Transfer.tempBeside(dest);
        String copied;
        try {
            copied = copy(file, tmp);
            if (md5Hex != null && !copied.equals(md5Hex)) {
                throw new StoreException(
                        StoreException.Kind.CHANGED_WHILE_UPLOADING, rel + " changed while it was being copied");
            }
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(mtime));
            LocalTree.replace(tmp, dest);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Stored(
                remote(rel, Files.readAttributes(dest, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)), copied);
    }

    /** The target file is still what the plan saw (another machine may write the same mount). */
    private void expectUnchanged(String rel, Remote planned) throws IOException {
        Path p = base.resolve(rel);
        Remote now = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                ? remote(rel, Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS))
                : null;
        if (planned == null ? now != null : !planned.equals(now)) {
            throw new StoreException(
                    StoreException.Kind.PRECONDITION,
                    rel + ": changed in the target since the plan was made (another machine?)");
        }
    }

    @Override
    public Fetched get(Remote remote, Path dest) throws IOException {
        Path src = base.resolve(remote.rel());
        BasicFileAttributes before;
        try {
            before = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new StoreException(
                    StoreException.Kind.NOT_FOUND, remote.rel() + ": gone from the target since the plan was made");
        }
        // Only what the plan saw is brought (as If-Match does in a bucket): another machine may write the mount.
        if (!remote(remote.rel(), before).equals(remote)) throw changed(remote.rel(), "since the plan was made");
        String md5 = copy(src, dest);
        BasicFileAttributes after = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!remote(remote.rel(), before).equals(remote(remote.rel(), after)))
            throw changed(remote.rel(), "while it was being copied");
        return new Fetched(remote(remote.rel(), after), after.lastModifiedTime().toMillis(), md5, true);
    }

    private static StoreException changed(String rel, String when) {
        return new StoreException(StoreException.Kind.PRECONDITION, rel + ": changed in the target " + when);
    }

    @Override
    public void delete(Remote planned) throws IOException {
        expectUnchanged(planned.rel(), planned);
        Files.deleteIfExists(base.resolve(planned.rel()));
    }

    @Override
    public boolean sameContent(Remote remote, Path local, String localMd5) throws IOException {
        return ContentHash.md5Hex(base.resolve(remote.rel())).equals(localMd5);
    }

    /** Copies bytes into a new file (within the bandwidth limit) and returns the MD5 of what was copied. */
    private String copy(Path from, Path to) throws IOException {
        MessageDigest md = ContentHash.md5();
        InputStream source = Files.newInputStream(from);
        try (InputStream in = new DigestInputStream(limit == null ? source : limit.throttled(source), md);
                OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public void close() {}
}
