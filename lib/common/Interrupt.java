package lib.common;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Ctrl-C (SIGINT) and SIGTERM while transfers run (SYNC.md, "Integrity, interruptions,
 * concurrency"): the first one asks the run to stop starting transfers and wind down (its
 * in-flight transfers get {@link #GRACE} to finish); a second one exits at once. Outside a
 * transfer the JVM's own handling applies. What "exits at once" does is the entry's to say
 * ({@link #onSecondSignal}: it chooses the exit code). Signals are handled through {@code sun.misc.Signal},
 * the JDK's only way to let a program decide what a signal does; reached by reflection, because
 * naming it makes javac print nine warnings on every user's first run (JBang compiles there).
 */
public final class Interrupt implements AutoCloseable {
    static final Duration GRACE = Duration.ofSeconds(5);
    /** Set by the entry (main): exits at once with the code of an interrupted run. */
    private static volatile Runnable exitNow = () -> {};

    private final List<Object> signals = new ArrayList<>(), previous = new ArrayList<>();
    private volatile long requestedAt; // System.nanoTime() of the first signal, 0 before
    private Method handle;
    private volatile boolean closed;

    private Interrupt() {}

    public static Interrupt install() {
        Interrupt i = new Interrupt();
        try {
            Class<?> signal = Class.forName("sun.misc.Signal"), handler = Class.forName("sun.misc.SignalHandler");
            i.handle = signal.getMethod("handle", signal, handler);
            Object ours = Proxy.newProxyInstance(
                    Interrupt.class.getClassLoader(), new Class<?>[] {handler}, (proxy, m, args) -> {
                        if (m.getName().equals("handle")) i.signalled();
                        return switch (m.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            case "toString" -> "lambda-sync interrupt";
                            default -> null;
                        };
                    });
            for (String name : List.of("INT", "TERM")) {
                Object s = signal.getConstructor(String.class).newInstance(name);
                i.previous.add(i.handle.invoke(null, s, ours));
                i.signals.add(s);
            }
        } catch (ReflectiveOperationException | RuntimeException notHere) {
            // a JVM without sun.misc.Signal, or a signal it will not hand over: the defaults stay
        }
        return i;
    }

    /**
     * What a second signal does, on the signal's own thread: the entry exits there (the shutdown
     * hook still saves the state). Until it is set (an in-process caller), a second signal adds
     * nothing to the first.
     */
    public static void onSecondSignal(Runnable exit) {
        exitNow = exit;
    }

    private void signalled() {
        // A second Ctrl-C, or one after the transfers (a handler the JVM would not give back): now.
        if (requestedAt != 0 || closed) {
            exitNow.run();
            return;
        }
        requestedAt = Math.max(1, System.nanoTime());
    }

    public boolean requested() {
        return requestedAt != 0;
    }

    /** Whether the in-flight transfers have had their time since the stop was asked for. */
    public boolean graceOver() {
        return requested() && System.nanoTime() - requestedAt > GRACE.toNanos();
    }

    @Override
    public void close() {
        closed = true;
        for (int k = 0; k < signals.size(); k++) {
            try {
                handle.invoke(null, signals.get(k), previous.get(k));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the JVM keeps our handler, which now exits at once (see signalled)
            }
        }
    }
}
