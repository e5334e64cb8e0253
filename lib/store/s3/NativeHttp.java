package lib.store.s3;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import software.amazon.awssdk.crt.CRT;
import software.amazon.awssdk.crt.CrtResource;
import software.amazon.awssdk.crt.http.HttpException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The HTTP client for https endpoints: the SDK's AWS CRT client, whose TLS is native (s2n/AWS-LC)
 * and ~6× faster per byte than Java's under the tool's C1-only JIT (BENCHMARKS.md, "Over https").
 * Where its native library cannot load (an unusual libc or CPU, a temp dir it cannot write), or
 * {@code -Dlambda.sync.http=java} asks, {@link #builder} says so in one line and returns null: the
 * caller then uses the pure-Java Apache client, which behaves the same, only slower.
 */
public final class NativeHttp {
    private NativeHttp() {}

    /** {@code -Dlambda.sync.http=java}: the pure-Java client even where the native one loads (SYNC.md, "Speed"). */
    public static final String PROPERTY = "lambda.sync.http";

    private static String unavailable; // why the native client is not used; null once it loaded
    private static boolean checked, told;

    /**
     * Whether an endpoint goes through the native client: https (where TLS is the cost). Plain
     * http stays on the Apache client, as fast there ({@code -Dlambda.sync.http=native} tries it).
     */
    static boolean wanted(String endpoint) {
        String p = System.getProperty(PROPERTY, "");
        if (p.equals("java")) return false;
        return endpoint.startsWith("https://") || p.equals("native");
    }

    /** Null where the native library loads; else why not, in a few words. */
    public static synchronized String unavailable() {
        if (checked) return unavailable;
        checked = true;
        try {
            CRT.checkLoaded();
        } catch (Throwable e) { // UnsatisfiedLinkError, CrtRuntimeException, ExceptionInInitializerError, ...
            unavailable = "its native library did not load: " + firstLine(e);
        }
        return unavailable;
    }

    /** The one-line notice, printed once per run, that https goes through the slower pure-Java client. */
    static synchronized void tellFallback() {
        if (told || unavailable == null) return;
        told = true;
        System.err.println("notice: native TLS is unavailable (" + unavailable
                + "); using Java's TLS, which is slower for large files");
    }

    /**
     * The CRT client's builder, or null where it cannot be used.
     *
     * @param socket silence after which a request is given up (as the Apache client's socket timeout):
     *     the CRT kills a connection whose throughput stays under 1 byte/s for this long
     * @param caBundle LAMBDA_CA_BUNDLE, or null: trusted besides the system's certificates
     */
    static SdkHttpClient.Builder<?> builder(int maxConnections, Duration connect, Duration socket, Path caBundle) {
        if (unavailable() != null) {
            tellFallback();
            return null;
        }
        AwsCrtHttpClient.Builder crt = AwsCrtHttpClient.builder()
                .maxConcurrency(maxConnections)
                .connectionTimeout(connect)
                .tlsNegotiationTimeout(connect)
                .connectionHealthConfiguration(h -> h.minimumThroughputInBps(1L).minimumThroughputTimeout(socket))
                // Bytes a response may buffer natively ahead of the reader: the 16 MiB default times
                // 40 connections is memory the tool never needs; 1 MiB keeps a stream at full speed.
                .readBufferSizeInBytes(1024L * 1024);
        return new Builder(crt, caBundle);
    }

    /**
     * Builds the CRT client (see {@link Typed}), trusting the system's certificates plus
     * LAMBDA_CA_BUNDLE if given. The CRT client takes extra trust only as Java's trust-store system
     * properties (read once, while it is built), so they point at a temporary key store of both
     * for that moment and are then put back.
     */
    private record Builder(AwsCrtHttpClient.Builder crt, Path caBundle) implements SdkHttpClient.Builder<Builder> {
        @Override
        public SdkHttpClient buildWithDefaults(AttributeMap defaults) {
            if (caBundle == null) return new Typed(crt.buildWithDefaults(defaults), null);
            synchronized (NativeHttp.class) {
                Path store = null;
                Properties saved = (Properties) System.getProperties().clone();
                try {
                    store = trustStore(caBundle);
                    System.setProperty("javax.net.ssl.trustStore", store.toString());
                    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
                    System.setProperty("javax.net.ssl.trustStorePassword", STORE_PASS);
                    System.clearProperty("javax.net.ssl.trustStoreProvider");
                    return new Typed(crt.useTrustStoreSystemProperties(true).buildWithDefaults(defaults), caBundle);
                } finally {
                    for (String k : TRUST_PROPERTIES) {
                        if (saved.getProperty(k) == null) System.clearProperty(k);
                        else System.setProperty(k, saved.getProperty(k));
                    }
                    if (store != null) deleteQuietly(store);
                }
            }
        }
    }

    private static final String STORE_PASS = "lambda-sync"; // protects public certificates only
    private static final String[] TRUST_PROPERTIES = {
        "javax.net.ssl.trustStore",
        "javax.net.ssl.trustStoreType",
        "javax.net.ssl.trustStorePassword",
        "javax.net.ssl.trustStoreProvider"
    };

    /**
     * A PKCS12 file (owner-only, deleted once read) of the system's certificates and the bundle's.
     * Public certificates need no encryption nor MAC, whose key derivation (10,000 rounds of
     * HMAC-SHA256 each, on writing and on reading) was ~30 ms of CPU a run.
     */
    private static Path trustStore(Path caBundle) {
        KeyStore ks = S3Clients.trustStore(caBundle);
        String[] plain = {"keystore.pkcs12.certProtectionAlgorithm", "keystore.pkcs12.macAlgorithm"};
        String[] saved = {System.getProperty(plain[0]), System.getProperty(plain[1])};
        try {
            for (String k : plain) System.setProperty(k, "NONE");
            Path f = Files.createTempFile("lambda-sync-trust-", ".p12");
            try (OutputStream out = Files.newOutputStream(f)) {
                ks.store(out, STORE_PASS.toCharArray());
            }
            return f;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot use the certificates in LAMBDA_CA_BUNDLE " + caBundle + ": " + e.getMessage(), e);
        } finally {
            for (int i = 0; i < plain.length; i++) {
                if (saved[i] == null) System.clearProperty(plain[i]);
                else System.setProperty(plain[i], saved[i]);
            }
        }
    }

    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // a temp file of public certificates; the OS cleans its temp dir
        }
    }

    /**
     * The CRT client, its failures given the Java types the rest of the tool reads (StoreErrors:
     * UnknownHostException, ConnectException, SSLException; else an IOException, the network's),
     * chosen by the CRT's error name, never by message text. The CRT reports a TLS handshake the
     * server ended (a plain-http port) as a closed socket, and one it refused (a certificate not
     * trusted) only as no connection within the acquisition timeout: so a failure before the first
     * answer is checked with Java's own handshake, which names the TLS cause, as the Java client would.
     */
    private static final class Typed implements SdkHttpClient {
        private final SdkHttpClient crt;
        private final Path caBundle;
        private volatile boolean answered;

        Typed(SdkHttpClient crt, Path caBundle) {
            this.crt = crt;
            this.caBundle = caBundle;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest call = crt.prepareRequest(request);
            SdkHttpRequest http = request.httpRequest();
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    try {
                        HttpExecuteResponse r = call.call();
                        answered = true;
                        return r;
                    } catch (HttpException e) {
                        throw typed(e, http);
                    } catch (IOException e) {
                        if (e.getCause() instanceof HttpException h) throw typed(h, http);
                        throw e;
                    }
                }

                @Override
                public void abort() {
                    call.abort();
                }
            };
        }

        private IOException typed(HttpException h, SdkHttpRequest http) {
            String name = CRT.awsErrorName(h.getErrorCode());
            IOException io = asJava(h, name);
            if (!answered && !(io instanceof UnknownHostException) && !(io instanceof ConnectException)) {
                SSLException tls = handshakeFailure(http.host(), http.port(), caBundle);
                if (tls != null) io = tls;
            }
            if (io.getCause() == null) io.initCause(h);
            return io;
        }

        @Override
        public String clientName() {
            return crt.clientName();
        }

        /**
         * Also lets go of the CRT's shared event loops and DNS resolver, and waits (2 s at most) until
         * their native threads are gone: at exit the CRT waits up to 1 s for native threads still
         * running, and closing them without waiting left them running at exit in 5 of 8 https runs,
         * each then 1.0-1.35 s longer (0 of 15 with the wait).
         */
        @Override
        public void close() {
            crt.close();
            Thread wait = new Thread(CrtResource::waitForNoResources, "crt-shutdown");
            wait.setDaemon(true); // should a resource never be released, the exit does not wait on it
            wait.start();
            try {
                wait.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static IOException asJava(HttpException h, String name) {
        String text = CRT.awsErrorString(h.getErrorCode()) + " (" + name + ")";
        if (name.startsWith("AWS_IO_DNS")) return new UnknownHostException(text);
        if (name.startsWith("AWS_IO_TLS") || name.startsWith("AWS_ERROR_S2N")) return new SSLException(text);
        if (name.equals("AWS_IO_SOCKET_CONNECTION_REFUSED")
                || name.equals("AWS_IO_SOCKET_NO_ROUTE_TO_HOST")
                || name.equals("AWS_IO_SOCKET_NETWORK_DOWN")) return new ConnectException(text);
        return new IOException(text);
    }

    /** What Java's TLS says of a handshake with the server (trusting what the tool trusts), or null if it succeeds. */
    private static SSLException handshakeFailure(String host, int port, Path caBundle) {
        try {
            SSLContext ctx = caBundle == null ? SSLContext.getDefault() : S3Clients.sslContext(caBundle);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(host, port), 5000);
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
            }
            return null;
        } catch (SSLException e) {
            return e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return null; // not a TLS failure: the native client's own error stands
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
