package lib.modes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The systemd user unit that {@code watch --print-systemd-unit} prints (SYNC.md, "Autosave:
 * watch"): runs watch for this repo, started at boot (with lingering), restarted if it fails, and
 * given time to send what is pending when the machine shuts down.
 */
public final class SystemdUnit {
    private SystemdUnit() {}

    /** systemd's stop timeout; {@link Watch}'s own stop deadline is a minute shorter, for the batch in flight. */
    static final long STOP_S = 300;

    public static String text(Path root, Path config, Map<String, String> env) {
        Path tool = root.resolve("lambda-sync.java");
        String exec =
                Files.exists(tool) ? quote(root.resolve("jbang")) + " " + quote(tool) : "%h/.jbang/bin/lambda-sync";
        return "# lambda-sync watch for " + root + "\n"
                + "# Save as ~/.config/systemd/user/lambda-sync-watch.service, then:\n"
                + "#   systemctl --user daemon-reload && systemctl --user enable --now lambda-sync-watch\n"
                + "#   loginctl enable-linger \"$USER\"    # keeps it running with nobody logged in\n"
                + "[Unit]\n"
                + "Description=lambda-sync watch: uploads new results of " + root.getFileName() + "\n"
                + "After=network-online.target\n\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "WorkingDirectory=" + quote(root) + "\n"
                + (env.containsKey("PATH") ? "Environment=\"PATH=" + env.get("PATH") + "\"\n" : "")
                + (env.containsKey("JAVA_HOME") ? "Environment=\"JAVA_HOME=" + env.get("JAVA_HOME") + "\"\n" : "")
                + "ExecStart=" + exec + " " + quote(config) + " watch\n"
                + "Restart=on-failure\n"
                + "RestartSec=30\n"
                + "# On stop, watch sends what is pending before it exits: give it time.\n"
                + "TimeoutStopSec=" + STOP_S + "\n\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }

    private static String quote(Path p) {
        String s = p.toAbsolutePath().normalize().toString();
        return s.contains(" ") ? "\"" + s + "\"" : s;
    }
}
