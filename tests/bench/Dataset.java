import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One generated ML-style repo: experiments exp1..exp5, each with {@code data/} and
 * {@code reports/} holding the data files, next to code files that must never move. Same seed,
 * same bytes, names and modification times (whole seconds, so every tool's mtime check agrees).
 */
final class Dataset {
    /** A key that lambda-sync, aws (`* /data/ *`) and rclone (`* /data/**`) all treat as data. */
    static final Pattern DATA_KEY = Pattern.compile("[^/]+/(data|reports)/.+");

    static final long MTIME_BASE = 1_700_000_000L;
    static final String[] EXPERIMENTS = {"exp1", "exp2", "exp3", "exp4", "exp5"};

    final String name;
    final Path root;
    /** Data files: repo-relative path -> MD5 hex. */
    final Map<String, String> data = new LinkedHashMap<>();
    /** Code files: repo-relative path -> MD5 hex (never in a bucket, never changed by a download). */
    final Map<String, String> code = new LinkedHashMap<>();

    long dataBytes;

    private Dataset(String name, Path root) {
        this.name = name;
        this.root = root;
    }

    /**
     * @param files     total data files, spread evenly over the 5 experiments (3/4 in data/, 1/4 in reports/)
     * @param minSize   smallest file, bytes
     * @param maxSize   largest file, bytes
     * @param perFolder files per sub-folder (data/run-NNN/, reports/figures-NN/)
     * @param oddNames  also name a few files with a space, accents, '+', '%' and CJK (byte-exact keys)
     */
    static Dataset small(
            String name, Path root, long seed, int files, int minSize, int maxSize, int perFolder, boolean oddNames)
            throws IOException {
        Dataset d = new Dataset(name, root);
        SplittableRandom rnd = new SplittableRandom(seed);
        d.writeCode();
        int perExp = files / EXPERIMENTS.length, i = 0;
        String[] odd = {"notes with space.txt", "résumé-été.md", "a+b=c.csv", "100% done.txt", "結果.json"};
        for (String exp : EXPERIMENTS) {
            int inData = perExp * 3 / 4;
            for (int k = 0; k < perExp; k++, i++) {
                boolean isData = k < inData;
                int n = isData ? k : k - inData;
                String folder = isData
                        ? String.format("data/run-%03d", n / perFolder + 1)
                        : String.format("reports/figures-%02d", n / perFolder + 1);
                String file = isData ? String.format("metrics-%05d.jsonl", n) : String.format("plot-%05d.csv", n);
                if (oddNames && k == perExp - 1) file = odd[i / perExp % odd.length];
                int size = minSize + rnd.nextInt(maxSize - minSize + 1);
                d.writeData(exp + "/" + folder + "/" + file, size, rnd.split(), i);
            }
        }
        d.commit();
        return d;
    }

    /** Large files, one per experiment folder given; parts of them cross every part size the tools use. */
    static Dataset large(String name, Path root, long seed, int count, long size) throws IOException {
        Dataset d = new Dataset(name, root);
        SplittableRandom rnd = new SplittableRandom(seed);
        d.writeCode();
        for (int i = 0; i < count; i++) {
            d.writeData(
                    EXPERIMENTS[i % EXPERIMENTS.length] + "/data/checkpoints/model-" + (char) ('a' + i) + ".bin",
                    size,
                    rnd.split(),
                    i);
        }
        d.commit();
        return d;
    }

    /** A copy of this repo as a fresh clone would have it: code and git, no data dirs. */
    Path cloneWithoutData(Path dest) throws IOException, InterruptedException {
        Path template = root.resolveSibling(name + "-clone");
        if (!Files.exists(template)) {
            Files.createDirectories(template);
            Proc.run(
                    root,
                    List.of(
                            "bash",
                            "-c",
                            "git ls-files -z | xargs -0 cp --parents -p -t '" + template + "' && cp -a .git '"
                                    + template + "/'"));
        }
        Proc.run(template.getParent(), List.of("cp", "-a", template.toString(), dest.toString()));
        return dest;
    }

    /** Problems with a downloaded repo: a data file missing or different, a code file changed, an extra file. */
    List<String> checkDownloaded(Path repo) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, String> want = new LinkedHashMap<>(data);
        want.putAll(code);
        List<String> extra = new ArrayList<>();
        try (var walk = Files.walk(repo)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(p)) continue;
                String rel = repo.relativize(p).toString();
                if (rel.startsWith(".git/") || rel.startsWith(".lambda-sync/")) continue;
                String md5 = want.remove(rel);
                if (md5 == null) extra.add(rel);
                else if (!md5.equals(md5(p)))
                    problems.add((code.containsKey(rel) ? "code file changed: " : "wrong content: ") + rel);
            }
        }
        if (!want.isEmpty())
            problems.add(want.size() + " file(s) missing, e.g. "
                    + want.keySet().iterator().next());
        if (!extra.isEmpty()) problems.add(extra.size() + " unexpected file(s), e.g. " + extra.get(0));
        return problems;
    }

    /** Problems with a bucket's key set after an upload of this repo. */
    List<String> checkUploaded(List<String> keys) {
        List<String> problems = new ArrayList<>();
        List<String> codeKeys = keys.stream().filter(code::containsKey).toList();
        if (!codeKeys.isEmpty()) problems.add("CODE FILES IN THE BUCKET: " + codeKeys);
        List<String> outside = keys.stream()
                .filter(k -> !DATA_KEY.matcher(k).matches() && !code.containsKey(k))
                .toList();
        if (!outside.isEmpty()) problems.add(outside.size() + " key(s) outside the data dirs, e.g. " + outside.get(0));
        java.util.Set<String> have = new java.util.HashSet<>(keys);
        List<String> missing =
                data.keySet().stream().filter(k -> !have.contains(k)).toList();
        if (!missing.isEmpty()) problems.add(missing.size() + " data key(s) missing, e.g. " + missing.get(0));
        return problems;
    }

    private void writeCode() throws IOException {
        Files.createDirectories(root);
        put(".gitignore", "*.sync.env\n.lambda-sync/\n*/data/\n*/reports/\n");
        put("README.md", "# " + name + "\n\nBenchmark repo generated by tests/bench (fixed seed).\n");
        put("requirements.txt", "torch==2.4.0\nnumpy==2.0.1\npandas==2.2.2\n");
        put("src/model.py", "import torch\n\nclass Model(torch.nn.Module):\n    pass\n");
        put("src/dataset.py", "def load(path):\n    return open(path).read()\n");
        for (String exp : EXPERIMENTS) {
            put(exp + "/train.py", "from src.model import Model\n\nif __name__ == '__main__':\n    Model()\n");
            put(exp + "/config.yaml", "lr: 0.001\nepochs: 10\nname: " + exp + "\n");
            put(exp + "/data.py", "# a code file named like the data dir: must not move\n");
            put(exp + "/notebooks/analysis.ipynb", "{\"cells\": [], \"nbformat\": 4, \"nbformat_minor\": 5}\n");
        }
    }

    private void put(String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        code.put(rel, md5(p));
    }

    private void writeData(String rel, long size, SplittableRandom rnd, int index) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        MessageDigest md = md5();
        byte[] buf = new byte[(int) Math.min(size, 1 << 20)];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(buf.length, left);
                for (int j = 0; j < n; j += 8) {
                    long v = rnd.nextLong();
                    for (int b = 0; b < 8 && j + b < n; b++, v >>>= 8) buf[j + b] = (byte) v;
                }
                md.update(buf, 0, n);
                out.write(buf, 0, n);
                left -= n;
            }
        }
        Files.setLastModifiedTime(p, FileTime.from(MTIME_BASE + index, TimeUnit.SECONDS));
        data.put(rel, HexFormat.of().formatHex(md.digest()));
        dataBytes += size;
    }

    private void commit() throws IOException {
        try {
            Proc.run(root, List.of("git", "init", "-q"));
            Proc.run(root, List.of("git", "add", "-A"));
            Proc.run(
                    root,
                    List.of(
                            "git",
                            "-c",
                            "user.name=bench",
                            "-c",
                            "user.email=bench@localhost",
                            "commit",
                            "-q",
                            "-m",
                            "code"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String md5(Path p) throws IOException {
        MessageDigest md = md5();
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
