import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU the machine spent during a run on things other than the tool, the S3 server
 * and this bench (other sessions' builds and tests share these 2 cores): busy time from
 * /proc/stat minus the known processes' own time, in CPU-seconds.
 */
final class CpuMeter {
    static final double HZ = 100.0; // USER_HZ on Linux

    private final long serverPid;

    CpuMeter(long serverPid) {
        this.serverPid = serverPid;
    }

    /** A reading: machine busy ticks, server ticks, bench ticks. */
    record Reading(long busy, long server, long bench) {}

    Reading read() {
        return new Reading(
                machineBusy(),
                processTicks(serverPid),
                processTicks(ProcessHandle.current().pid()));
    }

    /** CPU-seconds spent by other processes between two readings, given the tool's own CPU-seconds. */
    static double foreign(Reading a, Reading b, double toolSeconds) {
        if (a.busy() < 0 || b.busy() < 0) return Double.NaN;
        double known = (b.server() - a.server() + b.bench() - a.bench()) / HZ + toolSeconds;
        return Math.max(0, (b.busy() - a.busy()) / HZ - known);
    }

    /** Waits (at most {@code maxMillis}) until the machine is nearly idle, so a run does not start in someone else's burst. */
    double settle(long maxMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + maxMillis;
        double cores;
        do {
            long a = machineBusy();
            Thread.sleep(250);
            cores = (machineBusy() - a) / HZ / 0.25;
        } while (cores > 0.4 && System.currentTimeMillis() < end);
        return cores;
    }

    private static long machineBusy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            return total - Long.parseLong(f[4]) - Long.parseLong(f[5]); // minus idle and iowait
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long processTicks(long pid) {
        if (pid <= 0) return 0;
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The S3 server's process: the descendant of this JVM whose command line has {@code --properties <file>}. */
    static ProcessHandle findServer() {
        return ProcessHandle.current()
                .descendants()
                .filter(p -> cmdline(p.pid()).contains("--properties"))
                .findFirst()
                .orElse(null);
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
