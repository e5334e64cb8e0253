import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol of CLAUDE.md: `--dry-run --json` gives a plan with an id; `--approve <id>` runs exactly that plan. */
class AgentProtocolTest {
    static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    Bucket bucket;
    Repo repo;

    Repo repoWithTwoFiles() {
        bucket = new Bucket();
        repo = Repo.init(tmp.resolve("repo"), bucket.config(tmp));
        repo.write("exp/data/run1.jsonl", "{\"loss\": 0.31}\n", T0);
        repo.write("exp/reports/summary.md", "# summary\n", T0);
        return repo;
    }

    /** stdout as exactly one strict JSON document (nothing before or after it). */
    static JsonObject json(Repo.Run run) {
        try {
            JsonReader reader = new JsonReader(new StringReader(run.out()));
            reader.setStrictness(Strictness.STRICT);
            JsonElement doc = new Gson().getAdapter(JsonElement.class).read(reader);
            assertEquals(JsonToken.END_DOCUMENT, reader.peek(), "more than one document on stdout:\n" + run);
            assertTrue(doc.isJsonObject(), run.toString());
            return doc.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("stdout is not one JSON document: " + e.getMessage() + "\n" + run, e);
        }
    }

    static String planId(Repo.Run run) {
        return json(run).get("planId").getAsString();
    }

    Repo.Run dryRun() {
        Repo.Run r = repo.run("upload", "--dry-run", "--json");
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    @Test
    void dryRunJsonIsOnePlanDocumentAndHumanTextGoesToStderr() {
        repoWithTwoFiles();
        Repo.Run run = dryRun();
        JsonObject plan = json(run);
        assertEquals("upload", plan.get("direction").getAsString());
        assertTrue(plan.get("planId").getAsString().matches("[0-9a-f]{12}"), run.toString());
        assertTrue(plan.get("store").getAsString().contains(bucket.name), run.toString());
        assertEquals(
                2,
                plan.getAsJsonObject("totals")
                        .getAsJsonObject("put")
                        .get("files")
                        .getAsInt());
        assertEquals(
                25,
                plan.getAsJsonObject("totals")
                        .getAsJsonObject("put")
                        .get("bytes")
                        .getAsInt());
        JsonArray items = plan.getAsJsonArray("items");
        assertEquals(
                List.of("exp/data/run1.jsonl", "exp/reports/summary.md"),
                items.asList().stream()
                        .map(i -> i.getAsJsonObject().get("path").getAsString())
                        .toList());
        for (JsonElement i : items) {
            assertEquals("put", i.getAsJsonObject().get("action").getAsString());
            assertEquals("new here", i.getAsJsonObject().get("reason").getAsString());
        }
        assertFalse(plan.has("result"), "a dry run has no result");
        assertTrue(run.err().contains("plan id " + plan.get("planId").getAsString()), run.toString());
        assertTrue(run.err().contains("exp/data/run1.jsonl"), "the human plan is on stderr:\n" + run);
        assertEquals(Map.of(), bucket.contents());
    }

    @Test
    void planIdIsStableWhileNothingChanges() {
        repoWithTwoFiles();
        assertEquals(planId(dryRun()), planId(dryRun()));
    }

    @Test
    void planIdChangesWhenOneByteOfOneFileChanges() {
        repoWithTwoFiles();
        String before = planId(dryRun());
        repo.write("exp/data/run1.jsonl", "{\"loss\": 0.32}\n", T0 + 1000); // same size, one byte and the mtime differ
        assertNotEquals(before, planId(dryRun()));
    }

    /**
     * A known gap, asserted as it is today: planId hashes the sizes, times and ETags an action acts
     * on (SYNC.md "JSON output"), not content, so that a dry run does not hash every file; a
     * same-size edit whose mtime is set back to the old value keeps the id. The approved action is
     * still "put this file", and what it puts is the file as it is then. Closing the gap fails this.
     */
    @Test
    void gapASameSizeEditWithItsOldMtimeKeepsThePlanId() {
        repoWithTwoFiles();
        String before = planId(dryRun());
        repo.write("exp/data/run1.jsonl", "{\"loss\": 0.32}\n", T0);
        assertEquals(before, planId(dryRun()));
        Repo.Run run = repo.run("upload", "--approve", before);
        assertEquals(0, run.code(), run::toString);
        assertEquals("{\"loss\": 0.32}\n", bucket.contents().get("exp/data/run1.jsonl"), run::toString);
    }

    @Test
    void planIdChangesWhenTheBucketChanges() {
        repoWithTwoFiles();
        String before = planId(dryRun());
        bucket.put("exp/data/other.txt", "from another machine");
        assertNotEquals(before, planId(dryRun()));
    }

    @Test
    void approveWithTheCurrentIdRunsWithoutPromptAndReportsEachItemDone() {
        repoWithTwoFiles();
        String id = planId(dryRun());
        Repo.Run run = repo.run("upload", "--approve", id, "--json"); // no terminal, no --yes
        assertEquals(0, run.code(), run.toString());
        JsonObject doc = json(run);
        assertEquals(id, doc.get("planId").getAsString());
        JsonObject result = doc.getAsJsonObject("result");
        assertEquals(0, result.get("exitCode").getAsInt());
        assertEquals(2, result.get("done").getAsInt());
        assertEquals(0, result.get("failed").getAsInt());
        for (JsonElement i : result.getAsJsonArray("items"))
            assertEquals("done", i.getAsJsonObject().get("status").getAsString(), run.toString());
        assertEquals(repo.dataFiles(), bucket.contents());
    }

    @Test
    void approveWithAStaleIdExits3SaysThePlanChangedAndChangesNothing() {
        repoWithTwoFiles();
        String stale = planId(dryRun());
        repo.write("exp/data/run2.jsonl", "{\"loss\": 0.29}\n", T0);
        Repo.Run run = repo.run("upload", "--approve", stale, "--json");
        assertEquals(3, run.code(), run.toString());
        JsonObject doc = json(run);
        String now = doc.get("planId").getAsString();
        assertNotEquals(stale, now);
        assertEquals(3, doc.getAsJsonObject("result").get("exitCode").getAsInt());
        assertFalse(doc.getAsJsonObject("result").has("items"), run.toString());
        assertTrue(
                run.err().contains("plan changed")
                        && run.err().contains(stale)
                        && run.err().contains(now),
                run.toString());
        assertTrue(
                run.err().contains("exp/data/run2.jsonl"), "the new plan, with what is new in it, is shown:\n" + run);
        assertEquals(Map.of(), bucket.contents());
        assertFalse(repo.exists(".lambda-sync/state"), "no state recorded:\n" + repo.allPaths());
    }

    @Test
    void approveWithoutJsonRefusesAStaleIdToo() {
        repoWithTwoFiles();
        String stale = planId(dryRun());
        bucket.put("exp/data/run1.jsonl", "changed in the bucket meanwhile");
        Repo.Run run = repo.run("upload", "--approve", stale);
        assertEquals(3, run.code(), run.toString());
        assertEquals("changed in the bucket meanwhile", bucket.text("exp/data/run1.jsonl"));
        assertEquals(null, bucket.text("exp/reports/summary.md"));
    }

    @Test
    void runJsonReportsAFailedItemWithItsReason() {
        repoWithTwoFiles();
        // A server that fails every attempt at one upload: it fails for real while the others succeed.
        repo.write("exp/data/refused.jsonl", "{}\n", T0);
        Repo.Run run;
        try (FaultProxy proxy = FaultProxy.start(bucket.server.endpoint)) {
            proxy.on(FaultProxy.Kind.PUT, "exp/data/refused.jsonl", FaultProxy.Fault.internalError())
                    .always();
            run = repo.withConfig(bucket.config(repo.root.getParent(), "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()))
                    .run("upload", "--yes", "--json");
        }
        assertEquals(1, run.code(), run.toString());
        JsonObject result = json(run).getAsJsonObject("result");
        assertEquals(1, result.get("exitCode").getAsInt());
        assertEquals(1, result.get("failed").getAsInt(), run.toString());
        List<String> statuses = new ArrayList<>();
        for (JsonElement e : result.getAsJsonArray("items")) {
            JsonObject i = e.getAsJsonObject();
            statuses.add(i.get("path").getAsString() + " " + i.get("status").getAsString());
            if (i.get("status").getAsString().equals("failed"))
                assertFalse(i.get("error").getAsString().isBlank(), run.toString());
        }
        assertEquals(
                List.of("exp/data/refused.jsonl failed", "exp/data/run1.jsonl done", "exp/reports/summary.md done"),
                statuses);
    }

    @Test
    void statusJsonGivesBothPlans() {
        repoWithTwoFiles();
        bucket.put("exp/data/remote.txt", "only in the bucket");
        Repo.Run run = repo.run("status", "--json");
        assertEquals(0, run.code(), run.toString());
        JsonArray plans = json(run).getAsJsonArray("plans");
        assertEquals(2, plans.size());
        JsonObject up = plans.get(0).getAsJsonObject(), down = plans.get(1).getAsJsonObject();
        assertEquals("upload", up.get("direction").getAsString());
        assertEquals("download", down.get("direction").getAsString());
        assertEquals(
                2,
                up.getAsJsonObject("totals").getAsJsonObject("put").get("files").getAsInt());
        assertEquals(
                1,
                down.getAsJsonObject("totals")
                        .getAsJsonObject("get")
                        .get("files")
                        .getAsInt());
        assertNotEquals(up.get("planId").getAsString(), down.get("planId").getAsString());
        assertEquals(
                planId(dryRun()), up.get("planId").getAsString(), "status shows the id that upload --approve takes");
    }
}
