package lib.store.s3;

import java.io.InputStream;
import java.util.Optional;
import lib.common.BandwidthLimit;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * {@code --bwlimit} on the S3 client (SYNC.md, "Bandwidth"): every request body sent and response
 * body received goes through the run's one {@link BandwidthLimit}.
 */
final class BandwidthInterceptor implements ExecutionInterceptor {
    private final BandwidthLimit limit;

    BandwidthInterceptor(BandwidthLimit limit) {
        this.limit = limit;
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty()) return body;
        RequestBody b = body.get();
        var provider = b.contentStreamProvider();
        ContentStreamProvider limited = () -> limit.throttled(provider.newStream());
        return Optional.of(
                b.optionalContentLength().isPresent()
                        ? RequestBody.fromContentProvider(
                                limited, b.optionalContentLength().get(), b.contentType())
                        : RequestBody.fromContentProvider(limited, b.contentType()));
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        return context.responseBody().map(limit::throttled);
    }
}
