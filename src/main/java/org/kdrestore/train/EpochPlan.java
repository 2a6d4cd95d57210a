package org.kdrestore.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The order, crops and flips of one epoch, derived only from (seed, epoch) with a Java RNG, so
 * a resumed run sees exactly the batches an uninterrupted one would (no dependence on how many
 * random numbers were drawn before).
 */
public final class EpochPlan {
    private EpochPlan() {}

    /**
     * One crop to take: the sample, where (as fractions of the free range, applied once the
     * image size is known) and whether to mirror it.
     */
    public record Item(String id, double cropY, double cropX, boolean hflip, boolean vflip) {}

    public static List<List<Item>> batches(List<String> ids, long seed, int epoch, TrainConfig.Train t) {
        SplittableRandom rng = new SplittableRandom(mix(seed, epoch));
        List<String> order = new ArrayList<>();
        int copies = t.crop() > 0 ? t.cropsPerImage() : 1;
        for (int k = 0; k < copies; k++) {
            order.addAll(ids);
        }
        for (int i = order.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            String tmp = order.get(i);
            order.set(i, order.get(j));
            order.set(j, tmp);
        }
        List<Item> items = new ArrayList<>(order.size());
        for (String id : order) {
            double cy = rng.nextDouble();
            double cx = rng.nextDouble();
            boolean h = rng.nextBoolean();
            boolean v = rng.nextBoolean();
            items.add(new Item(id, cy, cx, t.flips() && h, t.flips() && v));
        }
        List<List<Item>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += t.batchSize()) {
            out.add(List.copyOf(items.subList(i, Math.min(items.size(), i + t.batchSize()))));
        }
        return out;
    }

    public static int batchesPerEpoch(int samples, TrainConfig.Train t) {
        int n = samples * (t.crop() > 0 ? t.cropsPerImage() : 1);
        return (n + t.batchSize() - 1) / t.batchSize();
    }

    /** A well-spread 64-bit seed per (seed, epoch) (SplitMix64 finaliser). */
    static long mix(long seed, int epoch) {
        long z = seed * 0x9E3779B97F4A7C15L + (epoch + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Where a crop of {@code size} starts in a side of {@code full}, from a fraction in [0,1). */
    static int offset(double fraction, int full, int size) {
        return (int) Math.floor(fraction * (full - size + 1));
    }
}
