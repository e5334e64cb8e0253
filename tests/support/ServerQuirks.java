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
import lib.common.ContentHash;
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
        // Listings, as filesystem-backed servers are documented to get them wrong (SYNC.md, "Servers that are not
        // AWS"):
        /** ListObjectsV2 with delimiter=/ at the bucket root leaves out each folder that holds only folders ({@code exp1/} holding {@code exp1/data/}). */
        HIDES_FOLDERS_AT_ROOT,
        /** The same one level down: {@code prefix=exp1/} leaves out {@code exp1/data/} when it holds only folders. */
        HIDES_FOLDERS_ONE_DOWN,
        /** A key that is also a prefix ({@code a} beside {@code a/b}) is left out of listings. */
        DROPS_FILE_ALSO_FOLDER,
        /** Every folder is listed as a zero-byte directory marker ({@code dir/}), as a server listing its directories does. */
        LISTS_MARKERS,
        /** Pages of 2 keys, and a continuation token that never advances: asked for, it answers the next page with the same token again. */
        REPEATS_PAGE_TOKENS,
        /** CopyObject (a PUT with x-amz-copy-source) answers 501 NotImplemented. */
        NO_COPY
    }

    /** The server our users sync with, as far as nothing public says otherwise (its listings as AWS's). */
    static final Set<Quirk> LAMBDA_LIKE = EnumSet.range(Quirk.OPAQUE_ETAGS, Quirk.NO_LIST_PARTS);

    /** The quirks that rewrite listings. */
    static final Set<Quirk> LISTINGS = EnumSet.range(Quirk.HIDES_FOLDERS_AT_ROOT, Quirk.REPEATS_PAGE_TOKENS);

    final Set<Quirk> quirks;
    private final S3Server server;
    private final String accessKey, secretKey, region;
    /** Opaque ETag shown -> real ETag, so an If-Match with a shown ETag reaches the server as the real one. */
    private final Map<String, String> realEtags = new ConcurrentHashMap<>();

    ServerQuirks(Set<Quirk> quirks, S3Server server) {
        this.quirks = EnumSet.copyOf(quirks);
        this.server = server;
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
        if (has(Quirk.REPEATS_PAGE_TOKENS) && FaultProxy.kind(head) == FaultProxy.Kind.LIST) {
            String t = head.target().replaceAll("([?&])max-keys=\\d+", "$1max-keys=2");
            if (!t.contains("max-keys=")) t += "&max-keys=2";
            head = FaultProxy.Head.of(head.method() + " " + t + " HTTP/1.1", head.headers());
            changed = true;
        }
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

    boolean rewritesListings() {
        return quirks.stream().anyMatch(LISTINGS::contains);
    }

    private static final Pattern COMMON_PREFIX =
            Pattern.compile("<CommonPrefixes><Prefix>([^<]*)</Prefix></CommonPrefixes>");
    private static final Pattern CONTENTS =
            Pattern.compile("<Contents><Key>([^<]*)</Key>.*?</Contents>", Pattern.DOTALL);

    /** A ListObjectsV2 answer as the quirky server gives it, for the request {@code target} (raw, as sent). */
    byte[] listing(String target, byte[] body) {
        String xml = new String(body, StandardCharsets.UTF_8);
        Map<String, String> q = query(target);
        boolean url = "url".equals(q.get("encoding-type"));
        String prefix = q.getOrDefault("prefix", ""),
                bucket = target.substring(1).split("[/?]", 2)[0];
        int depth = prefix.isEmpty() ? 0 : prefix.split("/", -1).length - 1;
        if (q.containsKey("delimiter")
                && (has(Quirk.HIDES_FOLDERS_AT_ROOT) && depth == 0 || has(Quirk.HIDES_FOLDERS_ONE_DOWN) && depth == 1))
            xml = replace(xml, COMMON_PREFIX, m -> holdsOnlyFolders(bucket, key(m.group(1), url)) ? "" : m.group());
        if (has(Quirk.DROPS_FILE_ALSO_FOLDER)) {
            Set<String> keys = new java.util.HashSet<>();
            for (Matcher m = CONTENTS.matcher(xml); m.find(); ) keys.add(key(m.group(1), url));
            for (Matcher m = COMMON_PREFIX.matcher(xml); m.find(); ) keys.add(key(m.group(1), url));
            xml = replace(xml, CONTENTS, m -> {
                String k = key(m.group(1), url);
                return keys.stream().anyMatch(o -> o.startsWith(k + "/")) ? "" : m.group();
            });
        }
        if (has(Quirk.LISTS_MARKERS)) xml = withMarkers(xml, prefix, q.containsKey("delimiter"), url);
        if (has(Quirk.REPEATS_PAGE_TOKENS) && q.containsKey("continuation-token"))
            xml = xml.replaceAll(
                    "<NextContinuationToken>[^<]*</NextContinuationToken>",
                    Matcher.quoteReplacement("<NextContinuationToken>" + escape(q.get("continuation-token"))
                            + "</NextContinuationToken>"));
        return xml.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether a folder holds no object directly (only folders), asked of the server itself. */
    private boolean holdsOnlyFolders(String bucket, String folder) {
        return server.client()
                .listObjectsV2(b -> b.bucket(bucket).prefix(folder).delimiter("/"))
                .contents()
                .isEmpty();
    }

    /** A zero-byte marker for the listed prefix's folder and each folder below it that a key shows. */
    private static String withMarkers(String xml, String prefix, boolean delimited, boolean url) {
        java.util.TreeSet<String> folders = new java.util.TreeSet<>();
        if (prefix.endsWith("/")) folders.add(prefix);
        if (!delimited)
            for (Matcher m = CONTENTS.matcher(xml); m.find(); ) {
                String k = key(m.group(1), url);
                for (int s = k.indexOf('/', prefix.length()); s > 0; s = k.indexOf('/', s + 1))
                    folders.add(k.substring(0, s + 1));
            }
        folders.removeIf(f -> xml.contains("<Key>" + (url ? FaultProxy.encode(f) : escape(f)) + "</Key>"));
        StringBuilder b = new StringBuilder();
        for (String f : folders)
            b.append("<Contents><Key>")
                    .append(url ? FaultProxy.encode(f) : escape(f))
                    .append("</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>")
                    .append("<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size>")
                    .append("<StorageClass>STANDARD</StorageClass></Contents>");
        int at = xml.indexOf("<Contents>");
        if (at < 0) at = xml.lastIndexOf("</ListBucketResult>");
        return xml.substring(0, at) + b + xml.substring(at);
    }

    private static String replace(String xml, Pattern p, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(xml);
        StringBuilder b = new StringBuilder();
        while (m.find()) m.appendReplacement(b, Matcher.quoteReplacement(with.apply(m)));
        m.appendTail(b);
        return b.toString();
    }

    private static String key(String shown, boolean url) {
        String k = shown.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
        return url ? URLDecoder.decode(k.replace("+", "%2B"), StandardCharsets.UTF_8) : k;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static Map<String, String> query(String target) {
        Map<String, String> q = new java.util.HashMap<>();
        int at = target.indexOf('?');
        if (at < 0) return q;
        for (String p : target.substring(at + 1).split("&")) {
            int eq = p.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8);
            q.put(
                    name,
                    eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return q;
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
