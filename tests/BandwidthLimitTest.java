import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import lib.common.BandwidthLimit;
import lib.common.Ending;
import lib.common.StopException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The rates --bwlimit and SYNC_BWLIMIT take, spelled as rclone spells them (SYNC.md, "Bandwidth"). */
@Tag("unit")
class BandwidthLimitTest {
    @Test
    void ratesAsRcloneSpellsThem() {
        assertEquals(10L << 20, BandwidthLimit.parse("10M", "--bwlimit"));
        assertEquals(500L << 10, BandwidthLimit.parse("500k", "--bwlimit"));
        assertEquals(500L << 10, BandwidthLimit.parse("500K", "--bwlimit"));
        assertEquals(3L << 29, BandwidthLimit.parse("1.5G", "--bwlimit"));
        assertEquals(1L << 40, BandwidthLimit.parse("1T", "--bwlimit"));
        assertEquals(4096, BandwidthLimit.parse("4096b", "--bwlimit"));
        assertEquals(64L << 10, BandwidthLimit.parse("64", "--bwlimit"), "a number alone is KiB/s, as in rclone");
        assertEquals(0, BandwidthLimit.parse("off", "--bwlimit"));
        assertEquals(0, BandwidthLimit.parse("OFF", "--bwlimit"));
    }

    @Test
    void anythingElseNamesTheAcceptedForms() {
        for (String bad : new String[] {"", "fast", "10 MB", "10MB", "-1M", "1e6", "0", "0.5k", "100b", "10X"}) {
            StopException e = assertThrows(StopException.class, () -> BandwidthLimit.parse(bad, "--bwlimit"), bad);
            assertEquals(Ending.USAGE, e.kind, bad);
            assertEquals(true, e.getMessage().contains(BandwidthLimit.FORMS), e.getMessage());
        }
    }

    @Test
    void shownAsPeopleReadIt() {
        assertEquals("16.0 MiB/s", BandwidthLimit.describe(16L << 20));
        assertEquals("off", BandwidthLimit.describe(0));
    }

    /**
     * The limiter on a clock the test moves: reads of every size, and pauses that save up credit,
     * never let more than the rate plus 2% through any 1-second window (SYNC.md, "Bandwidth").
     */
    @Test
    void noSecondEverPassesMoreThanTheRateAndTwoPercent() throws Exception {
        long rate = 16L << 20;
        long[] now = {0};
        java.util.List<long[]> passed = new java.util.ArrayList<>();
        BandwidthLimit limit = new BandwidthLimit(rate, () -> now[0], nanos -> now[0] += nanos);
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 4000; i++) {
            if (i % 500 == 499) now[0] += 3_000_000_000L; // idle: at most the credit is saved up
            int n = 1 + random.nextInt(256 * 1024);
            limit.acquire(n);
            passed.add(new long[] {now[0], n});
        }
        long busiest = 0;
        for (int i = 0, j = 0; i < passed.size(); i++) {
            long sum = 0;
            for (j = i; j < passed.size() && passed.get(j)[0] < passed.get(i)[0] + 1_000_000_000L; j++)
                sum += passed.get(j)[1];
            busiest = Math.max(busiest, sum);
        }
        assertEquals(true, busiest <= rate * 1.02, busiest + " bytes in a second at " + rate + " B/s");
        assertEquals(true, busiest >= rate * 0.9, "and it is not far slower: " + busiest);
    }
}
