import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deletion bound (SYNC.md, "The sync rules"): a run that would delete more than 50 files or
 * more than half of a side stops, even with --yes or an approved plan, unless --max-delete allows
 * that many. The bound is the engine's, so the far side is a {@link MemoryStore}.
 */
@Tag("unit")
class DeletionBoundTest {
    @TempDir
    Path tmp;

    final MemoryStore bucket = new MemoryStore();

    /** Machines a and b, both in sync with the bucket holding f1 and f2. */
    Repo[] twoMachines() {
        Repo a = bucket.repo(tmp.resolve("a"));
        a.write("exp/data/f1.txt", "f1\n");
        a.write("exp/data/f2.txt", "f2\n");
        assertEquals(0, a.run("upload", "--yes").code());
        Repo b = a.cloneTo(tmp.resolve("b"));
        assertEquals(0, b.run("download", "--yes").code());
        return new Repo[] {a, b};
    }

    @Test
    void deletingMoreThan50FilesStopsEvenWithYesUnlessMaxDeleteAllowsThatMany() {
        Repo a = bucket.repo(tmp.resolve("a"));
        for (int i = 0; i < 120; i++) a.write(String.format("exp/data/f%03d.txt", i), "f" + i + "\n");
        assertEquals(0, a.run("upload", "--yes").code());
        for (int i = 0; i < 51; i++) a.delete(String.format("exp/data/f%03d.txt", i));

        Repo.Run r = a.run("upload", "--delete", "--yes");
        assertEquals(3, r.code(), r::toString);
        assertTrue(
                r.out()
                        .contains(
                                "this DELETES 51 files in the bucket (of 120), more than 50 or half of them: rerun with --max-delete 51"),
                r::toString);
        assertTrue(r.err().contains("stopped, nothing changed"), r::toString);
        assertEquals(
                3, a.run("upload", "--delete", "--yes", "--max-delete", "50").code());
        assertEquals(120, bucket.contents().size());

        Repo.Run allowed = a.run("upload", "--delete", "--yes", "--max-delete", "51");
        assertEquals(0, allowed.code(), allowed::toString);
        assertEquals(69, bucket.contents().size());
    }

    @Test
    void deletingMoreThanHalfOfASideStopsEvenAnApprovedPlan() {
        Repo[] m = twoMachines();
        Repo a = m[0], b = m[1];
        for (int i = 0; i < 8; i++) a.write("exp/data/g" + i + ".txt", "g" + i + "\n");
        assertEquals(0, a.run("upload", "--yes").code());
        assertEquals(0, b.run("download", "--yes").code());
        for (int i = 0; i < 6; i++) a.delete("exp/data/g" + i + ".txt"); // 6 of 10
        assertEquals(3, a.run("upload", "--delete", "--yes").code(), "a's own upload is bounded too");
        assertEquals(
                0, a.run("upload", "--delete", "--yes", "--max-delete", "6").code());

        Repo.Run dry = b.run("download", "--delete", "--dry-run");
        assertEquals(0, dry.code(), dry::toString);
        assertTrue(dry.out().contains("this DELETES 6 files here (of 10)"), dry::toString);
        String id = dry.out().replaceAll("(?s).*plan id ([0-9a-f]+).*", "$1");
        Repo.Run approved = b.run("download", "--delete", "--approve", id);
        assertEquals(3, approved.code(), approved::toString);
        assertEquals(10, b.dataFiles().size());
        assertEquals(
                0,
                b.run("download", "--delete", "--approve", id, "--max-delete", "6")
                        .code());
        assertEquals(4, b.dataFiles().size());
    }

    @Test
    void halfOfASideIsStillWithinTheBound() {
        Repo a = bucket.repo(tmp.resolve("a"));
        for (int i = 0; i < 10; i++) a.write("exp/data/f" + i + ".txt", "f" + i + "\n");
        assertEquals(0, a.run("upload", "--yes").code());
        for (int i = 0; i < 5; i++) a.delete("exp/data/f" + i + ".txt");
        Repo.Run r = a.run("upload", "--delete", "--yes");
        assertEquals(0, r.code(), r::toString);
        assertEquals(5, bucket.contents().size());
    }

    @Test
    void maxDeleteMustBeAPositiveCount() {
        Repo a = bucket.repo(tmp.resolve("a"));
        for (String bad : new String[] {"0", "-3", "", "many"}) {
            Repo.Run r = a.run("upload", "--delete", "--max-delete", bad);
            assertEquals(2, r.code(), r::toString);
            assertTrue(r.err().contains("--max-delete"), r::toString);
        }
    }
}
