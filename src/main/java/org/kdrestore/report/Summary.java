package org.kdrestore.report;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Mean, sample standard deviation (n−1) and a two-sided 95% confidence interval of the mean,
 * {@code mean ± t(0.975, n−1) · sd / √n}. With one value the spread and interval are NaN
 * (undefined), never zero. Used for per-image metric columns and their paired differences.
 */
public record Summary(int n, double mean, double sd, double ciLow, double ciHigh) {
    public static Summary of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        if (n == 1) {
            return new Summary(1, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double half = new TDistribution(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        return new Summary(n, mean, sd, mean - half, mean + half);
    }

    /** Summary of the element-wise differences {@code a[i] − b[i]} (a paired comparison). */
    public static Summary ofDifferences(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values differ in count: " + a.length + " vs " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return of(d);
    }

    /** Half-width of the 95% interval. */
    public double ciHalfWidth() {
        return (ciHigh - ciLow) / 2;
    }
}
