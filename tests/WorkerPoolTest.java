import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import lib.common.WorkerPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Results in item order whatever order the work finishes in; the first failure as thrown; callbacks in order. */
@Tag("unit")
class WorkerPoolTest {
    @Test
    void resultsComeBackInItemOrderEvenWhenLaterItemsFinishFirst() throws Exception {
        CountDownLatch lastDone = new CountDownLatch(1);
        List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Integer> out = WorkerPool.map(3, "t", List.of(1, 2, 3), n -> {
            try {
                if (n == 1 && !lastDone.await(30, TimeUnit.SECONDS)) throw new IOException("item 3 never finished");
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            finished.add("item " + n);
            if (n == 3) lastDone.countDown();
            return n * 10;
        });
        assertEquals(List.of(10, 20, 30), out);
        assertTrue(finished.indexOf("item 3") < finished.indexOf("item 1"), "item 1 waited for item 3: " + finished);
        assertEquals(List.of(), WorkerPool.map(2, "t", List.<Integer>of(), n -> n));
    }

    @Test
    void theFirstFailureComesBackAsItWasThrown() {
        IOException io = new IOException("disk gone");
        IOException thrown = assertThrows(
                IOException.class,
                () -> WorkerPool.map(2, "t", List.of(1, 2, 3), n -> {
                    if (n == 2) throw io;
                    return n;
                }));
        assertSame(io, thrown, "not wrapped in an ExecutionException");
        IllegalStateException bug = new IllegalStateException("a bug");
        assertSame(
                bug,
                assertThrows(
                        IllegalStateException.class,
                        () -> WorkerPool.map(2, "t", List.of(1), n -> {
                            throw bug;
                        })));
    }

    @Test
    void theCallbackSeesEachResultInItemOrderOnTheCallingThread() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4, WorkerPool.daemon("t"));
        try {
            Thread caller = Thread.currentThread();
            List<String> seen = new ArrayList<>();
            List<Integer> items = List.of(5, 4, 3, 2, 1, 0);
            WorkerPool.map(pool, items, n -> n * n, (n, sq) -> {
                assertSame(caller, Thread.currentThread());
                seen.add(n + "=" + sq);
            });
            assertEquals(List.of("5=25", "4=16", "3=9", "2=4", "1=1", "0=0"), seen);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void poolThreadsAreDaemonsSoAStuckTransferNeverKeepsTheJvmAlive() {
        assertTrue(WorkerPool.daemon("part").newThread(() -> {}).isDaemon());
    }
}
