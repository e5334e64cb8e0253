import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A test certificate authority for the suite's https endpoint: a self-signed certificate for
 * 127.0.0.1 made once per suite run with the JDK's keytool. The proxy serves TLS with it; the tool
 * trusts it only through LAMBDA_CA_BUNDLE (the PEM file), as a user with a private CA would.
 */
final class TestTls {
    private static final String PASS = "test-store-pass";
    private static Path keystore, pem;

    private TestTls() {}

    private static synchronized void make() {
        if (keystore != null) return;
        try {
            Path dir = Files.createTempDirectory("test-ca-");
            Path ks = dir.resolve("server.p12"), cert = dir.resolve("ca.pem");
            String keytool =
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "s3",
                    "-keyalg",
                    "RSA",
                    "-keysize",
                    "2048",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=ip:127.0.0.1,dns:localhost",
                    "-validity",
                    "7",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    ks.toString(),
                    "-storepass",
                    PASS,
                    "-keypass",
                    PASS));
            run(List.of(
                    keytool,
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "s3",
                    "-keystore",
                    ks.toString(),
                    "-storepass",
                    PASS,
                    "-file",
                    cert.toString()));
            keystore = ks;
            pem = cert;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot make the test certificate: " + e, e);
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException(String.join(" ", cmd) + ":\n" + out);
    }

    /** The PEM file to trust (give it to the tool as LAMBDA_CA_BUNDLE). */
    static Path caPem() {
        make();
        return pem;
    }

    /** The server's PKCS12 key store (key and certificate for 127.0.0.1), for a server that reads one (S3Proxy). */
    static Path keystore() {
        make();
        return keystore;
    }

    /** The password of {@link #keystore()}. */
    static String keystorePassword() {
        return PASS;
    }

    /** The server side: the key and certificate for 127.0.0.1. */
    static SSLContext serverContext() {
        make();
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASS.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASS.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
