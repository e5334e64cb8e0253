package lib.common;

/**
 * How a command ended, named by what happened. Lib code says which (thrown in an
 * {@link StopException}, or returned); only the entry, lambda-sync.java, turns it into an exit
 * code and its table is SYNC.md's "Exit codes".
 */
public enum Ending {
    /** Done, or nothing to do. */
    DONE,
    /** Something failed at run time (network, server, disk, permissions); what finished is kept. */
    FAILED,
    /**
     * A usage or config error: a flag, an argument or a setting (the config file, .syncignore, git's
     * config, an environment variable) the command cannot take; the message names which.
     */
    USAGE,
    /** Not confirmed, aborted, no terminal to ask on, an --approve id that no longer matches, or the deletion bound. */
    NOT_CONFIRMED,
    /** Finished, but conflicts, refused items or folders that look like data were left untouched. */
    LEFT_UNTOUCHED,
    /** download: the store holds nothing under the prefix, so nothing was downloaded or changed. */
    BUCKET_EMPTY,
    /** Ctrl-C or SIGTERM: what finished is kept. */
    INTERRUPTED
}
