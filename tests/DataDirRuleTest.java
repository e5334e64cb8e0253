import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lib.local.DataDirs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The data-dir rule of SYNC.md "What is synced", written once in DataDirs and asked by the scan, the stores and the config. */
@Tag("unit")
class DataDirRuleTest {
    @Test
    void dataAndReportsDirectlyUnderATopFolderThatIsNotADotFolder() {
        assertTrue(DataDirs.isDataDir("exp", "data"));
        assertTrue(DataDirs.isDataDir("exp", "reports"));
        assertFalse(DataDirs.isDataDir(".hidden", "data"), "bash's * skips dot-folders");
        assertFalse(DataDirs.isDataDir("exp", "Data"));
        assertFalse(DataDirs.isDataDir("exp", "results"));
    }

    @Test
    void keysAreDataKeysOnlyInsideSuchAFolder() {
        assertTrue(DataDirs.isDataKey("exp/data/run1.jsonl"));
        assertTrue(DataDirs.isDataKey("exp/reports/a/b.md"));
        assertFalse(DataDirs.isDataKey("data/run1.jsonl"), "directly under the root");
        assertFalse(DataDirs.isDataKey("a/b/data/x"), "one level too deep");
        assertFalse(DataDirs.isDataKey(".lambda-sync/data/x"));
        assertFalse(DataDirs.isDataKey("exp/data"), "the folder itself is no key");
    }
}
