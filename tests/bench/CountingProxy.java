import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 forwarder between the tools and the S3 server that writes down every
 * exchange: its S3 kind, when it started, when its body was sent, when the answer began and
 * ended, the status, and the bytes each way. Bytes are forwarded as they come (so
 * {@code Expect: 100-continue} and keep-alive work); only the message framing is parsed.
 */
final class CountingProxy implements AutoCloseable {
    enum Kind {
        LIST,
        HEAD,
        GET,
        PUT,
        MP_INIT,
        MP_PART,
        MP_COMPLETE,
        MP_ABORT,
        MP_LIST,
        DELETE,
        COPY,
        BUCKET,
        OTHER
    }

    /** Times are System.nanoTime(); {@code sent} is when the request body was fully forwarded. */
    record Exchange(Kind kind, long start, long sent, long firstByte, long end, int status, long up, long down) {}

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final ConcurrentLinkedQueue<Exchange> log = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The first request head of each kind since the last drain, signature redacted: what each tool actually sends. */
    private final java.util.Map<Kind, String> firstHeads = new java.util.concurrent.ConcurrentHashMap<>();

    private final List<Socket> open = new ArrayList<>();
    private volatile boolean closed;

    CountingProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Everything logged since the last call, once no exchange is half-way (waits up to 2 s for that). */
    List<Exchange> drain() throws InterruptedException {
        for (int i = 0; i < 200 && inFlight.get() > 0; i++) Thread.sleep(10);
        List<Exchange> out = new ArrayList<>();
        for (Exchange e; (e = log.poll()) != null; ) out.add(e);
        return out;
    }

    /** The first request head of each kind seen since the last call. */
    java.util.Map<Kind, String> drainHeads() {
        java.util.Map<Kind, String> m = new java.util.EnumMap<>(Kind.class);
        m.putAll(firstHeads);
        firstHeads.clear();
        return m;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (open) {
            for (Socket s : open) s.close();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket up = new Socket();
                up.connect(upstream, 10_000);
                for (Socket s : List.of(client, up)) s.setTcpNoDelay(true);
                synchronized (open) {
                    open.add(client);
                    open.add(up);
                }
                new Connection(client, up).start();
            } catch (IOException e) {
                if (!closed) System.err.println("[proxy] " + e);
            }
        }
    }

    /** One client connection: requests flow one way, answers the other, matched in order. */
    private final class Connection {
        private final Socket client, up;
        private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();

        Connection(Socket client, Socket up) {
            this.client = client;
            this.up = up;
        }

        void start() {
            daemon(this::requests, "proxy-req").start();
            daemon(this::responses, "proxy-resp").start();
        }

        private void requests() {
            try (client;
                    up) {
                InputStream in = new BufferedInputStream(client.getInputStream(), 1 << 16);
                OutputStream out = new BufferedOutputStream(up.getOutputStream(), 1 << 16);
                while (true) {
                    Head head = Head.read(in);
                    if (head == null) return;
                    Pending p = new Pending(classify(head), System.nanoTime(), head.method.equals("HEAD"));
                    firstHeads.computeIfAbsent(
                            p.kind,
                            k -> new String(head.raw, StandardCharsets.ISO_8859_1)
                                    .replaceAll("Signature=[0-9a-f]+", "Signature=<redacted>")
                                    .replaceAll("Credential=[^/]+/", "Credential=<access-key>/"));
                    inFlight.incrementAndGet();
                    pending.add(p);
                    out.write(head.raw);
                    out.flush();
                    p.up = head.raw.length + Body.copy(head, in, out, false);
                    out.flush();
                    p.sent = System.nanoTime();
                }
            } catch (IOException ignored) {
                // the client or the server hung up; the other thread sees it too
            } finally {
                pending.add(Pending.END);
            }
        }

        private void responses() {
            try (client;
                    up) {
                InputStream in = new BufferedInputStream(up.getInputStream(), 1 << 16);
                OutputStream out = new BufferedOutputStream(client.getOutputStream(), 1 << 16);
                Pending p = null;
                while (true) {
                    Head head = Head.read(in);
                    if (head == null) return;
                    if (p == null) p = pending.take();
                    if (p == Pending.END) return;
                    long firstByte = System.nanoTime();
                    out.write(head.raw);
                    if (head.status >= 100 && head.status < 200) { // 100 Continue: the final answer follows
                        out.flush();
                        continue;
                    }
                    long down = head.raw.length + Body.copy(head, in, out, p.isHead);
                    out.flush();
                    // An answer can begin before the request thread has noted the body as sent (no body, or an early
                    // error).
                    long sent = p.sent == 0 || p.sent > firstByte ? firstByte : p.sent;
                    log.add(new Exchange(p.kind, p.start, sent, firstByte, System.nanoTime(), head.status, p.up, down));
                    inFlight.decrementAndGet();
                    p = null;
                    if (head.closes) return;
                }
            } catch (IOException ignored) {
                // hung up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                // Requests that never got an answer are not logged; keep drain() from waiting on them.
                for (Pending p; (p = pending.poll()) != null; ) if (p != Pending.END) inFlight.decrementAndGet();
            }
        }
    }

    private static final class Pending {
        static final Pending END = new Pending(Kind.OTHER, 0, false);
        final Kind kind;
        final long start;
        final boolean isHead;
        volatile long sent, up;

        Pending(Kind kind, long start, boolean isHead) {
            this.kind = kind;
            this.start = start;
            this.isHead = isHead;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Path-style S3: "/bucket" is a bucket-level request, "/bucket/key" an object one. */
    static Kind classify(Head h) {
        String target = h.target, query = "";
        int q = target.indexOf('?');
        if (q >= 0) {
            query = "&" + target.substring(q + 1) + "&";
            target = target.substring(0, q);
        }
        String path = target.startsWith("/") ? target.substring(1) : target;
        boolean object = path.indexOf('/') >= 0 && path.indexOf('/') < path.length() - 1;
        boolean uploadId = query.contains("&uploadId="), copy = h.header("x-amz-copy-source") != null;
        switch (h.method) {
            case "GET":
                if (path.isEmpty()) return Kind.OTHER; // ListBuckets
                if (object) return Kind.GET;
                if (query.contains("&uploads&") || query.contains("&uploads=")) return Kind.MP_LIST;
                return query.contains("&location") || query.contains("&versioning") ? Kind.OTHER : Kind.LIST;
            case "HEAD":
                return object ? Kind.HEAD : Kind.BUCKET;
            case "PUT":
                if (!object) return Kind.BUCKET;
                if (copy) return Kind.COPY;
                return uploadId ? Kind.MP_PART : Kind.PUT;
            case "POST":
                if (object && query.contains("&uploads")) return Kind.MP_INIT;
                if (object && uploadId) return Kind.MP_COMPLETE;
                return query.contains("&delete") ? Kind.DELETE : Kind.OTHER;
            case "DELETE":
                if (!object) return Kind.BUCKET;
                return uploadId ? Kind.MP_ABORT : Kind.DELETE;
            default:
                return Kind.OTHER;
        }
    }

    /** A request or response head: start line and headers, kept raw for forwarding. */
    static final class Head {
        final byte[] raw;
        final String method, target;
        final int status;
        final List<String[]> headers;
        final boolean closes;

        private Head(byte[] raw, String method, String target, int status, List<String[]> headers) {
            this.raw = raw;
            this.method = method;
            this.target = target;
            this.status = status;
            this.headers = headers;
            String conn = header("connection");
            this.closes = conn != null && conn.toLowerCase(Locale.ROOT).contains("close");
        }

        String header(String name) {
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return h[1];
            return null;
        }

        /** @return null at a clean end of stream between messages */
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            int state = 0; // counts the bytes of a CRLFCRLF seen so far
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    if (buf.size() == 0) return null;
                    throw new EOFException("stream ended inside a message head");
                }
                buf.write(b);
                if (buf.size() > 256 * 1024) throw new IOException("message head too large");
                state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                        ? state + 1
                        : (b == '\r' ? 1 : 0);
            }
            byte[] raw = buf.toByteArray();
            String[] lines = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n");
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0)
                    headers.add(new String[] {
                        lines[i].substring(0, c).trim(),
                        lines[i].substring(c + 1).trim()
                    });
            }
            String[] start = lines[0].split(" ", 3);
            if (start[0].startsWith("HTTP/")) {
                return new Head(raw, null, null, Integer.parseInt(start[1]), headers);
            }
            return new Head(raw, start[0], start.length > 1 ? start[1] : "", 0, headers);
        }
    }

    /** Copies one message body as framed by its head; returns the bytes copied. */
    static final class Body {
        static long copy(Head h, InputStream in, OutputStream out, boolean answerToHead) throws IOException {
            boolean response = h.method == null;
            if (response && (answerToHead || h.status == 204 || h.status == 304)) return 0;
            String te = h.header("transfer-encoding");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) return chunked(in, out);
            String cl = h.header("content-length");
            if (cl != null) return exactly(in, out, Long.parseLong(cl.trim()));
            return response ? untilEnd(in, out) : 0;
        }

        private static long exactly(InputStream in, OutputStream out, long n) throws IOException {
            byte[] buf = new byte[1 << 16];
            long left = n;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) throw new EOFException("body ended early");
                out.write(buf, 0, r);
                left -= r;
            }
            return n;
        }

        private static long untilEnd(InputStream in, OutputStream out) throws IOException {
            return in.transferTo(out);
        }

        private static long chunked(InputStream in, OutputStream out) throws IOException {
            long total = 0;
            while (true) {
                String line = line(in, out);
                int semi = line.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                total += line.length() + 2;
                if (size == 0) {
                    for (String t; !(t = line(in, out)).isEmpty(); ) total += t.length() + 2; // trailers
                    return total + 2;
                }
                total += exactly(in, out, size + 2); // data and its CRLF
            }
        }

        /** Reads and forwards one CRLF-terminated line; returns it without the CRLF. */
        private static String line(InputStream in, OutputStream out) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(32);
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) throw new EOFException("stream ended inside a chunk line");
                out.write(c);
                if (prev == '\r' && c == '\n') break;
                if (prev >= 0) b.write(prev);
                prev = c;
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
