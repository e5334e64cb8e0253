package lib.store.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import lib.common.ContentHash;
import lib.store.StoreException;
import lib.store.StoreProfile;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Asks an S3-compatible server what it supports, with a small object of our own under
 * {@code .lambda-sync/}: MD5 ETags, metadata, Content-MD5 checking, If-Match, conditional PUT,
 * Range, multipart and ListParts. Answers go into the {@link StoreProfile}.
 */
final class ServerProbe {
    private final S3Context ctx;
    private final S3Client s3;
    private final String bucket, prefix;
    private volatile boolean probed;
    /** An ETag no object has: conditional requests with it must be refused. */
    private static final String WRONG_TAG = S3Store.quoted("0123456789abcdef0123456789abcdef");

    ServerProbe(S3Context ctx) {
        this.ctx = ctx;
        this.s3 = ctx.s3();
        this.bucket = ctx.bucket();
        this.prefix = ctx.prefix();
    }

    /** Before the first write of a run: learn what the writes depend on, if no run has yet. */
    void probeOnce() throws IOException {
        if (probed) return;
        synchronized (this) {
            if (probed) return;
            boolean known = true;
            for (var f : List.of(
                    StoreProfile.Feature.ETAG_MD5,
                    StoreProfile.Feature.METADATA,
                    StoreProfile.Feature.CONTENT_MD5,
                    StoreProfile.Feature.CONDITIONAL_PUT)) {
                known &= ctx.profile().get(f) != StoreProfile.Support.UNKNOWN;
            }
            if (!known) probe(false);
            probed = true;
        }
    }

    /** Whether the server copies objects (keeping their metadata), asked once; see {@link #probeCopy}. */
    void probeCopyOnce() throws StoreException {
        synchronized (this) { // parallel deletions ask together: one probe answers them all
            if (ctx.profile().get(StoreProfile.Feature.COPY) == StoreProfile.Support.UNKNOWN) probeCopy();
        }
    }

    /**
     * Asks the server, with a small object of our own under {@code .lambda-sync/}, what it does with
     * each feature: a few requests, once per store (the profile keeps the answers). A 501 or 400
     * means unsupported; for conditionals, only a 412 proves they are honoured (a server that
     * ignores them answers 200). With {@code multipart}, also multipart upload and ListParts (doctor).
     */
    void probe(boolean multipart) throws StoreException {
        String key = prefix + S3Store.OWN_DIR + "probe-"
                + java.util.UUID.randomUUID().toString().substring(0, 12);
        byte[] body = ("lambda-sync probe " + key + "\n").getBytes(StandardCharsets.UTF_8);
        String md5 = ContentHash.md5Hex(body);
        try {
            String etag = writeProbe(key, body, md5);
            ctx.learnEtag(ContentHash.normalizeEtag(etag), md5);
            learnMetadata(key, md5);
            learnContentMd5(key, body);
            learnIfMatchGet(key);
            learnRangeGet(key);
            learnConditionalPut(key, body);
            if (multipart) probeMultipart(key, body);
            if (multipart) probeCopy();
        } catch (SdkException e) {
            throw S3Failures.of(e, "probing the server with " + key);
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            } catch (SdkException ignored) {
                // the run's own error says more; doctor reports a probe left behind
            }
        }
    }

    /** Writes the probe object with our metadata, or without where the server refuses metadata; its ETag. */
    private String writeProbe(String key, byte[] body, String md5) throws StoreException {
        Map<String, String> meta = S3Store.meta(System.currentTimeMillis(), md5);
        try {
            return s3.putObject(
                            b -> b.bucket(bucket).key(key).metadata(meta).contentMD5(ContentHash.hexToBase64(md5)),
                            RequestBody.fromBytes(body))
                    .eTag();
        } catch (SdkException e) {
            if (!S3Failures.unsupported(e)) throw S3Failures.of(e, "writing the probe " + key);
            ctx.profile().learn(StoreProfile.Feature.METADATA, false);
            return s3.putObject(
                            b -> b.bucket(bucket).key(key).contentMD5(ContentHash.hexToBase64(md5)),
                            RequestBody.fromBytes(body))
                    .eTag();
        }
    }

    /** Whether the server keeps x-amz-meta-*: the probe's MD5 read back (unless it refused metadata already). */
    private void learnMetadata(String key, String md5) {
        if (ctx.profile().isNot(StoreProfile.Feature.METADATA)) return;
        boolean kept = md5.equals(ContentHash.base64ToHex(String.valueOf(
                s3.headObject(b -> b.bucket(bucket).key(key)).metadata().get("md5chksum"))));
        ctx.profile().learn(StoreProfile.Feature.METADATA, kept);
    }

    /** Whether a body that does not match its Content-MD5 is refused (400). */
    private void learnContentMd5(String key, byte[] body) {
        String wrongMd5 = ContentHash.hexToBase64(ContentHash.md5Hex(new byte[] {1}));
        boolean checked = refused(
                () -> s3.putObject(b -> b.bucket(bucket).key(key).contentMD5(wrongMd5), RequestBody.fromBytes(body)),
                400);
        ctx.profile().learn(StoreProfile.Feature.CONTENT_MD5, checked);
    }

    /** Whether a GET with an If-Match that does not match is refused (412). */
    private void learnIfMatchGet(String key) {
        boolean honoured =
                refused(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).ifMatch(WRONG_TAG)), 412);
        ctx.profile().learn(StoreProfile.Feature.IF_MATCH_GET, honoured);
    }

    /** Whether a ranged GET brings just the range. */
    private void learnRangeGet(String key) {
        boolean ranged;
        try (ResponseInputStream<GetObjectResponse> in =
                s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=1-3"))) {
            ranged = in.response().contentRange() != null && in.readAllBytes().length == 3;
        } catch (SdkException | IOException e) {
            ranged = false;
        }
        ctx.profile().learn(StoreProfile.Feature.RANGE_GET, ranged);
    }

    /** Whether conditional PUTs are honoured: both If-None-Match: * and a wrong If-Match refused (412). */
    private void learnConditionalPut(String key, byte[] body) {
        boolean conditional = refused(
                        () -> s3.putObject(
                                b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body)),
                        412)
                && refused(
                        () -> s3.putObject(
                                b -> b.bucket(bucket).key(key).ifMatch(WRONG_TAG), RequestBody.fromBytes(body)),
                        412);
        ctx.profile().learn(StoreProfile.Feature.CONDITIONAL_PUT, conditional);
    }

    /**
     * CopyObject, and whether the copy keeps x-amz-meta-* (SYNC.md, "The trash"): a small object
     * of our own copied once, the copy's metadata compared with the original's, both deleted.
     * Asked where a run first keeps a copy in the bucket's trash, and by doctor. Where the server
     * keeps no metadata at all, a copy loses none: copy-metadata stays unknown.
     */
    synchronized void probeCopy() throws StoreException {
        String key = prefix + S3Store.OWN_DIR + "probe-"
                + java.util.UUID.randomUUID().toString().substring(0, 12);
        String copy = key + "-copy";
        byte[] body = ("lambda-sync copy probe " + key + "\n").getBytes(StandardCharsets.UTF_8);
        String md5 = ContentHash.md5Hex(body);
        boolean meta = !ctx.profile().isNot(StoreProfile.Feature.METADATA);
        try {
            String etag = s3.putObject(
                            b -> {
                                b.bucket(bucket).key(key);
                                if (meta) b.metadata(S3Store.meta(System.currentTimeMillis(), md5));
                            },
                            RequestBody.fromBytes(body))
                    .eTag();
            try {
                s3.copyObject(b -> b.sourceBucket(bucket)
                        .sourceKey(key)
                        .destinationBucket(bucket)
                        .destinationKey(copy)
                        .copySourceIfMatch(S3Store.quoted(ContentHash.normalizeEtag(etag))));
            } catch (SdkException e) {
                if (!S3Failures.unsupported(e)) throw e;
                ctx.profile().learn(StoreProfile.Feature.COPY, false);
                return;
            }
            ctx.profile().learn(StoreProfile.Feature.COPY, true);
            if (meta && md5.equals(md5Meta(key))) {
                ctx.profile().learn(StoreProfile.Feature.METADATA, true);
                ctx.profile().learn(StoreProfile.Feature.COPY_METADATA, md5.equals(md5Meta(copy)));
            }
        } catch (SdkException e) {
            throw S3Failures.of(e, "probing CopyObject with " + key);
        } finally {
            for (String k : List.of(key, copy)) {
                try {
                    s3.deleteObject(b -> b.bucket(bucket).key(k));
                } catch (SdkException ignored) {
                    // the run's own error says more; doctor reports a probe left behind
                }
            }
        }
    }

    /** The content MD5 an object's metadata gives (hex), or null. */
    private String md5Meta(String key) {
        return ContentHash.base64ToHex(String.valueOf(
                s3.headObject(b -> b.bucket(bucket).key(key)).metadata().get("md5chksum")));
    }

    private void probeMultipart(String key, byte[] body) {
        String id;
        try {
            id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        } catch (SdkException e) {
            if (!S3Failures.unsupported(e)) throw e;
            ctx.profile().learn(StoreProfile.Feature.MULTIPART, false);
            return;
        }
        try {
            String etag = s3.uploadPart(
                            b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1), RequestBody.fromBytes(body))
                    .eTag();
            boolean listed;
            try {
                listed = s3.listParts(b -> b.bucket(bucket).key(key).uploadId(id)).parts().stream()
                        .anyMatch(p -> p.partNumber() == 1);
            } catch (SdkException e) {
                if (!S3Failures.unsupported(e)) throw e;
                listed = false;
            }
            ctx.profile().learn(StoreProfile.Feature.LIST_PARTS, listed);
            s3.completeMultipartUpload(b -> b.bucket(bucket)
                    .key(key)
                    .uploadId(id)
                    .multipartUpload(m -> m.parts(
                            CompletedPart.builder().partNumber(1).eTag(etag).build())));
            ctx.profile().learn(StoreProfile.Feature.MULTIPART, true);
        } catch (SdkException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (SdkException ignored) {
                // gone already
            }
            if (!S3Failures.unsupported(e)) throw e;
            ctx.profile().learn(StoreProfile.Feature.MULTIPART, false);
        }
    }

    /** Whether the server refused this request with {@code status}; any other answer (a 2xx, 501, 400…) is false. */
    private static boolean refused(Runnable request, int status) {
        try {
            request.run();
            return false;
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            return e.statusCode() == status;
        }
    }
}
