import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drop-in compatibility with the bash tool's bucket layout, checked with the real aws CLI (the
 * bash tool ran {@code aws s3 sync <exp>/data s3://<bucket>/<exp>/data} per data dir): what
 * it stored downloads byte-identical and is recognised as in sync; what we store, it reads.
 * Awkward names (spaces, unicode, '+', '%'), an empty file and a file multipart for both tools
 * (aws: > 8 MiB in 8 MiB parts; ours: > 16 MiB in 16 MiB parts) must survive both ways.
 */
class InteropTest {
    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @BeforeAll
    static void awsCliIsInstalled() {
        try {
            Process p = new ProcessBuilder("aws", "--version")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) fail("'aws --version' failed:\n" + out);
        } catch (IOException | InterruptedException e) {
            fail("the aws CLI is not on PATH (" + e.getMessage()
                    + "): install it (apt-get install awscli, as .ci/run does);"
                    + " the interop tests need the real tool and are not skipped");
        }
    }

    /** Results with every kind of name and size that must survive, in three data dirs. */
    Repo repoWithAwkwardResults() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("exp1/data/a b+c%d ü.txt", utf8("spaces, plus, percent, unicode\n"));
        files.put("exp1/data/sub dir/ümlaut €+%2B #1.csv", utf8("x,y\n1,2\n"));
        files.put("exp1/data/日本語/ファイル.txt", utf8("こんにちは\n"));
        files.put("exp1/data/zero.bin", new byte[0]);
        byte[] big = new byte[17 * MIB + 3];
        new Random(3).nextBytes(big);
        files.put("exp1/data/big.bin", big);
        files.put("exp1/reports/report 100%.md", utf8("# 100%\n"));
        files.put("exp2/data/plus+plus.txt", utf8("+\n"));
        files.put("exp2/data/%20encoded%2F.txt", utf8("%20\n"));
        long t = 1_700_000_000_000L;
        for (var e : files.entrySet()) {
            a.write(e.getKey(), e.getValue());
            a.mtime(e.getKey(), t += 1_000);
        }
        return a;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The bash tool's upload: one {@code aws s3 sync} per data dir. */
    void awsSyncUp(Repo a) {
        for (String dir : List.of("exp1/data", "exp1/reports", "exp2/data")) {
            aws("s3", "sync", "--no-progress", a.path(dir).toString(), "s3://" + bucket.name + "/" + dir);
        }
    }

    String aws(String... args) {
        return AwsCli.run(bucket, tmp, args);
    }

    static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                out.put(dir.relativize(p).toString(), Repo.describe(Files.readAllBytes(p)));
        }
        return out;
    }

    @Test
    void aBucketFilledByAwsS3SyncDownloadsByteIdentical() {
        Repo a = repoWithAwkwardResults();
        awsSyncUp(a);
        assertEquals(a.dataFiles(), bucket.contents(), "aws s3 sync stores key = repo-relative path");

        Repo b = a.cloneTo(tmp.resolve("b"));
        Repo.Run r = b.run("download", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertEquals(a.dataFiles(), b.dataFiles());
        assertEquals("", b.git("status", "--porcelain"));
    }

    @Test
    void aFirstUploadOverAnAwsFilledBucketRecordsInsteadOfUploading() {
        Repo a = repoWithAwkwardResults();
        awsSyncUp(a);
        Map<String, String> before = bucket.contents();

        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("record as in sync") && r.out().contains("8 files"), r::toString);
        assertFalse(r.out().contains("conflict"), r::toString);
        assertEquals(before, bucket.contents());
        for (String key : before.keySet()) {
            assertFalse(
                    bucket.metadata(key).containsKey("mtime"),
                    key + " was uploaded again (it now has our mtime metadata)");
        }
        Repo.Run again = a.run("upload");
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.out().contains("nothing to do: 8 files already in sync"), again::toString);
        assertTrue(a.run("download").out().contains("nothing to do"));
    }

    @Test
    void aFirstDownloadOnTheMachineThatFilledTheBucketRecordsInsteadOfConflicting() {
        Repo a = repoWithAwkwardResults();
        awsSyncUp(a);
        Map<String, Long> mtimes = a.dataMtimes();

        Repo.Run r = a.run("download", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("record as in sync") && r.out().contains("8 files"), r::toString);
        assertFalse(r.out().contains("conflict"), r::toString);
        assertEquals(mtimes, a.dataMtimes(), "nothing was downloaded again");
        assertTrue(a.run("upload").out().contains("nothing to do: 8 files already in sync"));
    }

    @Test
    void whatLambdaSyncUploadsAwsS3SyncDownloadsByteIdentical() throws IOException {
        Repo a = repoWithAwkwardResults();
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(
                bucket.s3
                        .headObject(h -> h.bucket(bucket.name).key("exp1/data/big.bin"))
                        .eTag()
                        .endsWith("-2\""),
                "the 17 MiB file went up in two 16 MiB parts");

        // The bash tool's download: the whole bucket into a directory.
        Path pulled = tmp.resolve("pulled");
        aws("s3", "sync", "--no-progress", "s3://" + bucket.name, pulled.toString());
        assertEquals(a.dataFiles(), tree(pulled));
    }

    @Test
    void aDownloadByLambdaSyncOfAnAwsFilledBucketIsInSyncForTheNextAwsSync() throws IOException {
        Repo a = repoWithAwkwardResults();
        awsSyncUp(a);
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        // Switching back to the old tool is safe: it sees the same names and sizes, so uploads nothing.
        String out = aws(
                "s3",
                "sync",
                "--no-progress",
                "--size-only",
                b.path("exp1/data").toString(),
                "s3://" + bucket.name + "/exp1/data");
        assertEquals("", out.strip(), "aws s3 sync found differences:\n" + out);
    }
}
