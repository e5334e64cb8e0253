import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the bucket is listed, seen by the requests that reach the server: a data dir is listed
 * one level deep, then folder by folder side by side (a filesystem-backed server walks the whole
 * tree again for each page of a deep listing); a data dir with more folders than
 * S3Store.SPLIT_LIMIT is listed at once. Either way every key is found exactly once.
 */
class ListingTest {
    static final long T0 = 1_700_000_000_000L;

    @TempDir Path tmp;
    final Bucket bucket = new Bucket();
    final FaultProxy proxy = FaultProxy.start(bucket.server.endpoint);

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    Path config(String name) throws IOException {
        return bucket.config(Files.createDirectories(tmp.resolve("cfg-" + name)), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint());
    }

    int listings(Runnable run) {
        int before = proxy.count(FaultProxy.Kind.LIST);
        run.run();
        return proxy.count(FaultProxy.Kind.LIST) - before;
    }

    @Test
    void aDataDirIsListedFolderByFolderAndEveryKeyComesBackOnce() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        a.write("exp/data/top.txt", "directly in the data dir\n", T0);
        for (int f = 0; f < 4; f++) {
            for (int i = 0; i < 3; i++) a.write("exp/data/run-" + f + "/m" + i + ".txt", "run " + f + " file " + i + "\n", T0 + i);
        }
        a.write("exp/data/run-0/deeper/x.txt", "two levels down\n", T0);
        a.write("exp/reports/r.txt", "report\n", T0);
        assertEquals(0, a.run("upload", "--yes").code());

        Repo b = Repo.init(tmp.resolve("b"), config("b"));
        int lists = listings(() -> assertEquals(0, b.run("download", "--yes").code()));
        assertEquals(a.dataFiles(), b.dataFiles());
        // top level, exp/, exp/data/ and exp/reports/ by level, then the 4 run folders of exp/data/
        assertEquals(4 + 4, lists, proxy::journal);
    }

    @Test
    void aDataDirWithVeryManyFoldersIsListedAtOnce() throws IOException {
        Repo a = Repo.init(tmp.resolve("a"), config("a"));
        int folders = S3Store.SPLIT_LIMIT + 4;
        a.write("exp/data/top.txt", "directly in the data dir\n", T0);
        for (int f = 0; f < folders; f++) a.write(String.format("exp/data/f%03d/x.txt", f), "folder " + f + "\n", T0 + f);
        assertEquals(0, a.run("upload", "--yes").code());

        Repo b = Repo.init(tmp.resolve("b"), config("b"));
        Repo.Run down = b.run("download", "--yes");
        assertEquals(0, down.code(), down::toString);
        assertEquals(a.dataFiles(), b.dataFiles()); // the file directly in exp/data/ included, once
        // top level, exp/, exp/data/ by level, then exp/data/ whole: not one request per folder
        int lists = listings(() -> assertEquals(0, b.run("status").code()));
        assertEquals(3 + 1, lists, proxy::journal);
    }
}
