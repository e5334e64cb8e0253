import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import lib.common.ContentHash;
import lib.local.LocalTree;
import lib.state.SyncState;
import lib.sync.Snapshot;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Snapshot}: a copy of a file still being written is taken only where it cannot tear the
 * bucket's copy: a log appended to, a new file; never a file rewritten in place, nor one rewritten
 * while it is copied (the hook rewrites it between the copy and the second read).
 */
@Tag("unit")
class SnapshotTest {
    @TempDir
    Path tmp;

    Path file(String text) throws Exception {
        return Files.writeString(tmp.resolve("metrics.jsonl"), text);
    }

    static SyncState.Entry synced(String text) {
        return new SyncState.Entry(text.length(), 1, "etag", ContentHash.md5Hex(text.getBytes()));
    }

    Snapshot.Taken take(Path f, SyncState.Entry synced, Runnable afterCopy) throws Exception {
        return Snapshot.take(
                "exp/data/metrics.jsonl", f, tmp.resolve("copies/exp/data/metrics.jsonl"), synced, afterCopy);
    }

    @Test
    void aLogAppendedToIsCopiedAsWrittenSoFarWithItsMtime() throws Exception {
        Path f = file("{\"step\": 1}\n{\"step\": 2}\n");
        long mtime = Files.getLastModifiedTime(f).toMillis();
        Snapshot.Taken t = take(f, synced("{\"step\": 1}\n"), () -> append(f, "{\"step\": 3}\n"));
        assertEquals(Snapshot.Outcome.TAKEN, t.outcome());
        assertEquals(new LocalTree.LocalFile("exp/data/metrics.jsonl", 24, mtime), t.copy());
        Path copy = tmp.resolve("copies/exp/data/metrics.jsonl");
        assertEquals(
                "{\"step\": 1}\n{\"step\": 2}\n", Files.readString(copy), "the prefix as it was, not the late line");
        assertEquals(mtime, Files.getLastModifiedTime(copy).toMillis());
    }

    @Test
    void aNewFileIsCopied() throws Exception {
        assertEquals(
                Snapshot.Outcome.TAKEN,
                take(file("first lines\n"), null, () -> {}).outcome());
    }

    @Test
    void aFileRewrittenInPlaceIsNotCopied() throws Exception {
        Path f = file("epoch 2 weights, longer than before\n");
        assertEquals(
                Snapshot.Outcome.REWRITTEN,
                take(f, synced("epoch 1 weights\n"), () -> {}).outcome());
        Path shorter = file("epoch 3\n");
        assertEquals(
                Snapshot.Outcome.REWRITTEN,
                take(shorter, synced("epoch 1 weights\n"), () -> {}).outcome());
        assertEquals(
                Snapshot.Outcome.REWRITTEN,
                take(f, new SyncState.Entry(3, -1, "etag", ""), () -> {}).outcome(),
                "no MD5 of the bucket's copy: nothing proves the file only grew");
    }

    @Test
    void aFileRewrittenWhileItIsCopiedIsNotCopied() throws Exception {
        Path f = file("epoch 1 weights\n");
        Snapshot.Taken t = take(f, null, () -> write(f, "epoch 2 weights, half wri"));
        assertEquals(Snapshot.Outcome.UNSTEADY, t.outcome());
        Path g = file("epoch 1 weights\n");
        assertEquals(
                Snapshot.Outcome.UNSTEADY,
                take(g, null, () -> write(g, "epoch")).outcome(),
                "truncated");
    }

    static void append(Path f, String text) {
        try {
            Files.writeString(f, text, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void write(Path f, String text) {
        try {
            Files.writeString(f, text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
