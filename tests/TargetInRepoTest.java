import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SYNC_TARGET inside the repo it mirrors (SYNC.md "The config file"): refused in a data dir, a warning elsewhere. */
class TargetInRepoTest {
    @TempDir
    Path tmp;

    /** A repo with one data file, driven by a config (outside it) whose SYNC_TARGET is {@code target}. */
    Repo repo(String target) throws Exception {
        return repo(target, "a");
    }

    Repo repo(String target, String dir) throws Exception {
        Path config = tmp.resolve(dir + ".sync.env");
        Files.writeString(config, "SYNC_TARGET=" + target + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Repo a = Repo.init(tmp.resolve(dir), config);
        a.write("exp/data/x.txt", "x\n");
        return a;
    }

    /** A target whose filesystem is not mounted: a typed store failure (exit 1), one line naming the key to check. */
    @Test
    void aTargetThatIsNotThereIsOneLineNamingTheKey() throws Exception {
        Path target = tmp.resolve("not-mounted/me");
        Repo a = repo(target.toString());
        for (String mode : new String[] {"upload", "download"}) {
            Repo.Run r = a.run(mode, "--yes");
            assertEquals(1, r.code(), r::toString);
            assertEquals(
                    "lambda-sync: SYNC_TARGET " + target
                            + " does not exist, nor does its parent (is the filesystem mounted?): check SYNC_TARGET in "
                            + a.config + "\n",
                    r.err());
        }
        assertFalse(Files.exists(target.getParent()), "nothing created where the mount should be");
    }

    @Test
    void aTargetInsideADataDirIsRefusedBeforeAnythingHappens() throws Exception {
        Repo a = repo(tmp.resolve("a/exp/data/mirror").toString());
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(2, r.code(), r::toString);
        assertEquals(
                "lambda-sync: SYNC_TARGET=" + a.path("exp/data/mirror")
                        + " is inside the data dir exp/data/ of this repo:"
                        + " every upload would copy the mirror into itself, one level deeper each run; set SYNC_TARGET in "
                        + a.config + " to a folder outside the repo (e.g. under /lambda/nfs/<filesystem>/)\n",
                r.err());
        assertFalse(a.exists("exp/data/mirror"));
        assertFalse(a.exists(".lambda-sync"));
        assertEquals(2, a.run("download", "--yes").code());
        assertEquals(2, a.run("status").code());
    }

    @Test
    void aTargetReachedThroughASymlinkOrBeingTheRepoItselfIsRefused() throws Exception {
        Repo a = repo(tmp.resolve("link/mirror").toString());
        Files.createDirectories(a.path("exp/reports"));
        Files.createSymbolicLink(tmp.resolve("link"), a.path("exp/reports"));
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("is inside the data dir exp/reports/ of this repo"), r::toString);

        Repo b = repo(tmp.resolve("b").toString(), "b");
        Repo.Run same = b.run("upload", "--yes");
        assertEquals(2, same.code(), same::toString);
        assertTrue(same.err().contains(" is the repo itself ("), same::toString);
    }

    @Test
    void aTargetElsewhereInTheRepoIsAWarningUnlessGitIgnoresIt() throws Exception {
        Repo a = repo("a/mirror"); // relative to the config file's folder
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertEquals(
                "warning: SYNC_TARGET=a/mirror is inside this repo (mirror/) and git does not ignore it: git add -A would commit"
                        + " the mirror; add mirror/ to .gitignore, or use a folder outside the repo\n",
                r.err());
        assertEquals("x\n", a.text("mirror/exp/data/x.txt"));

        a.write(".gitignore", Repo.GITIGNORE + "mirror/\n");
        Repo.Run ignored = a.run("upload", "--yes");
        assertEquals(0, ignored.code(), ignored::toString);
        assertEquals("", ignored.err());
        assertEquals("", a.git("status", "--porcelain", "--untracked-files=all", "mirror"));
    }

    @Test
    void aTargetOutsideTheRepoSaysNothing() throws Exception {
        Repo a = repo(tmp.resolve("elsewhere").toString());
        Repo.Run r = a.run("upload", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
    }
}
