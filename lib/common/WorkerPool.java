package lib.common;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Runs one step over many items on a bounded set of daemon threads (listing prefixes, hashing
 * files, transferring, uploading parts), returning results in order. The first failure comes
 * back as it was thrown, so callers handle IOException as if the work had run inline.
 */
public final class WorkerPool {
    public interface IoFunction<A, B> {
        B apply(A a) throws IOException;
    }

    private WorkerPool() {}

    /** Daemon threads, so a stuck transfer never keeps the JVM from exiting. */
    public static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public interface InOrder<A, B> {
        void accept(A a, B b) throws IOException;
    }

    /** Applies {@code fn} to every item on an existing pool. */
    public static <A, B> List<B> map(ExecutorService pool, List<A> items, IoFunction<A, B> fn) throws IOException {
        return map(pool, items, fn, (a, b) -> {});
    }

    /**
     * As {@link #map(ExecutorService, List, IoFunction)}, and the calling thread hands each result
     * to {@code then} in item order while later items are still running (hashing a download's
     * ranges in order as they arrive, rather than in a second pass after the last one).
     */
    public static <A, B> List<B> map(ExecutorService pool, List<A> items, IoFunction<A, B> fn, InOrder<A, B> then)
            throws IOException {
        List<Future<B>> futures = new ArrayList<>();
        for (A a : items) futures.add(pool.submit(() -> fn.apply(a)));
        List<B> out = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            B b = await(futures.get(i));
            then.accept(items.get(i), b);
            out.add(b);
        }
        return out;
    }

    /** Applies {@code fn} to every item on a pool of its own, at most {@code threads} at once. */
    public static <A, B> List<B> map(int threads, String name, List<A> items, IoFunction<A, B> fn) throws IOException {
        if (items.isEmpty()) return List.of();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, items.size()), daemon(name));
        try {
            return map(pool, items, fn);
        } finally {
            pool.shutdownNow();
        }
    }

    private static <B> B await(Future<B> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
        }
    }
}
