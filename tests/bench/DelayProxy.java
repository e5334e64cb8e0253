import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP forwarder that holds back what the client sends by a settable delay, so that
 * one request-answer round trip takes about that long (the kernel here has no netem). Bytes
 * are forwarded as they come, chunk by chunk: each chunk leaves {@code delay} after it arrived,
 * in order, while later chunks keep being read, so a connection keeps its throughput (at most
 * {@link #QUEUED_CHUNKS} chunks wait per connection) and connections never wait on each other.
 * Answers flow back undelayed. A new connection's first bytes also wait one extra delay after
 * it was accepted, as the client would have waited for a TCP handshake over such a link.
 */
final class DelayProxy implements AutoCloseable {
    /** Chunks waiting per connection (64 KiB reads): 16 MiB, about 80 ms of a 200 MiB/s stream. */
    static final int QUEUED_CHUNKS = 256;

    private static final Chunk EOF = new Chunk(new byte[0], 0);

    private record Chunk(byte[] bytes, long due) {}

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Socket> open = new ArrayList<>();
    private volatile long delayNanos;
    private volatile boolean closed;

    DelayProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        daemon(this::accept, "delay-accept").start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Applies to bytes that arrive from now on (and to connections accepted from now on). */
    void delayMillis(double ms) {
        if (ms < 0) throw new IllegalArgumentException("delay must be ≥ 0 ms, not " + ms);
        delayNanos = (long) (ms * 1e6);
    }

    double delayMillis() {
        return delayNanos / 1e6;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (open) {
            for (Socket s : open) s.close();
            open.clear();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                long accepted = System.nanoTime();
                Socket up = new Socket();
                up.connect(upstream, 10_000);
                for (Socket s : List.of(client, up)) s.setTcpNoDelay(true);
                synchronized (open) {
                    open.removeIf(Socket::isClosed);
                    open.add(client);
                    open.add(up);
                }
                new Link(client, up, accepted + delayNanos).start();
            } catch (IOException e) {
                if (!closed) System.err.println("[delay-proxy] " + e);
            }
        }
    }

    /** One connection: a reader and a delayed writer towards the server, a plain copier back. */
    private final class Link {
        private final Socket client, up;
        /** As if the handshake took one round trip: nothing reaches the server before this. */
        private final long connected;

        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
        private int ended; // directions finished; the sockets close after both

        Link(Socket client, Socket up, long connected) {
            this.client = client;
            this.up = up;
            this.connected = connected;
        }

        void start() {
            daemon(this::read, "delay-read").start();
            daemon(this::write, "delay-write").start();
            daemon(this::answer, "delay-answer").start();
        }

        private void read() {
            try {
                InputStream in = client.getInputStream();
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    long now = System.nanoTime();
                    queue.put(new Chunk(Arrays.copyOf(buf, n), Math.max(now, connected) + delayNanos));
                }
            } catch (IOException ignored) {
                // the client hung up or the link was closed; the writer ends on EOF
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    queue.put(EOF);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void write() {
            try {
                OutputStream out = up.getOutputStream();
                for (Chunk c; (c = queue.take()) != EOF; ) {
                    for (long wait; (wait = c.due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
                    out.write(c.bytes);
                }
                up.shutdownOutput(); // the client closed its side: pass that on, keep reading answers
            } catch (IOException ignored) {
                // the server hung up; the answer side sees it too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done();
            }
        }

        private void answer() {
            try {
                InputStream in = up.getInputStream();
                OutputStream out = client.getOutputStream();
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
                client.shutdownOutput();
            } catch (IOException ignored) {
                // either side hung up
            } finally {
                done();
            }
        }

        private synchronized void done() {
            if (++ended < 2) return;
            try {
                client.close();
                up.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
