import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lib.store.s3.S3Listing;
import lib.sync.StoreFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the bucket is listed, seen by the requests that reach the server: a data dir whose keys
 * fit the first page takes one request; a bigger one is listed one level deep, then folder by
 * folder side by side (a filesystem-backed server walks the whole tree again for each page of a
 * deep listing), or at once when it has more folders than S3Listing.SPLIT_LIMIT. Either way every
 * key is found. The first page is made a few keys long here, so a few files make a "big" data dir.
 */
class ListingTest {
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

    /** A first listing page of {@code keys} keys, so a few files make a "big" data dir. */
    static StoreFactory.Tuning firstPage(int keys) {
        return new StoreFactory.Tuning(keys, StoreFactory.Tuning.DEFAULT.socketTimeout());
    }

    int listings(Runnable run) {
        int before = proxy.count(FaultProxy.Kind.LIST);
        run.run();
        return proxy.count(FaultProxy.Kind.LIST) - before;
    }

    @Test
    void aSmallDataDirTakesOneListingAndABigOneIsListedFolderByFolder() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/top.txt", "directly in the data dir\n", T0);
        for (int f = 0; f < 4; f++) {
            for (int i = 0; i < 3; i++)
                a.write("exp/data/run-" + f + "/m" + i + ".txt", "run " + f + " file " + i + "\n", T0 + i);
        }
        a.write("exp/data/run-0/deeper/x.txt", "two levels down\n", T0);
        a.write("exp/data/zz.txt", "directly in the data dir, after the folders\n", T0);
        a.write("exp/reports/r.txt", "report\n", T0);
        assertEquals(0, a.run("upload", "--yes").code());

        Repo b = Repo.init(tmp.resolve("b"), config("b"));
        // pages of 1,000 keys: top level, exp/, then each data dir in one request
        assertEquals(2 + 2, listings(() -> assertEquals(0, b.run("status").code())), proxy::journal);

        // 5 keys a page: exp/data/'s first page holds run-0/ (4 keys) whole and run-1/ in part
        Repo b5 = b.withTuning(firstPage(5));
        int lists = listings(() -> assertEquals(0, b5.run("download", "--yes").code()));
        assertEquals(a.dataFiles(), b.dataFiles());
        // top level, exp/, the first page of each data dir, exp/data/ by level, then run-1/ to run-3/
        assertEquals(2 + 2 + 1 + 3, lists, proxy::journal);
        assertEquals(0, b5.run("upload", "--yes").code()); // and nothing is planned twice or missed
        assertEquals(a.dataFiles(), b.dataFiles());
    }

    /**
     * Folders the first page shows whole are not listed again; that rests on S3's order, in which
     * a folder's keys are contiguous. A first page where a folder shows up twice, apart (here a
     * key injected at its end), is another order: then every folder is listed, and none is missed.
     */
    @Test
    void aFirstPageOutOfOrderGetsEveryFolderListed() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        for (int f = 0; f < 4; f++) {
            for (int i = 0; i < 3; i++)
                a.write("exp/data/run-" + f + "/m" + i + ".txt", "run " + f + " file " + i + "\n", T0 + i);
        }
        assertEquals(0, a.run("upload", "--yes").code());

        // 4 keys a page: run-0/ whole, run-1/m0.txt, then the injected run-0/ key
        proxy.on(
                FaultProxy.Kind.LIST,
                "max-keys=4&prefix=exp/data/",
                FaultProxy.Fault.injectKeys("exp/data/run-0/../out-of-order"));
        Repo b = Repo.init(tmp.resolve("b"), config("b")).withTuning(firstPage(4));
        int lists =
                listings(() -> assertEquals(4, b.run("download", "--yes").code())); // 4: the injected key is refused
        assertEquals(a.dataFiles(), b.dataFiles()); // run-1/m1.txt and m2.txt too, though run-1/ was on the first page
        // top level, exp/, the first page of exp/data/ and exp/reports/, exp/data/ by level, then all 4 folders
        assertEquals(2 + 2 + 1 + 4, lists, proxy::journal);
    }

    @Test
    void aBigDataDirWithVeryManyFoldersIsListedAtOnce() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a")).withTuning(firstPage(3));
        int folders = S3Listing.SPLIT_LIMIT + 4;
        a.write("exp/data/top.txt", "directly in the data dir\n", T0);
        for (int f = 0; f < folders; f++)
            a.write(String.format("exp/data/f%03d/x.txt", f), "folder " + f + "\n", T0 + f);
        assertEquals(0, a.run("upload", "--yes").code());

        Repo b = Repo.init(tmp.resolve("b"), config("b")).withTuning(firstPage(3));
        int lists = listings(() -> assertEquals(0, b.run("download", "--yes").code()));
        assertEquals(a.dataFiles(), b.dataFiles());
        // top level, exp/, the first page of exp/data/ and of exp/reports/ (listed whether or not the
        // delimiter listing shows it), exp/data/ by level, then the rest of it at once
        assertEquals(2 + 2 + 1 + 1, lists, proxy::journal);
    }
}
