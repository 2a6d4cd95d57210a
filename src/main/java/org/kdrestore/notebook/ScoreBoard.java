package org.kdrestore.notebook;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.kdrestore.report.Evaluation;
import org.kdrestore.report.Summary;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Scores collected while a notebook walks through images: each {@link #add} scores one output
 * against its ground truth with {@link Evaluation#score} (SSIM, PSNR, MS-SSIM, the same function
 * and definitions as {@code kd-restore evaluate}), and the tables show them per image and
 * summarised per model with a 95% confidence interval ({@link Summary}).
 */
public final class ScoreBoard {
    /** One scored image; {@code msSsim} is NaN when the image is too small for MS-SSIM. */
    public record Score(String image, String model, double ssim, double psnr, double msSsim) {}

    private final List<Score> scores = new ArrayList<>();

    /** Scores {@code output} against {@code groundTruth} (CHW, RGB, [0,1]) and records it; returns the score. */
    public Score add(String image, String model, NDArray output, NDArray groundTruth) {
        double[] s = Evaluation.score(output, groundTruth);
        Score sc = new Score(image, model, s[0], s[1], s[2]);
        scores.add(sc);
        return sc;
    }

    public List<Score> scores() {
        return List.copyOf(scores);
    }

    /** The models in the order they were first added. */
    public List<String> models() {
        Set<String> m = new LinkedHashSet<>();
        scores.forEach(s -> m.add(s.model()));
        return List.copyOf(m);
    }

    /** The values of one metric ({@link Evaluation#SSIM}, {@code PSNR}, {@code MS-SSIM}) for one model, in order added. */
    public double[] values(String model, String metric) {
        return scores.stream().filter(s -> s.model().equals(model)).mapToDouble(s -> pick(s, metric)).toArray();
    }

    /** One row per scored image: image, model, SSIM, PSNR (dB), MS-SSIM. */
    public Table perImage() {
        Table t = Table.create("Per image");
        t.addColumns(StringColumn.create("image", scores.stream().map(Score::image).toList()),
                StringColumn.create("model", scores.stream().map(Score::model).toList()),
                DoubleColumn.create("SSIM", scores.stream().mapToDouble(Score::ssim).toArray()),
                DoubleColumn.create("PSNR (dB)", scores.stream().mapToDouble(Score::psnr).toArray()),
                DoubleColumn.create("MS-SSIM", scores.stream().mapToDouble(Score::msSsim).toArray()));
        return t;
    }

    /**
     * Per model and metric: n, mean, sd and the 95% CI of the mean ({@code mean ± t(0.975, n−1)·sd/√n};
     * NaN with one image). A metric that is NaN for every image of a model (MS-SSIM on small crops) is left out.
     */
    public Table summary() {
        StringColumn model = StringColumn.create("model");
        StringColumn metric = StringColumn.create("metric");
        IntColumn n = IntColumn.create("n");
        DoubleColumn mean = DoubleColumn.create("mean");
        DoubleColumn sd = DoubleColumn.create("sd");
        DoubleColumn lo = DoubleColumn.create("95% CI low");
        DoubleColumn hi = DoubleColumn.create("95% CI high");
        for (String m : models()) {
            for (String k : Evaluation.METRICS) {
                double[] v = values(m, k);
                if (java.util.Arrays.stream(v).allMatch(Double::isNaN)) {
                    continue;
                }
                Summary s = Summary.of(v);
                model.append(m);
                metric.append(k);
                n.append(s.n());
                mean.append(s.mean());
                sd.append(s.sd());
                lo.append(s.ciLow());
                hi.append(s.ciHigh());
            }
        }
        return Table.create("Summary (mean, sd, 95% CI over images)", model, metric, n, mean, sd, lo, hi);
    }

    /**
     * Paired differences {@code model − base} per metric, image by image (both must have scored the
     * same images in the same order): n, mean, sd, 95% CI. An interval that excludes 0 is evidence
     * of a difference on these images.
     */
    public Table differences(String model, String base) {
        List<String> a = scores.stream().filter(s -> s.model().equals(model)).map(Score::image).toList();
        List<String> b = scores.stream().filter(s -> s.model().equals(base)).map(Score::image).toList();
        if (a.isEmpty() || !a.equals(b)) {
            throw new IllegalArgumentException("models '" + model + "' and '" + base + "' did not score the same images: " + a + " vs " + b);
        }
        StringColumn metric = StringColumn.create("metric");
        IntColumn n = IntColumn.create("n");
        DoubleColumn mean = DoubleColumn.create("mean difference");
        DoubleColumn sd = DoubleColumn.create("sd");
        DoubleColumn lo = DoubleColumn.create("95% CI low");
        DoubleColumn hi = DoubleColumn.create("95% CI high");
        for (String k : Evaluation.METRICS) {
            double[] va = values(model, k);
            double[] vb = values(base, k);
            if (java.util.Arrays.stream(va).allMatch(Double::isNaN)) {
                continue;
            }
            Summary s = Summary.ofDifferences(va, vb);
            metric.append(k);
            n.append(s.n());
            mean.append(s.mean());
            sd.append(s.sd());
            lo.append(s.ciLow());
            hi.append(s.ciHigh());
        }
        return Table.create(model + " − " + base + " (paired per image)", metric, n, mean, sd, lo, hi);
    }

    private static double pick(Score s, String metric) {
        return switch (metric) {
            case Evaluation.SSIM -> s.ssim();
            case Evaluation.PSNR -> s.psnr();
            case Evaluation.MS_SSIM -> s.msSsim();
            default -> throw new IllegalArgumentException("unknown metric '" + metric + "', expected one of " + Evaluation.METRICS);
        };
    }
}
