package lib.store.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Data bytes as they go to and come from the server, for {@link Progress} (SYNC.md, "Progress"):
 * the bodies of uploads (PUT, parts) as the HTTP client reads them, and of downloads (GET, ranges)
 * as they are read, so a 5 GiB file's progress moves while it is sent, not only when it is done.
 * Counted for the whole process; a retried body counts again (Progress keeps its figure within
 * the run's total).
 */
public final class BytesMoved implements ExecutionInterceptor {
    private static final LongAdder TOTAL = new LongAdder();

    /** Data bytes sent and received so far by this process. */
    public static long total() {
        return TOTAL.sum();
    }

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
                                () -> new Counted(source.newStream()),
                                b.optionalContentLength().get(),
                                b.contentType())
                        : RequestBody.fromContentProvider(() -> new Counted(source.newStream()), b.contentType()));
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || !(context.request() instanceof GetObjectRequest)) return body;
        return Optional.of(new Counted(body.get()));
    }

    /** A stream that adds what is read from it to the total. */
    private static final class Counted extends FilterInputStream {
        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) TOTAL.increment();
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) TOTAL.add(n);
            return n;
        }
    }
}
