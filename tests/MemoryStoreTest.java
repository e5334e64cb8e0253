import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.store.Store;
import lib.store.StoreException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory far side keeps Store's promises, so engine tests on it mean what they say. */
@Tag("unit")
class MemoryStoreTest {
    @TempDir
    Path tmp;

    final MemoryStore store = new MemoryStore();

    Path file(String text) throws Exception {
        return Files.writeString(Files.createTempFile(tmp, "f", ".txt"), text);
    }

    static StoreException.Kind kind(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(StoreException.class, e).kind;
    }

    @Test
    void writesHappenOnlyIfTheObjectIsStillWhatThePlanSaw() throws Exception {
        Store.Stored first = store.put("e/data/a", file("one"), 1, null, null);
        assertEquals(
                StoreException.Kind.PRECONDITION,
                kind(() -> store.put("e/data/a", file("two"), 2, null, null)),
                "planned absent, is there");
        Store.Stored second = store.put("e/data/a", file("two"), 2, null, first.remote());
        assertNotEquals(first.remote().tag(), second.remote().tag(), "every write gets a new tag");
        assertEquals(
                StoreException.Kind.PRECONDITION,
                kind(() -> store.delete(first.remote())),
                "a stale plan deletes nothing");
        assertEquals(StoreException.Kind.PRECONDITION, kind(() -> store.get(first.remote(), tmp.resolve("x"))));
        assertEquals("two", store.text("e/data/a"));

        store.put("e/data/a", "another machine's");
        assertEquals(StoreException.Kind.PRECONDITION, kind(() -> store.delete(second.remote())));
        assertEquals(
                StoreException.Kind.CHANGED_WHILE_UPLOADING,
                kind(() -> store.put("e/data/b", file("b"), 1, "0".repeat(32), null)));
    }

    @Test
    void aKeyIsNeverBothAFileAndAFolder() throws Exception {
        store.put("e/data/k", file("k"), 1, null, null);
        assertEquals(StoreException.Kind.REFUSED, kind(() -> store.put("e/data/k/x", file("x"), 1, null, null)));
        store.delete("e/data/k");
        store.put("e/data/k/x", file("x"), 1, null, null);
        assertEquals(StoreException.Kind.REFUSED, kind(() -> store.put("e/data/k", file("k"), 1, null, null)));
    }

    @Test
    void listingSortsDataDirsFromEverythingElseAndHonoursScopes() throws Exception {
        for (String k :
                List.of("e/data/a/1", "e/data/b", "e/reports/r", "e/notes/n", "top.txt", ".lambda-sync/manifest/m.tsv"))
            store.put(k, k);
        List<String> data = new ArrayList<>(), outside = new ArrayList<>();
        store.list(List.of(), r -> data.add(r.rel()), outside::add);
        assertEquals(List.of("e/data/a/1", "e/data/b", "e/reports/r"), data);
        assertEquals(List.of("e/notes/n", "top.txt"), outside, "the tool's own keys are neither");

        data.clear();
        store.list(List.of("e/data/a/", "e/reports/r"), r -> data.add(r.rel()), outside::add);
        assertEquals(List.of("e/data/a/1", "e/reports/r"), data);
    }

    @Test
    void aDownloadBringsTheBytesWithTheirMtimeAndMd5() throws Exception {
        Store.Stored s = store.put("e/data/a", file("abc"), 1234, null, null);
        Path dest = tmp.resolve("dest");
        Store.Fetched f = store.get(s.remote(), dest);
        assertEquals("abc", Files.readString(dest));
        assertEquals(1234, f.mtime());
        assertEquals("900150983cd24fb0d6963f7d28e17f72", f.md5());
        assertEquals(s.md5(), f.md5());
    }
}
