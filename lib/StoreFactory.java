/** Opens the far side named by the config: a mounted directory (SYNC_TARGET) or a bucket. */
final class StoreFactory {
    private StoreFactory() {}

    static Store open(SyncConfig config, int jobs) {
        if (config.target() != null) return new DirStore(config.target(), config.prefix());
        String endpoint = config.endpoint();
        // Small files want many connections; large files use up to 8 parallel parts each.
        var s3 = S3Clients.create(endpoint, config.region(), config.accessKeyId(), config.secretAccessKey(), jobs + 16, config.caBundle());
        return new S3Store(s3, endpoint, config.bucket(), config.prefix(), Math.max(8, jobs));
    }
}
