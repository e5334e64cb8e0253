import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options that would do nothing are refused, and --quiet keeps the answer (SYNC.md "Command reference"). */
class OptionTest {
    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    Repo repo() {
        Repo a = Repo.init(tmp.resolve("a"), bucket.config(tmp));
        a.write("exp/data/x.txt", "x\n");
        return a;
    }

    static void assertUsage(Repo.Run r, String line) {
        assertEquals(2, r.code(), r::toString);
        assertEquals("lambda-sync: " + line + "\n", r.err(), r::toString);
        assertEquals("", r.out(), r::toString);
    }

    @Test
    void anEmptyOrMalformedApproveIsAUsageErrorNotARun() {
        Repo a = repo();
        assertUsage(
                a.run("upload", "--approve", ""),
                "--approve needs the plan id a dry run printed (12 hex digits, like 63167e67587c), not ''");
        assertUsage(
                a.run("upload", "--approve", "$PLAN_ID"),
                "--approve needs the plan id a dry run printed (12 hex digits, like 63167e67587c), not '$PLAN_ID'");
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void anEmptyPathArgumentIsAUsageError() {
        Repo a = repo();
        assertUsage(a.run("upload", "--yes", ""), "a path argument is empty (an unset shell variable?)");
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void jsonForDoctorAndSetupIsRefused() {
        Repo a = repo();
        assertUsage(
                a.run("doctor", "--json"),
                "--json does nothing for doctor (it is for upload, download, status); leave it out");
        assertUsage(
                a.run("setup", "--json"),
                "--json does nothing for setup (it is for upload, download, status); leave it out");
        assertFalse(a.exists("../a-home/.gitconfig"));
    }

    @Test
    void optionsForOtherModesAreRefused() {
        Repo a = repo();
        assertUsage(a.run("upload", "--offline"), "--offline does nothing for upload (it is for setup); leave it out");
        assertUsage(
                a.run("status", "--read-only"), "--read-only does nothing for status (it is for doctor); leave it out");
        assertUsage(
                a.run("doctor", "--dry-run"),
                "--dry-run does nothing for doctor (it is for setup, upload, download, status); leave it out");
        assertUsage(
                a.run("status", "--approve", "63167e67587c"),
                "--approve does nothing for status (it is for upload, download); leave it out");
        assertUsage(
                a.run("setup", "--force"),
                "--force does nothing for setup (it is for upload, download, status); leave it out");
        assertUsage(
                a.run("doctor", "-j", "4"),
                "--jobs does nothing for doctor (it is for upload, download, status); leave it out");
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void statusQuietKeepsOneSummaryLinePerDirection() {
        Repo a = repo();
        bucket.put("exp/data/only-there.txt", "there\n");
        Repo.Run r = a.run("status", "-q");
        assertEquals(0, r.code(), r::toString);
        assertEquals(
                "upload: 1 file to upload (2 B), 1 file kept as is; 0 files in sync\n"
                        + "download: 1 file to download (6 B), 1 file kept as is; 0 files in sync\n",
                r.out());

        assertEquals(0, a.run("upload", "--yes").code());
        assertEquals(0, a.run("download", "--yes").code());
        Repo.Run synced = a.run("status", "--quiet");
        assertEquals(
                "upload: nothing to do; 2 files in sync\ndownload: nothing to do; 2 files in sync\n", synced.out());
        assertTrue(a.run("status").out().contains("nothing to do: 2 files already in sync"));
    }
}
