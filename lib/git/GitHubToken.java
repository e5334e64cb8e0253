package lib.git;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lib.common.Secrets;
import lib.common.StopException;

/**
 * What GitHub says about a token: {@code GET /user} answers who it belongs to and, for a
 * classic token, its scopes in {@code X-OAuth-Scopes}. Fine-grained tokens get no such header,
 * so their repository permissions cannot be checked here.
 */
final class GitHubToken {
    enum Verdict {
        OK,
        FINE_GRAINED,
        MISSING_REPO_SCOPE,
        REJECTED,
        UNCHECKED
    }

    /** The answer; {@code login} may be null, {@code reason} says why a check was UNCHECKED. */
    record Check(Verdict verdict, String login, List<String> scopes, String reason) {}

    private static final Pattern LOGIN = Pattern.compile("\"login\"\\s*:\\s*\"([^\"\\\\]+)\"");
    private static final Pattern TOKEN_SHAPE = Pattern.compile("(gh[pousr]_|github_pat_)[A-Za-z0-9_]+|[0-9a-f]{40}");

    private GitHubToken() {}

    /** True for strings shaped like a GitHub token (current prefixes, or the old 40-hex form). */
    static boolean looksLikeToken(String s) {
        return s != null && TOKEN_SHAPE.matcher(s).matches();
    }

    /** {@code text} with everything shaped like a token masked, for messages that quote a file. */
    static String scrub(String text) {
        Matcher m = Pattern.compile("(gh[pousr]_|github_pat_)[A-Za-z0-9_]+|\\b[0-9a-f]{40}\\b")
                .matcher(text);
        return m.replaceAll(r -> Matcher.quoteReplacement(Secrets.mask(r.group())));
    }

    /** Never throws for network trouble: an unreachable API is UNCHECKED, and setup goes on. */
    static Check check(String apiBase, String token) {
        URI uri;
        try {
            uri = URI.create(apiBase.replaceAll("/+$", "") + "/user");
            if (uri.getHost() == null) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw StopException.usage(
                    "LAMBDA_SYNC_GITHUB_API must be a URL like https://api.github.com, not '" + apiBase + "'");
        }
        // Never follow redirects: the token must go to the API host and nowhere else.
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "token " + token)
                .header("Accept", "application/vnd.github+json")
                .header("User-Agent", "lambda-sync")
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // The class name (ConnectException, HttpConnectTimeoutException, ...) says enough; the
            // message is left out, in case a proxy or library ever echoes request headers into it.
            return new Check(
                    Verdict.UNCHECKED,
                    null,
                    List.of(),
                    "could not reach " + uri.getHost() + " (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(Verdict.UNCHECKED, null, List.of(), "interrupted");
        }
        int status = response.statusCode();
        if (status == 401) return new Check(Verdict.REJECTED, null, List.of(), "HTTP 401");
        if (status != 200)
            return new Check(Verdict.UNCHECKED, null, List.of(), uri.getHost() + " answered HTTP " + status);
        Matcher m = LOGIN.matcher(response.body());
        String login = m.find() ? m.group(1) : null;
        String header = response.headers().firstValue("X-OAuth-Scopes").orElse(null);
        if (header == null) return new Check(Verdict.FINE_GRAINED, login, List.of(), null);
        List<String> scopes = Arrays.stream(header.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        return new Check(scopes.contains("repo") ? Verdict.OK : Verdict.MISSING_REPO_SCOPE, login, scopes, null);
    }
}
