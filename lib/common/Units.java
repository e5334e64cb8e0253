package lib.common;

/** Human-readable sizes and counts for plans and summaries. */
public final class Units {
    private Units() {}

    public static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }

    public static String files(long n) {
        return n + (n == 1 ? " file" : " files");
    }

    /** An HTTP Date header (RFC 1123) as an instant, or null where there is none that parses. */
    public static java.time.Instant httpDate(String header) {
        if (header == null) return null;
        try {
            return java.time.ZonedDateTime.parse(header, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
