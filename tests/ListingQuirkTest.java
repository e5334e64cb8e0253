import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Listings that are not complete (SYNC.md, "Servers that are not AWS"): each way a
 * filesystem-backed server is documented to list a bucket wrong is played by the fault proxy
 * ({@link ServerQuirks}), and the whole cycle must hold on two clones: upload, a fresh clone's
 * download byte for byte, a no-op both ways, and a {@code download --delete} that deletes what the
 * other machine deleted and nothing else. Nothing is ever concluded absent from a listing that
 * could be incomplete.
 */
class ListingQuirkTest {
    static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void cleanUp() {
        proxy.close();
    }

    Path config(String name) throws IOException {
        return bucket.config(
                Files.createDirectories(tmp.resolve("cfg-" + name)), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
    }

    static void assertExit(int code, Repo.Run r) {
        assertEquals(code, r.code(), r::toString);
    }

    /** Writes that reach the server for data (not the tool's own probe and manifests). */
    int dataWrites() {
        return proxy.count(FaultProxy.Kind.PUT)
                + proxy.count(FaultProxy.Kind.CREATE_MULTIPART)
                + proxy.count(FaultProxy.Kind.DELETE);
    }

    /**
     * Results laid out as users have them: exp1/ holds only folders (data/, reports/), and so do
     * exp1/data/ and exp1/reports/ (a folder per run): the shapes the folder-hiding quirks leave
     * out. exp2/data/ holds a file directly, so a bucket that hides exp1/ is not empty.
     */
    static Repo filled(Repo a) {
        a.write("exp1/data/run-1/metrics.csv", "step,loss\n1,0.5\n", T0);
        a.write("exp1/data/run-1/ckpt/weights.bin", "weights 1\n", T0 + 1);
        a.write("exp1/data/run-2/metrics.csv", "step,loss\n1,0.4\n", T0 + 2);
        a.write("exp1/data/run-2/notes.txt", "second run\n", T0 + 3);
        a.write("exp1/reports/run-1/summary.md", "# run 1\n", T0 + 4);
        a.write("exp2/data/top.txt", "directly in the data dir\n", T0 + 5);
        for (int i = 0; i < 5; i++)
            a.write("exp2/data/sub/more-" + i + ".txt", "one folder down " + i + "\n", T0 + 6 + i);
        return a;
    }

    static Stream<Arguments> quirks() {
        return Stream.of(
                Arguments.of("folders hidden at the root", EnumSet.of(ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT)),
                Arguments.of("folders hidden one level down", EnumSet.of(ServerQuirks.Quirk.HIDES_FOLDERS_ONE_DOWN)),
                Arguments.of(
                        "folders hidden at both levels",
                        EnumSet.of(
                                ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT, ServerQuirks.Quirk.HIDES_FOLDERS_ONE_DOWN)),
                Arguments.of("directory markers listed", EnumSet.of(ServerQuirks.Quirk.LISTS_MARKERS)),
                Arguments.of("page tokens repeated", EnumSet.of(ServerQuirks.Quirk.REPEATS_PAGE_TOKENS)),
                Arguments.of(
                        "lambda-like, folders hidden at the root",
                        lambdaLike(ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT)),
                Arguments.of("every listing quirk", EnumSet.copyOf(ServerQuirks.LISTINGS)));
    }

    static Set<ServerQuirks.Quirk> lambdaLike(ServerQuirks.Quirk q) {
        EnumSet<ServerQuirks.Quirk> s = EnumSet.copyOf(ServerQuirks.LAMBDA_LIKE);
        s.add(q);
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quirks")
    void theWholeCycleHoldsOnTwoClones(String name, Set<ServerQuirks.Quirk> quirks) throws IOException {
        proxy.quirks(quirks);
        Repo a = filled(Repo.init(tmp.resolve("a"), config("a")));
        assertExit(0, a.run("upload", "--yes"));
        assertEquals(
                a.dataFiles(),
                bucket.contents().entrySet().stream()
                        .filter(e -> !e.getKey().startsWith(".lambda-sync/"))
                        .collect(TreeMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));

        // A fresh clone finds every key: never "nothing to do" over a full bucket.
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        assertExit(0, down);
        assertEquals(a.dataFiles(), b.dataFiles(), down::toString);
        assertFalse(down.out().contains("already in sync"), down::toString);
        if (quirks.contains(ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT)
                || quirks.contains(ServerQuirks.Quirk.HIDES_FOLDERS_ONE_DOWN))
            assertEquals(
                    1,
                    down.err().split("leaves folders out of its listings with delimiter=/", -1).length - 1,
                    down::toString);
        if (quirks.contains(ServerQuirks.Quirk.LISTS_MARKERS))
            assertTrue(down.out().contains("directory marker(s) or empty folder(s)"), down::toString);
        if (quirks.contains(ServerQuirks.Quirk.REPEATS_PAGE_TOKENS)) // given again, each token is asked for once
        assertTrue(proxy.count(FaultProxy.Kind.LIST, "continuation-token=") > 0, proxy::journal);

        // No-op both ways: nothing read as deleted in the bucket, nothing written.
        int writes = dataWrites();
        Repo.Run upAgain = a.run("upload", "--yes");
        assertExit(0, upAgain);
        assertTrue(upAgain.out().contains("nothing to do: 11 files already in sync"), upAgain::toString);
        Repo.Run downAgain = b.run("download", "--yes");
        assertExit(0, downAgain);
        assertTrue(downAgain.out().contains("nothing to do: 11 files already in sync"), downAgain::toString);
        assertEquals(writes, dataWrites(), proxy::journal);

        // One file deleted on a, passed on: b deletes that one and nothing else.
        a.delete("exp1/data/run-2/notes.txt");
        assertExit(0, a.run("upload", "--yes", "--delete"));
        Repo.Run del = b.run("download", "--yes", "--delete");
        assertExit(0, del);
        assertEquals(a.dataFiles(), b.dataFiles(), del::toString);
        assertEquals(10, b.dataFiles().size());
    }

    /**
     * A key that is also a folder ({@code a} beside {@code a/b}; here the folder's key is played by
     * the proxy, as a filesystem-backed test server cannot hold both) and a server that drops such
     * a key from its listings: b, which synced {@code a}, neither reads it as deleted nor deletes
     * it (a HEAD finds it); neither is downloaded or uploaded (a disk cannot hold both); both are
     * named as refused. (A machine that never synced {@code a} cannot know of it: a HEAD per folder
     * would cost too much.)
     */
    @Test
    void aKeyThatIsAlsoAFolderIsNeitherSyncedNorReadAsDeleted() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/a", "a file\n", T0);
        a.write("exp/data/other.txt", "other\n", T0);
        assertExit(0, a.run("upload", "--yes"));
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertExit(0, b.run("download", "--yes"));

        proxy.quirks(EnumSet.of(ServerQuirks.Quirk.DROPS_FILE_ALSO_FOLDER));
        proxy.on(FaultProxy.Kind.LIST, "prefix=exp/data/", FaultProxy.Fault.injectKeys("exp/data/a/b"))
                .always();
        int gets = proxy.count(FaultProxy.Kind.GET), writes = dataWrites();
        Repo.Run del = b.run("download", "--yes", "--delete");
        assertExit(4, del);
        assertEquals("a file\n", b.text("exp/data/a"));
        assertTrue(del.out().contains("both a file and a folder named exp/data/a"), del::toString);
        Repo.Run up = a.run("upload", "--yes", "--delete");
        assertExit(4, up);
        assertEquals(gets, proxy.count(FaultProxy.Kind.GET), proxy::journal); // neither one downloaded
        assertEquals(writes, dataWrites(), proxy::journal);
        assertEquals("a file\n", bucket.text("exp/data/a"));
    }

    /** An empty folder a server lists as a key ending in '/': not a file, not a deletion, said once. */
    @Test
    void anEmptyFolderListedIsNeitherAFileNorADeletion() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/x.txt", "x\n", T0);
        assertExit(0, a.run("upload", "--yes"));
        proxy.on(FaultProxy.Kind.LIST, "prefix=exp/data/", FaultProxy.Fault.injectKeys("exp/data/empty/"))
                .always();
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes", "--delete");
        assertExit(0, down);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertFalse(b.exists("exp/data/empty"), down::toString);
        assertEquals(
                1, down.out().split("directory marker\\(s\\) or empty folder\\(s\\)", -1).length - 1, down::toString);
        Repo.Run again = a.run("upload", "--yes", "--delete");
        assertExit(0, again);
        assertTrue(again.out().contains("nothing to do: 1 file already in sync"), again::toString);
    }

    /** doctor learns, reading only, whether the root's delimiter listing shows every folder, and prints it. */
    @Test
    void doctorTellsWhetherDelimiterListingsShowEveryFolder() throws IOException {
        Repo a = filled(Repo.init(tmp.resolve("a"), config("a")));
        assertExit(0, a.run("upload", "--yes"));
        Repo.Run good = a.run("doctor", "--read-only");
        assertTrue(good.out().matches("(?s).*list-folders\\s+yes.*"), good::toString);

        proxy.quirks(EnumSet.of(ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT));
        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run bad = b.run("doctor", "--read-only");
        assertTrue(bad.out().matches("(?s).*list-folders\\s+no.*"), bad::toString);
    }

    /**
     * The root hides the folders that hold only folders, but shows one that holds a file (another
     * tool's notes): the bucket does not look empty, yet a fresh clone must not miss exp1/.
     */
    @Test
    void aRootShowingOnlyFoldersThatHoldFilesIsCheckedFlat() throws IOException {
        proxy.quirks(EnumSet.of(ServerQuirks.Quirk.HIDES_FOLDERS_AT_ROOT));
        Repo a = filled(Repo.init(tmp.resolve("a"), config("a")));
        assertExit(0, a.run("upload", "--yes"));
        bucket.put("misc/notes.txt", "another tool's notes\n");
        bucket.put("exp2/data/more.txt", "exp2 holds a file directly now\n");
        bucket.put("exp2/readme.txt", "so exp2/ is shown\n");

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run down = b.run("download", "--yes");
        assertExit(0, down);
        a.write("exp2/data/more.txt", "exp2 holds a file directly now\n");
        assertEquals(a.dataFiles(), b.dataFiles(), down::toString);
        assertTrue(down.out().contains("not synced (outside */data/ and */reports/): 2 key(s)"), down::toString);
    }
}
