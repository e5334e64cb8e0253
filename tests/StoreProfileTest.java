import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.state.StateDir;
import lib.store.StoreProfile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a server was seen to support (SYNC.md, "Servers that are not AWS"): learned once, said once, kept per store. */
@Tag("unit")
class StoreProfileTest {
    @TempDir
    Path root;

    @Test
    void everyFeatureStartsUnknownAndTheFirstAnswerSetsIt() {
        StoreProfile p = StoreProfile.load(root, "s3:a", m -> {});
        for (StoreProfile.Feature f : StoreProfile.Feature.values())
            assertEquals(StoreProfile.Support.UNKNOWN, p.get(f));
        p.learn(StoreProfile.Feature.RANGE_GET, true, null);
        p.learn(StoreProfile.Feature.METADATA, false, "HEAD is not used");
        assertTrue(p.is(StoreProfile.Feature.RANGE_GET));
        assertTrue(p.isNot(StoreProfile.Feature.METADATA));
        assertFalse(p.is(StoreProfile.Feature.METADATA));
        assertTrue(p.oneLine().contains("range-get yes, multipart unknown"), p.oneLine());
    }

    @Test
    void aMissingFeatureIsSaidOnceWithWhatIsDoneInstead() {
        List<String> notices = new ArrayList<>();
        StoreProfile p = StoreProfile.load(root, "s3:a", notices::add);
        p.learn(StoreProfile.Feature.ETAG_MD5, false, "contents are compared by download");
        p.learn(StoreProfile.Feature.ETAG_MD5, false, "contents are compared by download");
        p.learn(StoreProfile.Feature.MULTIPART, false, "large files go in one PUT");
        p.learn(StoreProfile.Feature.RANGE_GET, true, "never said: it works");
        assertEquals(
                List.of(
                        "the server does not give content MD5s as ETags: contents are compared by download",
                        "the server does not support multipart upload: large files go in one PUT"),
                notices);
    }

    @Test
    void whatARunLearnedIsKeptPerStoreForTheNextRun() throws Exception {
        StoreProfile p = StoreProfile.load(root, "s3:a", m -> {});
        p.save();
        assertFalse(Files.exists(StateDir.profile(root)), "nothing learned: nothing written");
        p.learn(StoreProfile.Feature.CONDITIONAL_PUT, false, null);
        p.learn(StoreProfile.Feature.LIST_PARTS, true, null);
        p.save();

        List<String> notices = new ArrayList<>();
        StoreProfile again = StoreProfile.load(root, "s3:a", notices::add);
        assertEquals(p.oneLine(), again.oneLine());
        again.learn(StoreProfile.Feature.CONDITIONAL_PUT, false, "checked by HEAD instead");
        assertEquals(List.of(), notices, "known from the last run: not said again");
        assertEquals(
                StoreProfile.Support.UNKNOWN,
                StoreProfile.load(root, "s3:other", m -> {}).get(StoreProfile.Feature.LIST_PARTS),
                "another store starts from nothing");
    }

    @Test
    void aDamagedProfileIsLearnedAgainAndATransientOneIsNeverSaved() throws Exception {
        StoreProfile p = StoreProfile.load(root, "s3:a", m -> {});
        p.learn(StoreProfile.Feature.METADATA, true, null);
        p.save();
        try (var files = Files.list(StateDir.profile(root))) {
            for (Path f : files.toList()) Files.writeString(f, "metadata=PERHAPS\nmultipart=YES\n");
        }
        StoreProfile damaged = StoreProfile.load(root, "s3:a", m -> {});
        assertEquals(StoreProfile.Support.UNKNOWN, damaged.get(StoreProfile.Feature.METADATA));
        assertEquals(StoreProfile.Support.YES, damaged.get(StoreProfile.Feature.MULTIPART));

        StoreProfile t = StoreProfile.transientProfile();
        t.learn(StoreProfile.Feature.METADATA, false, "x");
        t.save(); // no file, no repo: nothing to write and nothing thrown
        assertTrue(t.isNot(StoreProfile.Feature.METADATA));
    }
}
