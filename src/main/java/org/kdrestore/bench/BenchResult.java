package org.kdrestore.bench;

/**
 * Timings in seconds of the measured repeats, the process's peak RSS, and the achieved rate.
 * {@code cpuPerRunS} is the process's CPU time (user + system, all threads) per measured run:
 * on a loaded machine it shows the work done when wall time is inflated by waiting for a core.
 * {@code impl} is {@code djl} (this project) or {@code torch} ({@code tools/bench_torch.py}).
 */
public record BenchResult(String name, String description, int repeats, double minS, double medianS, double maxS,
        long peakRssBytes, double flops, double gflopsAtMedian, String device, int threads, String impl, double cpuPerRunS) {}
