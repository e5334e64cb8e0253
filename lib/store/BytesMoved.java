package lib.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;

/**
 * Data bytes as they go to and come from the store, for {@code Progress} (SYNC.md, "Progress"):
 * a store counts the bodies it moves as they go ({@link #counted}), so a 5 GiB file's progress
 * moves while it is sent, not only when it is done. Counted for the whole process; a retried body
 * counts again (Progress keeps its figure within the run's total).
 */
public final class BytesMoved {
    private static final LongAdder TOTAL = new LongAdder();

    private BytesMoved() {}

    /** Data bytes sent and received so far by this process. */
    public static long total() {
        return TOTAL.sum();
    }

    /** {@code in}, adding what is read from it to the total. */
    public static InputStream counted(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) TOTAL.increment();
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) TOTAL.add(n);
                return n;
            }
        };
    }
}
