import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import lib.common.ContentHash;
import lib.config.SyncConfig;
import lib.store.DirStore;
import lib.store.Store;
import lib.store.StoreException;
import lib.sync.StoreFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link Store} promises (its javadoc; SYNC.md "Servers that are not AWS"), held as one
 * set of tests, as restic holds its backends: the listing, a put/get round trip, a write or
 * delete over what the plan did not see refused, typed failures, a missing object, hostile keys,
 * a large object. Run against the test double ({@code MemoryStore}), a directory ({@code
 * DirStore}), the S3 server ({@code S3Store}), and the S3 server again through each quirk profile
 * of the fault proxy: a store that breaks the contract fails here, not in an engine test.
 */
class StoreContractTest {
    abstract static class Contract {
        @TempDir
        Path tmp;

        Store store;

        /** A fresh, empty store of the kind under test. */
        abstract Store open() throws Exception;

        @BeforeEach
        void openStore() throws Exception {
            store = open();
        }

        @AfterEach
        void closeStore() {
            if (store != null) store.close();
        }

        static final long MTIME = 1_700_000_000_000L;

        /** A file to upload, with the mtime its put names (a store may check that it did not change meanwhile). */
        Path file(byte[] bytes) throws Exception {
            Path f = Files.write(Files.createTempFile(tmp, "up", ".bin"), bytes);
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(MTIME));
            return f;
        }

        Path file(String text) throws Exception {
            return file(text.getBytes(StandardCharsets.UTF_8));
        }

        Store.Stored put(String rel, String text) throws Exception {
            return store.put(rel, file(text), MTIME, null, null);
        }

        /**
         * rel -> listed object, of what the store lists under every data dir, as a run asks for it:
         * {@code list}, then {@code confirm} where absence would decide something (Store's javadoc).
         * A folder marker (a key ending in '/', as some servers keep) is no file. Once per opened
         * store, as a run lists once: an S3 store reports each outside key once, and lists what it
         * has not listed yet.
         */
        Map<String, Store.Remote> listing() throws Exception {
            return listing(k -> {});
        }

        Map<String, Store.Remote> listing(java.util.function.Consumer<String> outside) throws Exception {
            Map<String, Store.Remote> out = new TreeMap<>();
            java.util.function.Consumer<Store.Remote> sink = r -> {
                if (!r.rel().endsWith("/")) out.put(r.rel(), r);
            };
            store.list(List.of(), sink, outside);
            store.confirm(Set.of(), Set.of(), sink, outside);
            return out;
        }

        /** The bytes of an object; {@code get}'s destination is a fresh temp file its caller removes on failure. */
        byte[] get(Store.Remote r) throws Exception {
            Path dest = tmp.resolve("get-" + System.nanoTime());
            store.get(r, dest);
            return Files.readAllBytes(dest);
        }

        static StoreException.Kind kind(Executable e) {
            return assertThrows(StoreException.class, e).kind;
        }

        @Test
        void theListingHoldsDataDirKeysAndPassesTheRestOn() throws Exception {
            for (String k : List.of("e/data/a/1", "e/data/b", "e/reports/r", "e/notes/n", "top.txt")) put(k, k);
            List<String> outside = new ArrayList<>();
            Map<String, Store.Remote> listed = listing(outside::add);
            assertEquals(List.of("e/data/a/1", "e/data/b", "e/reports/r"), List.copyOf(listed.keySet()));
            assertEquals(10, listed.get("e/data/a/1").size());
            assertTrue(outside.stream().anyMatch(k -> k.startsWith("e/notes/")), () -> "outside: " + outside);
            assertTrue(outside.stream().anyMatch(k -> k.startsWith("top.txt")), () -> "outside: " + outside);
        }

        @Test
        void aScopedListingHoldsOnlyItsScope() throws Exception {
            for (String k : List.of("e/data/a/1", "e/data/b", "e/reports/r")) put(k, k);
            List<String> scoped = new ArrayList<>();
            store.list(
                    List.of("e/data/a/"),
                    r -> {
                        if (!r.rel().endsWith("/")) scoped.add(r.rel()); // a folder marker is no file
                    },
                    k -> {});
            assertEquals(List.of("e/data/a/1"), scoped);
        }

        @Test
        void aPutThenAGetGivesTheSameBytesAndMd5() throws Exception {
            Store.Stored s = put("e/data/a.txt", "some content\n");
            assertEquals(ContentHash.md5Hex("some content\n".getBytes(StandardCharsets.UTF_8)), s.md5());
            assertEquals(s.remote(), listing().get("e/data/a.txt"), "the listing shows what the put stored");
            Path dest = tmp.resolve("dest");
            Store.Fetched f = store.get(s.remote(), dest);
            assertEquals("some content\n", Files.readString(dest));
            assertEquals(s.md5(), f.md5());
            assertTrue(store.sameContent(s.remote(), file("some content\n"), s.md5()));
            String other = ContentHash.md5Hex("other content\n".getBytes(StandardCharsets.UTF_8));
            assertFalse(store.sameContent(s.remote(), file("other content\n"), other));
        }

        @Test
        void aWriteOrDeleteOverWhatThePlanDidNotSeeIsRefused() throws Exception {
            Store.Stored first = put("e/data/a", "one");
            assertEquals(
                    StoreException.Kind.PRECONDITION,
                    kind(() -> store.put("e/data/a", file("two"), MTIME, null, null)),
                    "planned absent, is there");
            Store.Stored second = store.put("e/data/a", file("two!"), MTIME, null, first.remote());
            assertNotEquals(first.remote().tag(), second.remote().tag(), "a new write, a new tag");
            assertEquals(
                    StoreException.Kind.PRECONDITION,
                    kind(() -> store.put("e/data/a", file("three"), MTIME, null, first.remote())),
                    "a stale plan writes nothing");
            assertEquals(StoreException.Kind.PRECONDITION, kind(() -> store.delete(first.remote())));
            assertArrayEquals(
                    "two!".getBytes(StandardCharsets.UTF_8), get(listing().get("e/data/a")));
        }

        @Test
        void aGetOfAnObjectThatChangedSinceItWasListedIsRefused() throws Exception {
            Store.Stored first = put("e/data/a", "one");
            store.put("e/data/a", file("two, longer"), MTIME, null, first.remote());
            assertEquals(StoreException.Kind.PRECONDITION, kind(() -> store.get(first.remote(), tmp.resolve("old"))));
        }

        @Test
        void aDeleteRemovesTheObject() throws Exception {
            Store.Stored s = put("e/data/gone.txt", "bye");
            put("e/data/kept.txt", "stay");
            store.delete(s.remote());
            assertEquals(List.of("e/data/kept.txt"), List.copyOf(listing().keySet()));
        }

        @Test
        void aFileChangedAfterItWasHashedIsTypedAndWhatItLeftIsNamed() throws Exception {
            // Hashed (as "0…0") when its mtime was MTIME - 1; another content and mtime by the time it is sent.
            StoreException e = assertThrows(
                    StoreException.class, () -> store.put("e/data/b", file("b"), MTIME - 1, "0".repeat(32), null));
            assertEquals(StoreException.Kind.CHANGED_WHILE_UPLOADING, e.kind);
            // Nothing stored; or, on a server that does not check Content-MD5, the failure names what it left.
            Store.Remote left = listing().get("e/data/b");
            assertEquals(left == null ? null : left.tag(), e.stored, "what the failed upload left in the store");
        }

        @Test
        void aMissingObjectIsTypedNotAPlainIoError() throws Exception {
            Store.Stored s = put("e/data/was-here", "x");
            store.delete(s.remote());
            StoreException.Kind k = kind(() -> store.get(s.remote(), tmp.resolve("missing")));
            assertTrue(
                    k == StoreException.Kind.NOT_FOUND || k == StoreException.Kind.PRECONDITION,
                    "a vanished object is NOT_FOUND or PRECONDITION, not " + k);
        }

        @Test
        void hostileButValidKeysComeBackAsTheyWent() throws Exception {
            List<String> keys = List.of(
                    "e/data/with space.txt",
                    "e/data/ümlaut-日本.txt",
                    "e/data/plus+percent%25hash#q?.txt",
                    "e/data/quote'\"amp&lt<gt>.txt",
                    "e/data/-leading-dash",
                    "e/data/.hidden",
                    "e/data/a..b/c");
            for (String k : keys) put(k, k);
            Map<String, Store.Remote> listed = listing();
            assertEquals(keys.stream().sorted().toList(), List.copyOf(listed.keySet()));
            for (String k : keys) assertEquals(k, new String(get(listed.get(k)), StandardCharsets.UTF_8));
        }

        @Test
        void aLargeObjectRoundTrips() throws Exception {
            byte[] big = new byte[17 * 1024 * 1024 + 5]; // over S3Store's part size: multipart, ranged gets
            new Random(7).nextBytes(big);
            Store.Stored s = store.put("e/data/big.bin", file(big), MTIME, null, null);
            assertEquals(ContentHash.md5Hex(big), s.md5());
            Store.Remote listed = listing().get("e/data/big.bin");
            assertEquals(big.length, listed.size());
            assertArrayEquals(big, get(listed));
        }
    }

    @Nested
    @Tag("unit")
    class OnMemoryStore extends Contract {
        @Override
        Store open() {
            return new MemoryStore();
        }
    }

    @Nested
    @Tag("unit")
    class OnDirStore extends Contract {
        @Override
        Store open() throws Exception {
            return new DirStore(Files.createDirectories(tmp.resolve("mnt")), "team/");
        }
    }

    /** An S3 store as the tool opens it from a config, attached to a scratch repo. */
    Store s3(Path tmp, Path config) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo/.git")).getParent();
        Store s = StoreFactory.DEFAULT.open(SyncConfig.load(config, Map.of()), 4);
        s.open(root, notice -> {});
        return s;
    }

    @Nested
    class OnS3Store extends Contract {
        @Override
        Store open() throws Exception {
            Bucket bucket = new Bucket();
            return s3(tmp, bucket.config(Files.createDirectories(tmp.resolve("cfg"))));
        }
    }

    static Stream<Arguments> profiles() {
        Stream<Arguments> each =
                EnumSet.allOf(ServerQuirks.Quirk.class).stream().map(q -> Arguments.of(q.name(), EnumSet.of(q)));
        return Stream.concat(each, Stream.of(Arguments.of("lambda-like", ServerQuirks.LAMBDA_LIKE)));
    }

    @Nested
    @ParameterizedClass(name = "{0}")
    @MethodSource("StoreContractTest#profiles")
    class OnS3StoreThroughQuirks extends Contract {
        @Parameter(0)
        String profile;

        @Parameter(1)
        Set<ServerQuirks.Quirk> quirks;

        FaultProxy proxy;

        @Override
        Store open() throws Exception {
            Bucket bucket = new Bucket();
            proxy = FaultProxy.start(bucket.server.endpoint).quirks(quirks);
            Path dir = Files.createDirectories(tmp.resolve("cfg"));
            return s3(tmp, bucket.config(dir, "LAMBDA_ENDPOINT_URL=" + proxy.endpoint()));
        }

        @AfterEach
        void closeProxy() {
            if (proxy != null) proxy.close();
        }
    }
}
