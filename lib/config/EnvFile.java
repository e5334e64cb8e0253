package lib.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.common.StopException;

/**
 * Reads a shell file of {@code KEY=value} lines exactly as bash's {@code source} would, for a
 * supported subset: blank lines, comments, {@code export}, unquoted / 'single' / "double"
 * quoted values, backslash escapes, {@code $VAR} and {@code ${VAR}}, a leading {@code ~}.
 * Anything else bash would do something with (command substitution, arrays, parameter
 * operators, several commands on one line, multi-line values) is an error with file:line,
 * never a guess: a config misread in silence is how data goes to the wrong bucket.
 */
public final class EnvFile {
    /**
     * Variables bash sets itself (or resets at start-up, whatever the environment says), so
     * a value built from one can only be a guess here; assigning one misbehaves in bash
     * (readonly, or magic like RANDOM). Names starting with BASH are in the same family.
     */
    private static final Set<String> BASH_OWNED = Set.of(
            "_",
            "COMP_WORDBREAKS",
            "DIRSTACK",
            "EPOCHREALTIME",
            "EPOCHSECONDS",
            "EUID",
            "FUNCNAME",
            "GROUPS",
            "HISTCMD",
            "HOSTNAME",
            "HOSTTYPE",
            "IFS",
            "LINENO",
            "MACHTYPE",
            "OLDPWD",
            "OPTERR",
            "OPTIND",
            "OSTYPE",
            "PIPESTATUS",
            "PPID",
            "PS4",
            "PWD",
            "RANDOM",
            "SECONDS",
            "SHELL",
            "SHELLOPTS",
            "SHLVL",
            "SRANDOM",
            "TERM",
            "UID");

    /** Parsed values in file order, and warnings worth showing the user. */
    public record Result(Map<String, String> values, List<String> warnings) {}

    private final String file;
    private final Map<String, String> env;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private int lineNo;
    private String line;
    private int pos;

    private EnvFile(String file, Map<String, String> env) {
        this.file = file;
        this.env = env;
    }

    /**
     * @param file name used in messages
     * @param text the file's content
     * @param env  the environment bash would start with ($HOME and friends); values set
     *             earlier in the file take precedence, as in bash
     */
    public static Result parse(String file, String text, Map<String, String> env) {
        EnvFile p = new EnvFile(file, env);
        p.run(text);
        return new Result(p.values, p.warnings);
    }

    private void run(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
            warnings.add(file + ": starts with a UTF-8 byte-order mark; bash's `source` would read the first key"
                    + " with the mark in its name. Save the file without a BOM.");
        }
        String[] lines = text.split("\n", -1);
        boolean crlf = false;
        for (int i = 0; i < lines.length; i++) {
            lineNo = i + 1;
            line = lines[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
                crlf = true;
            }
            pos = 0;
            parseLine();
        }
        if (crlf) {
            warnings.add(file + ": has Windows (CRLF) line endings; read correctly here, but bash's `source` would keep"
                    + " a \\r at the end of each value. Fix with: sed -i 's/\\r$//' " + file);
        }
    }

    private StopException error(String what) {
        return StopException.usage(file + ":" + lineNo + ": " + what);
    }

    private void skipBlanks() {
        while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) pos++;
    }

    private boolean atEnd() {
        return pos >= line.length();
    }

    private void parseLine() {
        skipBlanks();
        if (atEnd() || line.charAt(pos) == '#') return;
        boolean exported = false;
        if (line.startsWith("export", pos)
                && pos + 6 < line.length()
                && (line.charAt(pos + 6) == ' ' || line.charAt(pos + 6) == '\t')) {
            pos += 6;
            skipBlanks();
            exported = true;
        }
        int start = pos;
        while (pos < line.length() && isNameChar(line.charAt(pos), pos == start)) pos++;
        String key = line.substring(start, pos);
        if (exported && !key.isEmpty() && exportsNamesOnly(start)) return; // `export A B`: no value changes
        if (key.isEmpty() || atEnd() || line.charAt(pos) != '=') {
            if (!key.isEmpty() && line.startsWith("+=", pos))
                throw error("'" + key + "+=' (append) is not supported; write " + key + "=value");
            if (!key.isEmpty() && line.startsWith("[", pos))
                throw error("arrays are not supported (" + key + "[...]=)");
            // The line's text is not echoed: it may be a pasted secret.
            throw error("expected KEY=value, a # comment or a blank line");
        }
        if (isBashOwned(key)) throw error(key + " is a variable bash sets itself; use another name");
        pos++; // '='
        String value = parseValue(key);
        skipBlanks();
        if (!atEnd() && line.charAt(pos) != '#') {
            throw error("unexpected text after the value of " + key + " (quote values that contain spaces)");
        }
        values.put(key, value);
    }

    /** True when the line from {@code from} is only names, blanks and maybe a comment. */
    private boolean exportsNamesOnly(int from) {
        int p = from;
        while (p < line.length() && line.charAt(p) != '#') {
            int s = p;
            while (p < line.length() && isNameChar(line.charAt(p), p == s)) p++;
            if (p == s) return false;
            if (p < line.length() && line.charAt(p) != ' ' && line.charAt(p) != '\t') return false;
            while (p < line.length() && (line.charAt(p) == ' ' || line.charAt(p) == '\t')) p++;
        }
        return true;
    }

    private String parseValue(String key) {
        StringBuilder out = new StringBuilder();
        if (line.startsWith("(", pos)) throw error("arrays are not supported (" + key + "=(...))");
        tilde(out);
        while (!atEnd()) {
            char c = line.charAt(pos);
            if (c == ' ' || c == '\t') break;
            switch (c) {
                case '\'' -> singleQuoted(out);
                case '"' -> doubleQuoted(out);
                case '\\' -> {
                    if (pos + 1 >= line.length())
                        throw error(
                                "a line ending in '\\' continues onto the next line; multi-line values are not supported");
                    out.append(line.charAt(pos + 1));
                    pos += 2;
                }
                case '$' -> dollar(out, false);
                case '`' -> throw error("command substitution (`...`) is not supported");
                case ';', '&', '|', '<', '>', '(', ')' ->
                    throw error("'" + c + "' outside quotes is not supported in a value (quote the value)");
                default -> {
                    out.append(c);
                    pos++;
                    if (c == ':') tilde(out);
                }
            }
        }
        return out.toString();
    }

    /**
     * In an assignment bash expands an unquoted {@code ~} at the start of the value and after
     * each unquoted {@code :} (so PATH-like lists work), up to the next '/' or ':'.
     */
    private void tilde(StringBuilder out) {
        if (!line.startsWith("~", pos)) return;
        char n = pos + 1 < line.length() ? line.charAt(pos + 1) : ' ';
        if (n == '/' || n == ':' || n == ' ' || n == '\t') {
            out.append(lookup("HOME"));
            pos++;
        } else if (Character.isLetterOrDigit(n) || "._+-".indexOf(n) >= 0) {
            // ~user, ~+ and ~- depend on the password database and the working directory.
            throw error("only a bare ~ or ~/ is expanded, not ~" + n + "...; write the full path");
        }
        // Otherwise (~"/x", ~\/x, ~$V, ~#) bash leaves the ~ as it is.
    }

    private void singleQuoted(StringBuilder out) {
        int end = line.indexOf('\'', pos + 1);
        if (end < 0) throw error("unterminated single quote (multi-line values are not supported)");
        out.append(line, pos + 1, end);
        pos = end + 1;
    }

    private void doubleQuoted(StringBuilder out) {
        pos++;
        while (true) {
            if (atEnd()) throw error("unterminated double quote (multi-line values are not supported)");
            char c = line.charAt(pos);
            if (c == '"') {
                pos++;
                return;
            }
            if (c == '\\') {
                if (pos + 1 >= line.length())
                    throw error("unterminated double quote (multi-line values are not supported)");
                char n = line.charAt(pos + 1);
                // Inside double quotes bash removes the backslash only before these.
                if (n == '$' || n == '`' || n == '"' || n == '\\') out.append(n);
                else out.append(c).append(n);
                pos += 2;
            } else if (c == '$') {
                dollar(out, true);
            } else if (c == '`') {
                throw error("command substitution (`...`) is not supported");
            } else {
                out.append(c);
                pos++;
            }
        }
    }

    private void dollar(StringBuilder out, boolean inDoubleQuotes) {
        int next = pos + 1;
        if (next >= line.length()) {
            out.append('$');
            pos++;
            return;
        }
        char n = line.charAt(next);
        if (n == '(') throw error("command substitution ($(...)) is not supported");
        if (n == '[') throw error("arithmetic ($[...]) is not supported");
        if (n == '\'' && !inDoubleQuotes) throw error("$'...' quoting is not supported; use '...'");
        if (n == '"' && !inDoubleQuotes) {
            pos++; // $"..." is a translated string; bash treats it as "..."
            return;
        }
        if (n == '{') {
            int end = line.indexOf('}', next);
            String name = end < 0 ? "" : line.substring(next + 1, end);
            if (end < 0 || !isName(name)) {
                throw error("only ${NAME} is supported, not ${NAME:-default} or other parameter operators");
            }
            out.append(lookup(name));
            pos = end + 1;
            return;
        }
        if (isNameChar(n, true)) {
            int end = next;
            while (end < line.length() && isNameChar(line.charAt(end), false)) end++;
            out.append(lookup(line.substring(next, end)));
            pos = end;
            return;
        }
        if (Character.isDigit(n) || "?$!#*@-".indexOf(n) >= 0) {
            throw error("special parameter $" + n + " is not supported");
        }
        out.append('$'); // a lone '$' before anything else is literal
        pos++;
    }

    private String lookup(String name) {
        if (isBashOwned(name))
            throw error("$" + name + " is set by bash itself, not read from the environment; write its value");
        if (values.containsKey(name)) return values.get(name);
        String v = env.get(name);
        return v == null ? "" : v;
    }

    private static boolean isBashOwned(String name) {
        return BASH_OWNED.contains(name) || name.startsWith("BASH");
    }

    static boolean isName(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!isNameChar(s.charAt(i), i == 0)) return false;
        return true;
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
    }
}
