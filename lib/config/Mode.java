package lib.config;

/**
 * The command's modes (SYNC.md "Command reference"), the second argument of every command line.
 * Its own file so that the sync engine (SyncRun) can name them without reaching into the entry.
 */
public enum Mode {
    setup,
    upload,
    download,
    status,
    doctor,
    watch,
    trash
}
