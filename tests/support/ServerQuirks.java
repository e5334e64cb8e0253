import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Makes the suite's AWS-like S3 server behave like servers that are not AWS (the Lambda adapter
 * fronts a POSIX filesystem and documents little): {@link FaultProxy} passes every request and
 * answer through here. A header the server must not see (If-Match, Range, Content-MD5) is removed
 * and the request signed again with the test credentials, so the server really acts without it;
 * a missing API answers 501 NotImplemented; ETags and metadata are rewritten in the answers.
 */
final class ServerQuirks {
    enum Quirk {
        /** ETags look like MD5s (32 hex digits) but are not the content's MD5 (rclone users: "--ignore-checksum"). */
        OPAQUE_ETAGS,
        /** x-amz-meta-* is accepted but never given back. */
        NO_METADATA,
        /** If-Match / If-None-Match are ignored (the request runs as if they were not there). */
        IGNORES_CONDITIONALS,
        /** Range is ignored: a ranged GET gets the whole object with 200. */
        IGNORES_RANGE,
        /** Content-MD5 is not checked: any body is stored. */
        IGNORES_CONTENT_MD5,
        /** CreateMultipartUpload, ListMultipartUploads and ListParts answer 501 NotImplemented. */
        NO_MULTIPART,
        /** ListParts answers 501 NotImplemented. */
        NO_LIST_PARTS,
        /** CopyObject (a PUT with x-amz-copy-source) answers 501 NotImplemented. */
        NO_COPY
    }

    /** All of them: the server our users sync with, as far as nothing public says otherwise. */
    static final Set<Quirk> LAMBDA_LIKE = EnumSet.allOf(Quirk.class);

    final Set<Quirk> quirks;
    private final String accessKey, secretKey, region;
    /** Opaque ETag shown -> real ETag, so an If-Match with a shown ETag reaches the server as the real one. */
    private final Map<String, String> realEtags = new ConcurrentHashMap<>();

    ServerQuirks(Set<Quirk> quirks, S3Server server) {
        this.quirks = EnumSet.copyOf(quirks);
        this.accessKey = server.accessKey;
        this.secretKey = server.secretKey;
        this.region = S3Server.REGION;
    }

    boolean has(Quirk q) {
        return quirks.contains(q);
    }

    /** True when the server lacks the API this request calls (then the proxy answers 501). */
    boolean unsupported(FaultProxy.Kind kind, FaultProxy.Head head) {
        String target = head.target();
        boolean listParts =
                head.method().equals("GET") && target.contains("uploadId=") && !target.contains("partNumber=");
        if (has(Quirk.NO_MULTIPART)
                && (kind == FaultProxy.Kind.CREATE_MULTIPART || kind == FaultProxy.Kind.LIST_UPLOADS || listParts))
            return true;
        if (has(Quirk.NO_COPY) && kind == FaultProxy.Kind.COPY) return true;
        return has(Quirk.NO_LIST_PARTS) && listParts;
    }

    /** The request as the quirky server takes it: headers it ignores are gone (and the request re-signed). */
    FaultProxy.Head request(FaultProxy.Head head, byte[] body) {
        List<String[]> headers = new ArrayList<>();
        boolean changed = false;
        for (String[] h : head.headers()) {
            String name = h[0].toLowerCase(Locale.ROOT);
            boolean drop = (has(Quirk.IGNORES_CONDITIONALS) && conditional(name))
                    || (has(Quirk.IGNORES_RANGE) && name.equals("range"))
                    || (has(Quirk.IGNORES_CONTENT_MD5) && name.equals("content-md5"));
            if (drop) {
                changed = true;
                continue;
            }
            if (has(Quirk.OPAQUE_ETAGS) && conditional(name)) {
                String real = realEtags.get(h[1].replace("\"", ""));
                if (real != null) {
                    headers.add(new String[] {h[0], "\"" + real + "\""});
                    changed = true;
                    continue;
                }
            }
            headers.add(h);
        }
        return changed ? resign(head, headers, body) : head;
    }

    private static boolean conditional(String header) {
        return header.equals("if-match")
                || header.equals("if-none-match")
                || header.equals("x-amz-copy-source-if-match");
    }

    /** The answer as the quirky server gives it: ETags opaque, metadata gone. */
    FaultProxy.Head responseHead(FaultProxy.Kind kind, FaultProxy.Head resp) {
        if (kind == FaultProxy.Kind.UPLOAD_PART)
            return resp; // part ETags go back to the server in CompleteMultipartUpload
        List<String[]> headers = new ArrayList<>();
        for (String[] h : resp.headers()) {
            String name = h[0].toLowerCase(Locale.ROOT);
            if (has(Quirk.NO_METADATA) && name.startsWith("x-amz-meta-")) continue;
            if (has(Quirk.OPAQUE_ETAGS) && name.equals("etag")) {
                headers.add(new String[] {h[0], "\"" + opaque(h[1].replace("\"", "")) + "\""});
                continue;
            }
            headers.add(h);
        }
        return FaultProxy.Head.of(resp.first(), headers);
    }

    private static final Pattern XML_ETAG = Pattern.compile("<ETag>(&quot;|\")?([^<&\"]+)(&quot;|\")?</ETag>");

    /** ETags inside listings and CompleteMultipartUpload answers. */
    byte[] responseBody(FaultProxy.Kind kind, byte[] body) {
        if (!has(Quirk.OPAQUE_ETAGS)
                || kind != FaultProxy.Kind.LIST
                        && kind != FaultProxy.Kind.COMPLETE_MULTIPART
                        && kind != FaultProxy.Kind.COPY) return body;
        Matcher m = XML_ETAG.matcher(new String(body, StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder();
        while (m.find())
            m.appendReplacement(b, Matcher.quoteReplacement("<ETag>&quot;" + opaque(m.group(2)) + "&quot;</ETag>"));
        m.appendTail(b);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether answers to this kind of request are rewritten (their heads and, for XML, bodies). */
    boolean rewritesAnswers() {
        return has(Quirk.OPAQUE_ETAGS) || has(Quirk.NO_METADATA);
    }

    /** A stable 32-hex value that is not the content's MD5 but changes whenever the real ETag does. */
    String opaque(String real) {
        String o = ContentHash.md5Hex(("opaque:" + real).getBytes(StandardCharsets.UTF_8));
        realEtags.put(o, real);
        return o;
    }

    /** Signs the changed request again (SigV4, the test credentials), keeping method, target and Host. */
    private FaultProxy.Head resign(FaultProxy.Head head, List<String[]> headers, byte[] body) {
        String target = head.target();
        int q = target.indexOf('?');
        String host = head.header("host");
        int colon = host.lastIndexOf(':');
        SdkHttpFullRequest.Builder rb = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(head.method()))
                .protocol("http")
                .host(host.substring(0, colon))
                .port(Integer.parseInt(host.substring(colon + 1)))
                .encodedPath(q < 0 ? target : target.substring(0, q));
        if (q >= 0) {
            for (String p : target.substring(q + 1).split("&")) {
                if (p.isEmpty()) continue;
                int eq = p.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0
                        ? ""
                        : URLDecoder.decode(p.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
                rb.appendRawQueryParameter(name, value);
            }
        }
        for (String[] h : headers) {
            String name = h[0].toLowerCase(Locale.ROOT);
            if (name.equals("authorization")
                    || name.equals("x-amz-date")
                    || name.equals("x-amz-content-sha256")
                    || name.equals("host")) continue;
            rb.appendHeader(h[0], h[1]);
        }
        SdkHttpRequest req = rb.build();
        var signed = AwsV4HttpSigner.create()
                .sign(r -> r.identity(AwsCredentialsIdentity.create(accessKey, secretKey))
                        .request(req)
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
        List<String[]> out = new ArrayList<>();
        signed.request().forEachHeader((name, values) -> values.forEach(v -> out.add(new String[] {name, v})));
        return FaultProxy.Head.of(head.first(), out);
    }
}
