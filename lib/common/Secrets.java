package lib.common;

import java.util.Set;

/** Which config keys hold secrets, and how a secret is shown: never whole. */
public final class Secrets {
    static final Set<String> KEYS = Set.of("LAMBDA_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "HF_API_KEY");

    private Secrets() {}

    /** {@code ghp_…abcd}: enough to tell two tokens apart, too little to use one. */
    public static String mask(String secret) {
        if (secret == null || secret.isEmpty()) return "(empty)";
        if (secret.length() < 12) return "…" + "*".repeat(4);
        return secret.substring(0, 4) + "…" + secret.substring(secret.length() - 4);
    }

    public static boolean isSecret(String key) {
        return KEYS.contains(key) || key.endsWith("_SECRET") || key.endsWith("_TOKEN") || key.endsWith("_PASSWORD");
    }
}
