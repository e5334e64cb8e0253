import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download killed with SIGKILL mid-way (the instance is shut down, the SSH session dies):
 * no partial file ever sits at a final path, and the next run finishes the job.
 */
class InterruptedRunTest {
    static final int SMALL = 300;
    static final int BIG = 40 * 1024 * 1024;

    @TempDir
    Path tmp;

    final Bucket bucket = new Bucket();

    @Test
    void killedDownloadLeavesNoPartialFileAndTheNextRunFinishes() throws Exception {
        // Downloads run in path order: a/ (150 small files), then m.bin (40 MiB), then z/ (150 more).
        Map<String, String> expected = new TreeMap<>();
        byte[] big = new byte[BIG];
        new Random(7).nextBytes(big);
        bucket.put("exp/data/m.bin", big);
        expected.put("exp/data/m.bin", Repo.describe(big));
        for (int i = 0; i < SMALL; i++) {
            expected.put(String.format("exp/data/%s/f%03d.txt", i < SMALL / 2 ? "a" : "z", i), "small " + i + "\n");
        }
        expected.entrySet().parallelStream()
                .filter(e -> !e.getKey().endsWith("m.bin"))
                .forEach(e -> bucket.put(e.getKey(), e.getValue()));

        Repo b = Repo.init(tmp.resolve("b"), bucket.config(tmp));
        Path log = tmp.resolve("download.log");
        Process run = b.start(log, "download", "--yes", "--jobs", "2");
        long deadline = System.nanoTime() + 180_000_000_000L; // the first launch may compile the tool
        boolean midway = false;
        while (System.nanoTime() < deadline && run.isAlive()) {
            // Kill once the first half is in place and the big file is being written (a large download
            // lands in .lambda-sync/partial/ first, to be resumed if cut off).
            List<String> names = names(b.path("exp/data"));
            boolean bigInFlight = names(b.path(".lambda-sync/partial")).stream().anyMatch(n -> n.endsWith(".part"));
            long finals = names.stream()
                    .filter(n -> !n.startsWith(".lambda-sync-tmp-"))
                    .count();
            if (bigInFlight && finals >= SMALL / 2) {
                Repo.kill(run);
                midway = true;
                break;
            }
            Thread.sleep(5);
        }
        if (!midway) {
            String how =
                    run.isAlive() ? "still starting after 180 s" : "it ended by itself with exit " + run.exitValue();
            Repo.kill(run);
            fail("the download was never caught with files in place and the big file being written (" + how
                    + "); log:\n" + Files.readString(log));
        }

        Map<String, String> onDisk = b.dataFiles();
        onDisk.keySet().removeIf(rel -> Path.of(rel).getFileName().toString().startsWith(".lambda-sync-tmp-"));
        assertTrue(onDisk.size() < expected.size(), "killed mid-way: not everything is there yet");
        onDisk.forEach((rel, content) ->
                assertEquals(expected.get(rel), content, rel + " at its final path differs from the bucket's"));

        Repo.Run again = b.run("download", "--yes");
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.err().contains("taking over a stale lock"), again::toString);
        assertEquals(expected, b.dataFiles());
        assertEquals(List.of(), b.tempFiles(), "no temp files left behind");
        Repo.Run third = b.run("download");
        assertEquals(0, third.code(), third::toString);
        assertTrue(third.out().contains("nothing to do"), third::toString);
    }

    /** File names below {@code dir}, cheaply (no reading): polled while the run is going. */
    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .toList();
        } catch (java.io.UncheckedIOException | java.io.IOException notYetOrMoving) {
            return List.of(); // not created yet, or a temp file renamed while walking
        }
    }
}
