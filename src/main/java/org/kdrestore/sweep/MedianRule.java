package org.kdrestore.sweep;

import java.util.Arrays;
import java.util.List;

/**
 * The median stopping rule (as in Google Vizier and Optuna's MedianPruner, simplified to one
 * value per epoch): at the end of epoch e ≥ {@code afterEpochs}, stop a trial whose metric is
 * strictly worse than the median of the other trials' metric at epoch e, provided at least
 * {@code minTrials} other trials have a value there. Ties and missing values never stop a trial.
 * With one worker the trials run in order, so the decision depends only on earlier trials.
 */
public record MedianRule(int afterEpochs, int minTrials, boolean maximise) {
    public static MedianRule of(SweepSpec.EarlyStop e, boolean maximise) {
        return new MedianRule(e.afterEpochs(), e.minTrials(), maximise);
    }

    /** Whether a trial whose metric at epoch {@code epoch1} is {@code value} should stop, given the others' values there. */
    public boolean shouldStop(int epoch1, double value, List<Double> others) {
        if (epoch1 < afterEpochs || Double.isNaN(value)) {
            return false;
        }
        double[] v = others.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length < minTrials || v.length == 0) {
            return false;
        }
        double median = median(v);
        return maximise ? value < median : value > median;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return median(v);
    }
}
