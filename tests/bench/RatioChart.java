import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * tests/bench/ratios.png: left, lambda-sync over each peer (time for the small-file
 * operations, throughput for the large files) with issue 16's target drawn on each bar; right,
 * the absolute targets (memory, start-up) as a fraction of their limit.
 */
final class RatioChart {
    static final Color MET = new Color(0x2e7d32), MISSED = new Color(0xc62828), INFO = new Color(0x9e9e9e);

    /** One bar: its label lines, the value drawn, an optional target (NaN: none) and its text. */
    record Bar(String[] label, double value, double target, boolean atMost, String valueText, String targetText) {}

    private RatioChart() {}

    static void write(Report r, Path png) throws Exception {
        List<Bar> ratios = new ArrayList<>(), absolute = new ArrayList<>();
        for (Report.Target t : r.targets()) {
            String[] label = label(t);
            if (t.isRatio()) {
                ratios.add(new Bar(
                        label,
                        t.value(),
                        t.limit(),
                        t.atMost(),
                        String.format(Locale.ROOT, "%.2f×", t.value()),
                        (t.atMost() ? "≤ " : "≥ ") + t.limit()));
            } else if (!t.scenario().equals("noop-10k") || t.what().startsWith("peak")) {
                absolute.add(new Bar(
                        label,
                        t.value() / t.limit(),
                        1.0,
                        true,
                        t.shown(),
                        "limit " + fmt(t.limit()) + (t.shown().endsWith("MiB") ? " MiB" : " s")));
            }
        }
        // Ratios against aws where issue 16 sets no target, for context.
        for (String id : List.of("noop-10k", "download-small")) {
            if (!r.results.containsKey(id)) continue;
            double v = r.seconds(id, Tool.LAMBDA_SYNC) / r.seconds(id, Tool.AWS);
            ratios.add(new Bar(
                    new String[] {id.equals("noop-10k") ? "no-op 10k" : "download 2k", "time vs aws"},
                    v,
                    Double.NaN,
                    true,
                    String.format(Locale.ROOT, "%.2f×", v),
                    ""));
        }
        for (String id : List.of("upload-large", "download-large")) {
            if (!r.results.containsKey(id)) continue;
            double v = r.throughput(id, Tool.LAMBDA_SYNC) / r.throughput(id, Tool.AWS);
            ratios.add(new Bar(
                    new String[] {id.startsWith("upload") ? "upload large" : "download large", "MiB/s vs aws"},
                    v,
                    Double.NaN,
                    false,
                    String.format(Locale.ROOT, "%.2f×", v),
                    ""));
        }

        int split = 40 + Math.max(2, ratios.size()) * 100 + 60;
        int w = split + Math.max(2, absolute.size()) * 110 + 80, h = 640;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(
                "lambda-sync vs aws s3 sync and rclone copy (issue 16 targets)" + (r.b.quick ? " — QUICK RUN" : ""),
                20,
                30);
        panel(
                g,
                ratios,
                20,
                50,
                split - 40,
                h - 60,
                "lambda-sync ÷ peer, medians",
                "time: lower is better; MiB/s: higher is better");
        panel(g, absolute, split, 50, w - split - 20, h - 60, "absolute targets", "value ÷ limit: lower is better");
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.DARK_GRAY);
        g.drawString("green: target met   red: missed   grey: no target   dashed line: target", 20, h - 12);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static void panel(Graphics2D g, List<Bar> bars, int x, int y, int w, int h, String title, String subtitle) {
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(title, x, y + 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.DARK_GRAY);
        g.drawString(subtitle, x, y + 30);
        int left = x + 40, top = y + 50, bottom = y + h - 70, right = x + w;
        double max = 1.5;
        for (Bar b : bars) max = Math.max(max, Math.max(b.value(), Double.isNaN(b.target()) ? 0 : b.target()) * 1.15);
        max = Math.min(max, 4.0);
        // Axis and grid.
        g.setColor(new Color(0xeeeeee));
        for (double v = 0.5; v < max; v += 0.5) {
            int yy = yOf(v, max, top, bottom);
            g.drawLine(left, yy, right, yy);
        }
        g.setColor(Color.GRAY);
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, bottom, right, bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double v = 0; v < max; v += 0.5) {
            int yy = yOf(v, max, top, bottom);
            g.drawString(String.format(Locale.ROOT, "%.1f", v), x + 8, yy + 4);
        }
        int yOne = yOf(1.0, max, top, bottom);
        g.setColor(Color.BLACK);
        g.drawLine(left, yOne, right, yOne);
        if (bars.isEmpty()) return;
        int slot = Math.min(100, (right - left) / bars.size()), bw = slot * 55 / 100;
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int cx = left + slot * i + slot / 2, bx = cx - bw / 2;
            double shown = Math.min(b.value(), max);
            int by = yOf(shown, max, top, bottom);
            boolean met = b.atMost() ? b.value() <= b.target() : b.value() >= b.target();
            g.setColor(Double.isNaN(b.target()) ? INFO : met ? MET : MISSED);
            g.fillRect(bx, by, bw, bottom - by);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            centered(g, b.valueText() + (b.value() > max ? " ↑" : ""), cx, by - 6, slot);
            if (!Double.isNaN(b.target())) {
                int ty = yOf(b.target(), max, top, bottom);
                g.setStroke(
                        new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
                g.setColor(new Color(0x1565c0));
                g.drawLine(bx - 8, ty, bx + bw + 8, ty);
                g.setStroke(new BasicStroke(1));
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
                int tw = g.getFontMetrics().stringWidth(b.targetText());
                g.setColor(Color.WHITE);
                g.fillRect(cx - tw / 2 - 3, ty - 17, tw + 6, 14);
                g.setColor(new Color(0x1565c0));
                centered(g, b.targetText(), cx, ty - 6, slot);
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int l = 0; l < b.label().length; l++) centered(g, b.label()[l], cx, bottom + 16 + 14 * l, slot);
        }
    }

    private static int yOf(double v, double max, int top, int bottom) {
        return bottom - (int) Math.round(v / max * (bottom - top));
    }

    private static void centered(Graphics2D g, String s, int cx, int y, int width) {
        int sw = g.getFontMetrics().stringWidth(s);
        g.drawString(s, cx - sw / 2, y);
    }

    private static String[] label(Report.Target t) {
        String op = switch (t.scenario()) {
            case "upload-small" -> "upload 2k";
            case "noop-10k" -> t.what().startsWith("peak") ? "RSS no-op 10k" : "no-op 10k";
            case "download-small" -> "download 2k";
            case "upload-large" -> "upload large";
            case "download-large" -> "download large";
            case "noop-100k" -> "RSS no-op 100k";
            case "lat20-upload" -> "upload 1k, 20 ms";
            case "lat20-noop" -> "no-op 1k, 20 ms";
            case "lat20-download" -> "download 1k, 20 ms";
            case "version" -> "--version";
            case "help" -> "--help";
            default -> t.scenario();
        };
        if (t.isRatio()) {
            String peer = switch (t.peer()) {
                case AWS -> "aws";
                case AWS_PER_DIR -> "aws per dir";
                default -> "rclone";
            };
            return new String[] {op, t.measure() + " vs " + peer};
        }
        return new String[] {op, t.shown()};
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
