package lib.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import lib.state.StateDir;

/**
 * Plans shown by --dry-run, kept under .lambda-sync/plans/ so that a refused --approve can say
 * what differs between the plan the human approved and the plan as it is now.
 */
public final class PlanRecord {
    static final int KEEP = 20;

    private PlanRecord() {}

    public static void save(Path root, SyncPlan plan) {
        try {
            StateDir.create(root);
            Path dir = StateDir.plans(root);
            Files.createDirectories(dir);
            Files.write(dir.resolve(plan.id + ".tsv"), lines(plan), StandardCharsets.UTF_8);
            try (Stream<Path> old = Files.list(dir)) {
                List<Path> all = old.sorted((a, b) -> Long.compare(
                                b.toFile().lastModified(), a.toFile().lastModified()))
                        .toList();
                for (Path p : all.subList(Math.min(KEEP, all.size()), all.size())) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Only a convenience for --approve messages; the dry run itself succeeded.
        }
    }

    /** Lines saying what the approved plan had that the current one lacks, and the reverse. */
    public static List<String> differences(Path root, String approvedId, SyncPlan now) {
        Path file = StateDir.plans(root).resolve(approvedId.replaceAll("[^0-9a-f]", "") + ".tsv");
        List<String> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            out.add("(plan " + approvedId
                    + " was not made by --dry-run in this repo, so the differences cannot be listed)");
            return out;
        }
        try {
            Set<String> before = new LinkedHashSet<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            Set<String> after = new LinkedHashSet<>(lines(now));
            for (String l : before)
                if (!after.contains(l)) out.add("  approved, no longer planned: " + l.replace('\t', ' '));
            for (String l : after)
                if (!before.contains(l)) out.add("  now planned, not approved:   " + l.replace('\t', ' '));
        } catch (IOException e) {
            out.add("(cannot read " + file + ": " + e.getMessage() + ")");
        }
        return out.size() > 20 ? out.subList(0, 20) : out;
    }

    private static List<String> lines(SyncPlan plan) {
        List<String> l = new ArrayList<>();
        for (SyncPlan.Item i : plan.items) {
            l.add(i.action().json + "\t" + i.rel() + "\t" + i.bytes() + " B"
                    + (i.local() == null
                            ? ""
                            : "\tlocal " + i.local().size() + " B @" + i.local().mtime())
                    + (i.remote() == null ? "" : "\tbucket " + i.remote().tag()));
        }
        return l;
    }
}
