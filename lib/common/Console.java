package lib.common;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Where the tool talks: results on {@code out}, diagnostics and prompts on {@code err}.
 * Confirmation needs a terminal (or an injected answer in tests); without one it never waits.
 */
public final class Console {
    public final PrintWriter out;
    public final PrintWriter err;
    public final boolean verbose;
    public final boolean quiet;
    private final BufferedReader in;
    private final boolean interactive;

    public Console(
            PrintWriter out, PrintWriter err, BufferedReader in, boolean interactive, boolean verbose, boolean quiet) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.interactive = interactive;
        this.verbose = verbose;
        this.quiet = quiet;
    }

    public boolean interactive() {
        return interactive;
    }

    /** A result line (stdout); suppressed by --quiet. */
    public void info(String line) {
        if (!quiet) out.println(line);
        out.flush();
    }

    /** A summary line (stdout): shown even with --quiet, which keeps "only errors and the summary". */
    public void summary(String line) {
        out.println(line);
        out.flush();
    }

    /** A detail line shown only with --verbose. */
    public void detail(String line) {
        if (verbose) out.println(line);
        out.flush();
    }

    public void warn(String line) {
        err.println("warning: " + line);
        err.flush();
    }

    /** Asks once; only "y" or "yes" proceeds. Without a terminal ({@link #interactive}): no, never block. */
    public boolean confirm(String question) {
        if (!interactive) return false;
        err.print(question + " [y/N] ");
        err.flush();
        try {
            String answer = in.readLine();
            return answer != null
                    && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            return false;
        }
    }
}
