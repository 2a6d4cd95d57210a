package org.kdrestore.bench;

/** Timings in seconds of the measured repeats, the process's peak RSS, and the achieved rate. */
public record BenchResult(String name, String description, int repeats, double minS, double medianS, double maxS,
        long peakRssBytes, double flops, double gflopsAtMedian, String device) {}
