import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback HTTP/1.1 proxy between the tool and the suite's S3 server that breaks requests on
 * purpose, as a flaky network, a dying server or a buggy/hostile server would. Requests are
 * forwarded byte for byte (request line, headers including Host, body), so SigV4 signatures stay
 * valid; only the TCP destination changes. Each request goes to the server on a fresh connection;
 * the client's side keeps alive.
 *
 * <p>Faults are programmed with {@link #on}: a rule matches a request {@link Kind} and a substring
 * of the percent-decoded request target (path and query), and fires on the nth match for a
 * number of matches. Every request is counted by kind, so tests can assert that a retry happened.
 * Bodies are buffered whole (test files are small enough), which makes truncating, corrupting
 * and rewriting them simple.
 */
final class FaultProxy implements AutoCloseable {
    /** What an S3 request does, read from its method and query. */
    enum Kind {
        LIST,
        GET,
        HEAD,
        PUT,
        CREATE_MULTIPART,
        UPLOAD_PART,
        COMPLETE_MULTIPART,
        ABORT_MULTIPART,
        LIST_UPLOADS,
        DELETE,
        /** CopyObject (and UploadPartCopy): a PUT with x-amz-copy-source, whose bytes never leave the server. */
        COPY,
        OTHER
    }

    /** What the proxy does to a matching request instead of relaying it faithfully. */
    record Fault(Type type, int status, String code, Duration stall, List<String> keys, Runnable action) {
        enum Type {
            STATUS,
            RESET,
            DROP_RESPONSE,
            STALL,
            TRUNCATE,
            SHORT_BODY,
            CORRUPT,
            CORRUPT_REQUEST,
            INJECT_KEYS,
            KILL,
            BEFORE,
            CUT_LISTING
        }

        Fault(Type type, int status, String code, Duration stall, List<String> keys) {
            this(type, status, code, stall, keys, null);
        }

        /**
         * A ListObjectsV2 answer that keeps only its first key, says more follows (IsTruncated) and
         * gives no continuation token: a buggy server's listing, cut short.
         */
        static Fault cutListing() {
            return new Fault(Type.CUT_LISTING, 0, null, null, List.of());
        }

        /**
         * Runs {@code action} (another machine's write, say) before the request reaches the server,
         * then relays it faithfully: a race made deterministic, with no sleep.
         */
        static Fault before(Runnable action) {
            return new Fault(Type.BEFORE, 0, null, null, List.of(), action);
        }

        /** Answers with an S3 error document; the server never sees the request. */
        static Fault status(int status, String code) {
            return new Fault(Type.STATUS, status, code, null, List.of());
        }

        static Fault internalError() {
            return status(500, "InternalError");
        }

        static Fault slowDown() {
            return status(503, "SlowDown");
        }

        /**
         * Resets the connection (TCP RST) mid-body: half-way through the request body when it has
         * one (the server sees nothing), else half-way through the response body.
         */
        static Fault reset() {
            return new Fault(Type.RESET, 0, null, null, List.of());
        }

        /** The server does the work; the client never hears back (reset instead of the response). */
        static Fault dropResponse() {
            return new Fault(Type.DROP_RESPONSE, 0, null, null, List.of());
        }

        /**
         * Goes quiet for {@code d}, then closes: after half the response body for a request that
         * has one to relay (a GET), else before answering (the server never sees the request).
         */
        static Fault stall(Duration d) {
            return new Fault(Type.STALL, 0, null, d, List.of());
        }

        /** Sends half the body under the full Content-Length, then closes: a premature end of stream. */
        static Fault truncate() {
            return new Fault(Type.TRUNCATE, 0, null, null, List.of());
        }

        /** Sends half the body with a Content-Length that agrees: only a checksum can tell. */
        static Fault shortBody() {
            return new Fault(Type.SHORT_BODY, 0, null, null, List.of());
        }

        /** Flips every bit of the body's middle byte; the length stays right. */
        static Fault corrupt() {
            return new Fault(Type.CORRUPT, 0, null, null, List.of());
        }

        /** Flips every bit of the request body's middle byte before the server gets it (an upload corrupted on the way). */
        static Fault corruptRequest() {
            return new Fault(Type.CORRUPT_REQUEST, 0, null, null, List.of());
        }

        /**
         * Adds these keys to a ListObjectsV2 answer (URL-encoded when the client asked for
         * encoding-type=url, so even a NUL can be sent; raw XML 1.0 cannot carry one).
         */
        static Fault injectKeys(String... keys) {
            return new Fault(Type.INJECT_KEYS, 0, null, null, List.of(keys));
        }

        /**
         * The server dies mid-request: half the request body reaches it, then every connection is
         * reset and new ones are refused until {@link FaultProxy#revive()}.
         */
        static Fault kill() {
            return new Fault(Type.KILL, 0, null, null, List.of());
        }
    }

    /** A programmed fault: fires on matches number {@code nth} .. {@code nth + times - 1}. */
    final class Rule {
        final Kind kind;
        final String part;
        final Fault fault;
        private int nth = 1, times = 1, seen, fired;

        private Rule(Kind kind, String part, Fault fault) {
            this.kind = kind;
            this.part = part;
            this.fault = fault;
        }

        /** Fires first on the {@code n}th matching request (1-based). */
        Rule nth(int n) {
            synchronized (FaultProxy.this) {
                nth = n;
            }
            return this;
        }

        Rule times(int n) {
            synchronized (FaultProxy.this) {
                times = n;
            }
            return this;
        }

        Rule always() {
            return times(Integer.MAX_VALUE);
        }

        /** How many requests this rule has broken so far. */
        int fired() {
            synchronized (FaultProxy.this) {
                return fired;
            }
        }

        private boolean take(Request r) {
            if (kind != null && kind != r.kind) return false;
            if (part != null && !r.target.contains(part)) return false;
            seen++;
            if (seen < nth || seen >= nth + (long) times) return false;
            fired++;
            return true;
        }
    }

    /**
     * A request as seen: its kind, method, decoded target, its x-amz-content-sha256 header (what
     * the signature says of the body), and the fault applied (or null).
     */
    record Request(
            Kind kind,
            String method,
            String target,
            String payloadHash,
            Fault.Type fault,
            long length,
            Map<String, String> headers) {
        Request(Kind kind, String method, String target, String payloadHash, Fault.Type fault) {
            this(kind, method, target, payloadHash, fault, 0, Map.of());
        }

        /** A header as the tool sent it (the first of its name, any case), or null. */
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        /** A request about the tool's own objects under .lambda-sync/ (server probe, proof manifests), not data. */
        boolean own() {
            return target.contains("/.lambda-sync/") || target.contains("prefix=.lambda-sync/");
        }

        @Override
        public String toString() {
            return method + " " + target + (fault == null ? "" : "  [" + fault + "]");
        }
    }

    final String host;
    final int port;
    private final String upstreamHost;
    private final int upstreamPort;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Rule> rules = new ArrayList<>();
    /** How the server misbehaves besides faults (null: as it is). */
    private volatile ServerQuirks quirks;

    private final List<Request> journal = new ArrayList<>();
    /** Response body bytes of each GET, by decoded target: what a download moved to the tool. */
    private final List<Object[]> gets = new ArrayList<>();
    /** Every byte between the tool and the proxy, with its time, once {@link #meter} is called. */
    private volatile Traffic traffic;

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile ServerSocket listener;
    private volatile boolean dead;

    /** Set for an https proxy: the tool talks TLS to us, we talk plain http to the server. */
    private final javax.net.ssl.SSLContext tls;

    private FaultProxy(String upstream, javax.net.ssl.SSLContext tls) throws IOException {
        URI u = URI.create(upstream);
        this.upstreamHost = u.getHost();
        this.upstreamPort = u.getPort() > 0 ? u.getPort() : 80;
        this.host = "127.0.0.1";
        this.tls = tls;
        ServerSocket s = newListener();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        this.port = s.getLocalPort();
        listen(s);
    }

    /** A proxy on 127.0.0.1 in front of {@code upstream} (an http:// endpoint). */
    static FaultProxy start(String upstream) {
        try {
            return new FaultProxy(upstream, null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The same, serving https with the suite's test certificate ({@link TestTls}). */
    static FaultProxy startTls(String upstream) {
        try {
            return new FaultProxy(upstream, TestTls.serverContext());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The endpoint to give the tool instead of the server's. */
    String endpoint() {
        return (tls == null ? "http://" : "https://") + host + ":" + port;
    }

    private ServerSocket newListener() throws IOException {
        return tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
    }

    /** Programs a fault for requests of {@code kind} (null: any) whose decoded target contains {@code part} (null: any). */
    synchronized Rule on(Kind kind, String part, Fault fault) {
        Rule r = new Rule(kind, part, fault);
        rules.add(r);
        return r;
    }

    /** From now on the server shows these quirks (see {@link ServerQuirks}); none: as it is. */
    FaultProxy quirks(java.util.Set<ServerQuirks.Quirk> q) {
        quirks = q.isEmpty() ? null : new ServerQuirks(q, S3Server.get());
        return this;
    }

    synchronized void clearRules() {
        rules.clear();
    }

    /** Requests of this kind whose decoded target contains {@code part} (null: any), faulty or not. */
    synchronized int count(Kind kind, String part) {
        return (int) journal.stream()
                .filter(r -> (kind == null || r.kind == kind) && (part == null || r.target.contains(part)))
                .count();
    }

    /** Requests of this kind about data (the tool's own .lambda-sync/ objects are not counted), faulty or not. */
    synchronized int count(Kind kind) {
        return (int) journal.stream()
                .filter(r -> (kind == null || r.kind == kind) && !r.own())
                .count();
    }

    /** Body bytes sent to the server in PUTs and parts (data only), from request number {@code from} on. */
    synchronized long bytesUploaded(int from) {
        return journal.subList(from, journal.size()).stream()
                .filter(r -> !r.own() && (r.kind == Kind.PUT || r.kind == Kind.UPLOAD_PART))
                .mapToLong(Request::length)
                .sum();
    }

    synchronized int size() {
        return journal.size();
    }

    /** Response body bytes the tool got from GETs of data (its own .lambda-sync/ objects not counted). */
    synchronized long bytesDownloaded() {
        return gets.stream()
                .filter(g -> !((String) g[0]).contains("/.lambda-sync/"))
                .mapToLong(g -> (Long) g[1])
                .sum();
    }

    /** Response body bytes the tool got from GETs of anything, its own objects included. */
    synchronized long bytesDownloadedAll() {
        return gets.stream().mapToLong(g -> (Long) g[1]).sum();
    }

    /**
     * From now on, every byte between the tool and the proxy is recorded with its time, both ways
     * (bodies and heads), and the proxy keeps a small send buffer towards the tool, so what it
     * records as sent is close to what the tool has read: a rate measured on the wire.
     */
    Traffic meter() {
        Traffic t = new Traffic();
        traffic = t;
        return t;
    }

    /** Bytes on the wire over time, as {@link #meter} records them. */
    static final class Traffic {
        private final List<long[]> events = new ArrayList<>(); // {System.nanoTime(), bytes}

        synchronized void add(int n) {
            if (n > 0) events.add(new long[] {System.nanoTime(), n});
        }

        synchronized long bytes() {
            return events.stream().mapToLong(e -> e[1]).sum();
        }

        /** KiB in each tenth of a second from the first byte: for a failing assertion's message. */
        synchronized String profile() {
            if (events.isEmpty()) return "";
            long t0 = events.get(0)[0];
            long[] b = new long[(int) ((events.get(events.size() - 1)[0] - t0) / 100_000_000L) + 1];
            for (long[] e : events) b[(int) ((e[0] - t0) / 100_000_000L)] += e[1];
            StringBuilder out = new StringBuilder();
            for (long x : b) out.append(x >> 10).append(' ');
            return out.toString();
        }

        /** Seconds from the first byte to {@code end} (a System.nanoTime()). */
        synchronized double secondsUntil(long end) {
            return events.isEmpty() ? 0 : (end - events.get(0)[0]) / 1e9;
        }

        /** The most bytes in any window of {@code window} that starts at least {@code skip} after the first byte. */
        synchronized long busiest(Duration window, Duration skip) {
            if (events.isEmpty()) return 0;
            long from = events.get(0)[0] + skip.toNanos(), w = window.toNanos(), best = 0, sum = 0;
            int j = 0;
            for (int i = 0; i < events.size(); i++) {
                if (j < i) {
                    j = i;
                    sum = 0;
                }
                if (events.get(i)[0] < from) continue;
                while (j < events.size() && events.get(j)[0] < events.get(i)[0] + w) sum += events.get(j++)[1];
                best = Math.max(best, sum);
                sum -= events.get(i)[1];
            }
            return best;
        }

        InputStream in(InputStream s) {
            return new java.io.FilterInputStream(s) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) add(1);
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    add(n);
                    return n;
                }
            };
        }

        OutputStream out(OutputStream s) {
            return new java.io.FilterOutputStream(s) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    add(1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    for (int at = off; at < off + len; at += 16 * 1024) { // a time for each piece as the tool takes it
                        int n = Math.min(16 * 1024, off + len - at);
                        out.write(b, at, n);
                        add(n);
                    }
                }
            };
        }
    }

    synchronized List<Request> requests() {
        return List.copyOf(journal);
    }

    /** Every request so far, one a line: for assertion messages. */
    synchronized String journal() {
        StringBuilder b = new StringBuilder();
        for (Request r : journal) b.append(r).append('\n');
        return b.toString();
    }

    /** The server is back: the same port accepts connections again and rules are kept. */
    synchronized void revive() {
        try {
            ServerSocket s = newListener();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            dead = false;
            listen(s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    boolean isDead() {
        return dead;
    }

    /** Stands in for a killed server: resets every connection and refuses new ones. */
    void kill() {
        dead = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (Socket s : open) reset(s);
    }

    @Override
    public void close() {
        closed.countDown();
        kill();
        pool.shutdownNow();
    }

    // ---- connections -------------------------------------------------------------------------

    private void listen(ServerSocket s) {
        listener = s;
        pool.execute(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    if (dead) {
                        reset(c);
                        continue;
                    }
                    open.add(c);
                    pool.execute(() -> serve(c));
                } catch (IOException e) {
                    return; // closed
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return;
                }
            }
        });
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout((int) TimeUnit.MINUTES.toMillis(5));
            InputStream raw = client.getInputStream();
            OutputStream out = client.getOutputStream();
            Traffic t = traffic;
            if (t != null) {
                client.setSendBufferSize(64 * 1024); // little in flight either way: what moved is what the tool
                client.setReceiveBufferSize(64 * 1024); // released, not what a socket buffer took in a burst
                raw = t.in(raw);
                out = t.out(out);
            }
            InputStream in = new BufferedInputStream(raw);
            while (!dead) {
                Head head = Head.read(in);
                if (head == null) return; // the client closed a kept-alive connection
                if (dead) {
                    reset(client);
                    return;
                }
                Request req = new Request(
                        kind(head),
                        head.method(),
                        decode(head.target()),
                        head.header("x-amz-content-sha256"),
                        null,
                        Math.max(0, head.contentLength()),
                        headers(head));
                Fault fault = match(req);
                if (!handle(head, fault, in, out, client)) return;
            }
            reset(client);
        } catch (IOException e) {
            // the client went away, or we reset it: nothing to do
        } finally {
            open.remove(client);
        }
    }

    private synchronized Fault match(Request req) {
        Fault f = null;
        for (Rule r : rules) {
            if (r.take(req) && f == null) f = r.fault;
        }
        journal.add(new Request(
                req.kind,
                req.method,
                req.target,
                req.payloadHash,
                f == null ? null : f.type(),
                req.length,
                req.headers));
        return f;
    }

    /** A request's headers by lower-case name, the first of each. */
    private static Map<String, String> headers(Head head) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String[] h : head.headers()) m.putIfAbsent(h[0].toLowerCase(java.util.Locale.ROOT), h[1]);
        return m;
    }

    /** The requests of this kind whose decoded target contains {@code part} (null: any), in order. */
    synchronized List<Request> requests(Kind kind, String part) {
        return journal.stream()
                .filter(r -> (kind == null || r.kind == kind) && (part == null || r.target.contains(part)))
                .toList();
    }

    /** Serves one request; false when the client connection is finished. */
    private boolean handle(Head head, Fault fault, InputStream in, OutputStream out, Socket client) throws IOException {
        Fault.Type t = fault == null ? null : fault.type();
        if ("100-continue".equalsIgnoreCase(head.header("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        long length = head.contentLength();
        if ((t == Fault.Type.RESET || t == Fault.Type.KILL) && length > 1) {
            byte[] half = in.readNBytes((int) (length / 2));
            if (t == Fault.Type.KILL) {
                try (Socket up = upstream()) {
                    up.getOutputStream().write(head.raw());
                    up.getOutputStream().write(half);
                    up.getOutputStream().flush();
                    reset(up);
                }
                kill();
            }
            reset(client);
            return false;
        }
        Body body = Body.read(in, head, false);
        Kind kind = kind(head);
        if (quirks != null) {
            if (quirks.unsupported(kind, head)) {
                writeError(out, head, Fault.status(501, "NotImplemented"));
                return true;
            }
            head = quirks.request(head, body.decoded());
        }
        if (t == Fault.Type.STATUS) {
            writeError(out, head, fault);
            return true;
        }
        if (t == Fault.Type.BEFORE) {
            fault.action().run();
            t = null;
        }
        if (t == Fault.Type.STALL && (body.raw().length > 0 || !head.method().equals("GET"))) {
            pause(fault.stall());
            reset(client);
            return false;
        }

        byte[] sent = body.raw();
        if (t == Fault.Type.CORRUPT_REQUEST && !head.chunked() && sent.length > 0) {
            sent = sent.clone();
            sent[sent.length / 2] ^= (byte) 0xFF;
        }
        Head respHead;
        Body resp;
        try (Socket up = upstream()) {
            OutputStream uo = up.getOutputStream();
            uo.write(head.raw());
            uo.write(sent);
            uo.flush();
            InputStream ui = new BufferedInputStream(up.getInputStream());
            do {
                respHead = Head.read(ui);
                if (respHead == null) throw new EOFException("the server closed without answering");
            } while (respHead.status() / 100 == 1);
            resp = Body.read(ui, respHead, true, head.method().equals("HEAD"));
        }
        if (kind == Kind.GET) {
            synchronized (this) {
                gets.add(new Object[] {decode(head.target()), (long) resp.raw().length});
            }
        }
        if (quirks != null && quirks.rewritesAnswers()) {
            respHead = quirks.responseHead(kind, respHead);
            byte[] b = quirks.responseBody(kind, resp.decoded());
            if (b != resp.decoded() || respHead.chunked()) {
                respHead = Head.of(respHead.first(), List.of(respHead.withLengthHeaders(b.length)));
                resp = new Body(b, b, false);
            }
        }
        if (quirks != null && quirks.rewritesListings() && kind == Kind.LIST && respHead.status() == 200) {
            byte[] b = resp.decoded();
            if (t == Fault.Type.INJECT_KEYS) {
                b = injectKeys(b, fault.keys(), head.target().contains("encoding-type=url"));
                t = null;
            }
            b = quirks.listing(head.target(), b);
            respHead = Head.of(respHead.first(), List.of(respHead.withLengthHeaders(b.length)));
            resp = new Body(b, b, false);
        }
        if (t == null || t == Fault.Type.CORRUPT_REQUEST || t == Fault.Type.INJECT_KEYS && respHead.status() != 200) {
            out.write(respHead.raw());
            out.write(resp.raw());
            out.flush();
            return !respHead.closes() && !head.closes() && !resp.closeDelimited();
        }
        byte[] b = resp.decoded();
        switch (t) {
            case DROP_RESPONSE -> {
                reset(client);
                return false;
            }
            case RESET, KILL -> {
                out.write(respHead.withLength(b.length));
                out.write(b, 0, b.length / 2);
                out.flush();
                if (t == Fault.Type.KILL) kill();
                reset(client);
                return false;
            }
            case STALL -> {
                out.write(respHead.withLength(b.length));
                out.write(b, 0, b.length / 2);
                out.flush();
                pause(fault.stall());
                reset(client);
                return false;
            }
            case TRUNCATE -> {
                out.write(respHead.withLength(b.length));
                out.write(b, 0, b.length / 2);
                out.flush();
                client.shutdownOutput();
                return false;
            }
            case SHORT_BODY -> {
                out.write(respHead.withLength(b.length / 2));
                out.write(b, 0, b.length / 2);
                out.flush();
                return !respHead.closes() && !head.closes();
            }
            case CORRUPT -> {
                if (b.length > 0) b[b.length / 2] ^= (byte) 0xFF;
                out.write(respHead.withLength(b.length));
                out.write(b);
                out.flush();
                return !respHead.closes() && !head.closes();
            }
            case CUT_LISTING -> {
                String xml = new String(b, StandardCharsets.UTF_8);
                int first = xml.indexOf("</Contents>");
                int last = xml.lastIndexOf("</Contents>");
                if (first >= 0 && last > first) xml = xml.substring(0, first + 11) + xml.substring(last + 11);
                xml = xml.replace("<IsTruncated>false</IsTruncated>", "<IsTruncated>true</IsTruncated>")
                        .replaceAll("<NextContinuationToken>[^<]*</NextContinuationToken>", "");
                byte[] x = xml.getBytes(StandardCharsets.UTF_8);
                out.write(respHead.withLength(x.length));
                out.write(x);
                out.flush();
                return !respHead.closes() && !head.closes();
            }
            case INJECT_KEYS -> {
                boolean url = head.target().contains("encoding-type=url");
                byte[] x = injectKeys(b, fault.keys(), url);
                out.write(respHead.withLength(x.length));
                out.write(x);
                out.flush();
                return !respHead.closes() && !head.closes();
            }
            default -> throw new IllegalStateException(t.toString());
        }
    }

    private Socket upstream() throws IOException {
        Socket s = new Socket(upstreamHost, upstreamPort);
        s.setSoTimeout((int) TimeUnit.MINUTES.toMillis(5));
        return s;
    }

    private void pause(Duration d) {
        try {
            closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // close() then sends RST, as a crashed peer's kernel would
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void writeError(OutputStream out, Head req, Fault f) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + f.code()
                + "</Code><Message>injected by the test proxy"
                + "</Message><RequestId>fault-proxy</RequestId><HostId>fault-proxy</HostId></Error>";
        byte[] body = req.method().equals("HEAD") ? new byte[0] : xml.getBytes(StandardCharsets.UTF_8);
        String reason = switch (f.status()) {
            case 403 -> "Forbidden";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
        String head = "HTTP/1.1 " + f.status() + " " + reason + "\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)) + "\r\n"
                + "x-amz-request-id: fault-proxy\r\n"
                + "Content-Type: application/xml\r\n"
                + "Content-Length: "
                + (req.method().equals("HEAD") ? xml.getBytes(StandardCharsets.UTF_8).length : body.length) + "\r\n"
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Inserts Contents entries for {@code keys} before the end of a ListBucketResult. */
    static byte[] injectKeys(byte[] xml, List<String> keys, boolean urlEncoded) {
        String s = new String(xml, StandardCharsets.UTF_8);
        int at = s.lastIndexOf("</ListBucketResult>");
        if (at < 0) throw new IllegalStateException("not a ListObjectsV2 answer: " + s);
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            String key = urlEncoded
                    ? encode(k)
                    : k.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            b.append("<Contents><Key>")
                    .append(key)
                    .append("</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>")
                    .append(
                            k.endsWith("/") // an empty directory, as a server that lists its directories shows one
                                    ? "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size>"
                                    : "<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size>")
                    .append("<StorageClass>STANDARD</StorageClass></Contents>");
        }
        return (s.substring(0, at) + b + s.substring(at)).getBytes(StandardCharsets.UTF_8);
    }

    // ---- requests ----------------------------------------------------------------------------

    static Kind kind(Head h) {
        String q = h.target().contains("?") ? h.target().substring(h.target().indexOf('?') + 1) : "";
        boolean uploadId = q.contains("uploadId="), uploads = q.matches("(.*&)?uploads(=[^&]*)?(&.*)?");
        return switch (h.method()) {
            case "GET" ->
                q.contains("list-type=2") ? Kind.LIST : uploads ? Kind.LIST_UPLOADS : uploadId ? Kind.OTHER : Kind.GET;
            case "HEAD" -> Kind.HEAD;
            case "PUT" ->
                h.header("x-amz-copy-source") != null
                        ? Kind.COPY
                        : q.contains("partNumber=") && uploadId ? Kind.UPLOAD_PART : Kind.PUT;
            case "POST" -> uploads ? Kind.CREATE_MULTIPART : uploadId ? Kind.COMPLETE_MULTIPART : Kind.OTHER;
            case "DELETE" -> uploadId ? Kind.ABORT_MULTIPART : Kind.DELETE;
            default -> Kind.OTHER;
        };
    }

    /** Percent-decoding as in a URI path ('+' stays '+'), UTF-8. */
    static String decode(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                try {
                    b.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                    continue;
                } catch (NumberFormatException ignored) {
                    // a lone '%'
                }
            }
            byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            b.write(enc, 0, enc.length);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** S3's URL encoding of a key in a listing: everything but unreserved characters and '/'. */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.~/".indexOf(c) >= 0)
                b.append((char) c);
            else b.append(String.format("%%%02X", c));
        }
        return b.toString();
    }

    /** A request or response head: the raw bytes, the first line and the headers. */
    record Head(byte[] raw, String first, List<String[]> headers) {
        /** A head written out from its first line and headers, as they are. */
        static Head of(String first, List<String[]> headers) {
            StringBuilder b = new StringBuilder(first).append("\r\n");
            for (String[] h : headers) b.append(h[0]).append(": ").append(h[1]).append("\r\n");
            return new Head(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1), first, headers);
        }

        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c, matched = 0;
            while (matched < 4) {
                c = in.read();
                if (c < 0) {
                    if (b.size() == 0) return null;
                    throw new EOFException("head cut short");
                }
                b.write(c);
                matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1
                        : c == '\r' ? 1 : 0;
                if (b.size() > 1 << 20) throw new IOException("head too long");
            }
            byte[] raw = b.toByteArray();
            String[] lines = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n");
            List<String[]> hs = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0)
                    hs.add(new String[] {
                        lines[i].substring(0, colon).trim(),
                        lines[i].substring(colon + 1).trim()
                    });
            }
            return new Head(raw, lines[0], hs);
        }

        String header(String name) {
            String v = null;
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) v = h[1];
            return v;
        }

        String method() {
            return first.split(" ", 3)[0];
        }

        String target() {
            return first.split(" ", 3)[1];
        }

        int status() {
            return Integer.parseInt(first.split(" ", 3)[1]);
        }

        long contentLength() {
            String v = header("content-length");
            return v == null ? -1 : Long.parseLong(v);
        }

        boolean chunked() {
            String v = header("transfer-encoding");
            return v != null && v.toLowerCase(Locale.ROOT).contains("chunked");
        }

        boolean closes() {
            String v = header("connection");
            return v != null && v.equalsIgnoreCase("close");
        }

        /** The headers with the body re-framed by Content-Length. */
        String[][] withLengthHeaders(long length) {
            List<String[]> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase("content-length") || h[0].equalsIgnoreCase("transfer-encoding")) continue;
                out.add(h);
            }
            out.add(new String[] {"Content-Length", String.valueOf(length)});
            return out.toArray(String[][]::new);
        }

        /** This head with the body re-framed by Content-Length (for a body the proxy rewrote). */
        byte[] withLength(long length) {
            StringBuilder b = new StringBuilder(first).append("\r\n");
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase("content-length") || h[0].equalsIgnoreCase("transfer-encoding")) continue;
                b.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            b.append("Content-Length: ").append(length).append("\r\n\r\n");
            return b.toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** A message body as framed on the wire ({@code raw}) and as content ({@code decoded}). */
    record Body(byte[] raw, byte[] decoded, boolean closeDelimited) {
        static Body read(InputStream in, Head h, boolean response) throws IOException {
            return read(in, h, response, false);
        }

        static Body read(InputStream in, Head h, boolean response, boolean headRequest) throws IOException {
            if (response && (headRequest || h.status() == 204 || h.status() == 304))
                return new Body(new byte[0], new byte[0], false);
            if (h.chunked()) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream(), dec = new ByteArrayOutputStream();
                while (true) {
                    String line = line(in, raw);
                    int size = Integer.parseInt(line.split(";", 2)[0].trim(), 16);
                    if (size == 0) {
                        while (!line(in, raw).isEmpty()) {
                            // trailers
                        }
                        return new Body(raw.toByteArray(), dec.toByteArray(), false);
                    }
                    byte[] chunk = in.readNBytes(size);
                    if (chunk.length < size) throw new EOFException("chunk cut short");
                    raw.write(chunk);
                    dec.write(chunk);
                    line(in, raw);
                }
            }
            long n = h.contentLength();
            if (n >= 0) {
                byte[] b = in.readNBytes((int) n);
                if (b.length < n) throw new EOFException("body cut short");
                return new Body(b, b, false);
            }
            if (!response) return new Body(new byte[0], new byte[0], false);
            byte[] b = in.readAllBytes();
            return new Body(b, b, true);
        }

        private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) >= 0; ) {
                raw.write(c);
                if (c == '\n') return b.toString().replace("\r", "");
                b.append((char) c);
            }
            throw new EOFException("line cut short");
        }
    }
}
