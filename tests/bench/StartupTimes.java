import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `--version` (and lambda-sync's `--help`) with a warm cache: hyperfine without a shell
 * (-N), 3 warm-up runs, then timed runs; plain repeated runs where hyperfine is missing.
 */
final class StartupTimes {
    private StartupTimes() {}

    record Command(String id, Tool tool, List<String> argv, String shown) {}

    static List<Command> commands(Tool.Target t) {
        String jbang = t.toolDir().resolve("jbang").toString(),
                script = t.toolDir().resolve("lambda-sync.java").toString();
        return List.of(
                new Command(
                        "version",
                        Tool.LAMBDA_SYNC,
                        List.of(jbang, script, "--version"),
                        "./jbang lambda-sync.java --version"),
                new Command("version", Tool.AWS, List.of(Tool.AWS_BIN, "--version"), Tool.AWS_BIN + " --version"),
                new Command("version", Tool.RCLONE, List.of(Tool.RCLONE_BIN, "version"), Tool.RCLONE_BIN + " version"),
                new Command(
                        "help", Tool.LAMBDA_SYNC, List.of(jbang, script, "--help"), "./jbang lambda-sync.java --help"));
    }

    static Map<String, List<Sample>> measure(Bench b) throws Exception {
        int runs = b.quick ? 5 : 10;
        List<Command> cmds = commands(b.direct);
        List<List<Double>> times =
                Files.isExecutable(Path.of("/usr/bin/hyperfine")) ? hyperfine(b, cmds, runs) : repeated(cmds, runs);
        Map<String, List<Sample>> out = new LinkedHashMap<>();
        for (int i = 0; i < cmds.size(); i++) {
            Command c = cmds.get(i);
            List<Sample> list = out.computeIfAbsent(c.id(), k -> new ArrayList<>());
            int r = 1;
            for (double sec : times.get(i)) {
                list.add(new Sample(
                        c.tool(), r++, sec, -1, 0, 0, 0, 0, 0, List.of(), Map.of(), "", new ArrayList<>(), Double.NaN));
            }
            b.log("  %-12s %-9s median %.3f s", c.tool().label, c.id(), Report.median(times.get(i)));
        }
        return out;
    }

    static String hyperfineLine(int runs) {
        return "hyperfine -N --warmup 3 --runs " + runs + " '<command>' ...";
    }

    private static List<List<Double>> hyperfine(Bench b, List<Command> cmds, int runs) throws Exception {
        Path json = b.work.resolve("logs/hyperfine.json");
        Files.createDirectories(json.getParent());
        Path timeFile = b.work.resolve("logs/hyperfine.time");
        // Under /usr/bin/time, so the CPU of everything hyperfine ran is known and other load can be told apart.
        List<String> argv = new ArrayList<>(List.of(
                "/usr/bin/time",
                "-v",
                "-o",
                timeFile.toString(),
                "/usr/bin/hyperfine",
                "-N",
                "--warmup",
                "3",
                "--runs",
                String.valueOf(runs),
                "--export-json",
                json.toString(),
                "--style",
                "basic"));
        for (Command c : cmds) argv.add(String.join(" ", c.argv()));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(b.work.resolve("logs/hyperfine.out").toFile());
        pb.environment().clear();
        pb.environment().putAll(Tool.baseEnv());
        CpuMeter.Reading before = b.cpu.read();
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (p.waitFor() != 0)
            throw new IllegalStateException("hyperfine failed; see " + b.work.resolve("logs/hyperfine.out"));
        double wall = (System.nanoTime() - t0) / 1e9, cpu = 0;
        for (String line : Files.readAllLines(timeFile)) {
            String l = line.trim();
            if (l.startsWith("User time (seconds):") || l.startsWith("System time (seconds):"))
                cpu += Double.parseDouble(l.substring(l.indexOf(':') + 1).trim());
        }
        double foreign = CpuMeter.foreign(before, b.cpu.read(), cpu);
        b.notes.add(String.format(
                java.util.Locale.ROOT,
                "other load during the start-up measurement (hyperfine, %.0f s): %.2f cores%s",
                wall,
                foreign / wall,
                foreign / wall > 0.2 ? " — **disturbed; start-up times are high**" : ""));
        String text = Files.readString(json);
        List<List<Double>> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"times\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(text);
        while (m.find()) {
            List<Double> t = new ArrayList<>();
            for (String v : m.group(1).split(",")) if (!v.isBlank()) t.add(Double.parseDouble(v.trim()));
            out.add(t);
        }
        if (out.size() != cmds.size()) throw new IllegalStateException("unexpected hyperfine output in " + json);
        return out;
    }

    private static List<List<Double>> repeated(List<Command> cmds, int runs) throws Exception {
        List<List<Double>> out = new ArrayList<>();
        for (Command c : cmds) {
            List<Double> t = new ArrayList<>();
            for (int i = 0; i < runs + 3; i++) {
                ProcessBuilder pb = new ProcessBuilder(c.argv())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().clear();
                pb.environment().putAll(Tool.baseEnv());
                long t0 = System.nanoTime();
                pb.start().waitFor();
                if (i >= 3) t.add((System.nanoTime() - t0) / 1e9);
            }
            out.add(t);
        }
        return out;
    }
}
