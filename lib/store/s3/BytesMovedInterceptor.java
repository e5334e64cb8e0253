package lib.store.s3;

import java.io.InputStream;
import java.util.Optional;
import lib.store.BytesMoved;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Counts the S3 client's data bodies into {@link BytesMoved} (SYNC.md, "Progress"): the bodies of
 * uploads (PUT, parts) as the HTTP client reads them, and of downloads (GET, ranges) as they are
 * read. Other requests (listings, HEADs) are not data.
 */
final class BytesMovedInterceptor implements ExecutionInterceptor {
    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty()
                || !(context.request() instanceof PutObjectRequest || context.request() instanceof UploadPartRequest))
            return body;
        RequestBody b = body.get();
        var source = b.contentStreamProvider();
        return Optional.of(
                b.optionalContentLength().isPresent()
                        ? RequestBody.fromContentProvider(
                                () -> BytesMoved.counted(source.newStream()),
                                b.optionalContentLength().get(),
                                b.contentType())
                        : RequestBody.fromContentProvider(
                                () -> BytesMoved.counted(source.newStream()), b.contentType()));
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || !(context.request() instanceof GetObjectRequest)) return body;
        return Optional.of(BytesMoved.counted(body.get()));
    }
}
