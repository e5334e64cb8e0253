package lib.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lib.common.Secrets;
import lib.common.StopException;

/**
 * git's credential store file, {@code ~/.git-credentials}, in the format {@code git
 * credential-store} reads: one {@code https://user:password@host} URL per line, user and
 * password percent-encoded, first match wins. Only the entries for the host being set are
 * replaced; every other line (other hosts, lines git cannot parse) is kept byte for byte.
 */
public final class GitCredentials {
    static final String GITHUB = "github.com";
    private static final Pattern URL = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)(/.*)?");

    final Path file;
    /** The file's bytes as read, or null when there is no file. */
    final byte[] original;

    private final List<String> lines;

    private GitCredentials(Path file, byte[] original) {
        this.file = file;
        this.original = original;
        this.lines = new ArrayList<>();
        if (original != null) {
            String text = new String(original, StandardCharsets.UTF_8);
            for (String line : text.split("\n", -1)) lines.add(line);
            if (lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        }
    }

    /** The file git's store helper reads first, and the one that wins on lookup. */
    static GitCredentials load(Path home) {
        Path file = home.resolve(".git-credentials");
        try {
            return new GitCredentials(file, Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return new GitCredentials(file, null);
        } catch (IOException e) {
            throw StopException.failure("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The decoded user name of the first https entry for {@code host}, or null. */
    String username(String host) {
        for (String line : lines) {
            Matcher m = URL.matcher(line);
            if (!m.matches() || !m.group(1).equals("https")) continue;
            String authority = m.group(2);
            int at = authority.lastIndexOf('@');
            if (at < 0 || !hostOf(authority).equalsIgnoreCase(host)) continue;
            String userinfo = authority.substring(0, at);
            int colon = userinfo.indexOf(':');
            return decode(colon < 0 ? userinfo : userinfo.substring(0, colon));
        }
        return null;
    }

    /**
     * The file's new content: the entry for https://{@code host} first (as git's store helper
     * writes it), then every other line as it was. Older entries for the host, whatever their
     * user name or path, are dropped, so git cannot pick a stale token.
     */
    byte[] withEntry(String host, String username, String password) {
        StringBuilder out = new StringBuilder();
        out.append("https://")
                .append(encode(username))
                .append(':')
                .append(encode(password))
                .append('@')
                .append(host)
                .append('\n');
        for (String line : lines) {
            Matcher m = URL.matcher(line);
            if (m.matches() && m.group(1).equals("https") && hostOf(m.group(2)).equalsIgnoreCase(host)) continue;
            out.append(line).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * True when {@code url} is an http(s) URL for github.com (or a subdomain) whose user part is a
     * credential: a {@code user:password} pair, the given token, or anything shaped like a token.
     * A bare user name ({@code https://alice@github.com/}) or ssh's {@code git@github.com:} is not.
     */
    public static boolean embedsGitHubCredential(String url, String token) {
        Matcher m = URL.matcher(url.trim());
        if (!m.matches() || !m.group(1).toLowerCase().matches("https?")) return false;
        String authority = m.group(2);
        int at = authority.lastIndexOf('@');
        if (at <= 0) return false;
        String host = hostOf(authority).toLowerCase();
        if (!host.equals(GITHUB) && !host.endsWith("." + GITHUB)) return false;
        String userinfo = decode(authority.substring(0, at));
        return userinfo.contains(":") || userinfo.equals(token) || GitHubToken.looksLikeToken(userinfo);
    }

    /** {@code url} with its user part masked, fit to print. */
    static String masked(String url) {
        Matcher m = URL.matcher(url.trim());
        if (!m.matches()) return Secrets.mask(url);
        String authority = m.group(2);
        int at = authority.lastIndexOf('@');
        if (at < 0) return url;
        return m.group(1) + "://" + Secrets.mask(decode(authority.substring(0, at))) + "@" + authority.substring(at + 1)
                + (m.group(3) == null ? "" : m.group(3));
    }

    private static String hostOf(String authority) {
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /** Percent-encodes all but RFC 3986's unreserved characters, exactly as git's store helper does. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0)
                out.append(c);
            else out.append('%').append(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }

    /** Percent-decoding without java.net.URLDecoder's form rule ('+' stays '+', as in git). */
    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '%'
                    && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int end = i + Character.charCount(s.codePointAt(i));
                out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
