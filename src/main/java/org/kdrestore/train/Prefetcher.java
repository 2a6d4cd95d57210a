package org.kdrestore.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.kdrestore.common.UserInputException;

/**
 * Decodes, crops and flips the images of the next batches on loader threads while the training
 * thread computes, so the CPU does not idle between steps. Batches come out in plan order;
 * at most {@code prefetch} are in flight. Produces plain float arrays: NDArrays are made on the
 * training thread.
 */
final class Prefetcher implements AutoCloseable {
    /** One batch: NCHW float planes for input, ground truth and (optionally) teacher. */
    record Batch(int n, int height, int width, float[] input, float[] gt, float[] teacher, List<String> ids) {}

    private final TrainingSet set;
    private final List<List<EpochPlan.Item>> plan;
    private final int crop;
    private final double cropMinError;
    private final int cropTries;
    private final boolean withTeacher;
    private final ExecutorService pool;
    private final ArrayDeque<CompletableFuture<Batch>> queue = new ArrayDeque<>();
    private int next;

    Prefetcher(TrainingSet set, List<List<EpochPlan.Item>> plan, int startBatch, TrainConfig.Train t, boolean withTeacher) {
        this.set = set;
        this.plan = plan;
        this.crop = t.crop();
        this.cropMinError = t.cropMinError();
        this.cropTries = t.cropTries();
        int prefetch = t.prefetch();
        int threads = t.loaderThreads();
        this.withTeacher = withTeacher;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread loader = new Thread(r, "kd-loader-" + n.incrementAndGet());
            loader.setDaemon(true);
            return loader;
        });
        this.next = startBatch;
        for (int i = 0; i < prefetch; i++) {
            enqueue();
        }
    }

    private void enqueue() {
        if (next >= plan.size()) {
            return;
        }
        List<CompletableFuture<TrainingSet.Sample>> parts = new ArrayList<>();
        for (EpochPlan.Item item : plan.get(next++)) {
            parts.add(CompletableFuture.supplyAsync(() -> load(item), pool));
        }
        queue.add(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> assemble(parts.stream().map(CompletableFuture::join).toList())));
    }

    boolean hasNext() {
        return !queue.isEmpty();
    }

    Batch next() {
        CompletableFuture<Batch> f = queue.poll();
        enqueue();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("loading a batch failed", c);
        }
    }

    private TrainingSet.Sample load(EpochPlan.Item item) {
        TrainingSet.Sample s;
        try {
            s = set.load(item.id(), withTeacher);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sample " + item.id() + ": " + e.getMessage(), e);
        }
        int h = s.degraded().height();
        int w = s.degraded().width();
        check(s, s.sharp(), "ground truth");
        if (withTeacher) {
            check(s, s.teacher(), "teacher output");
        }
        int ch = crop > 0 ? crop : h;
        int cw = crop > 0 ? crop : w;
        if (ch > h || cw > w) {
            throw new UserInputException("train.crop=" + crop + " is larger than sample " + item.id() + " (" + w + "x" + h + ")");
        }
        int[] at = cropMinError > 0 ? cropWithError(s, item, ch, cw) : new int[] {
            EpochPlan.offset(item.cropY(), h, ch), EpochPlan.offset(item.cropX(), w, cw)};
        int y0 = at[0];
        int x0 = at[1];
        boolean whole = ch == h && cw == w && !item.hflip() && !item.vflip();
        return new TrainingSet.Sample(s.id(),
                whole ? s.degraded() : s.degraded().crop(y0, x0, ch, cw, item.hflip(), item.vflip()),
                whole ? s.sharp() : s.sharp().crop(y0, x0, ch, cw, item.hflip(), item.vflip()),
                !withTeacher ? null : whole ? s.teacher() : s.teacher().crop(y0, x0, ch, cw, item.hflip(), item.vflip()));
    }

    /**
     * The crop position for {@code train.crop_min_error}: the planned one, else up to
     * {@code crop_tries − 1} others drawn from an RNG seeded by the planned fractions (so the
     * same item always gives the same crop, and a resumed run the same batches).
     */
    private int[] cropWithError(TrainingSet.Sample s, EpochPlan.Item item, int ch, int cw) {
        int h = s.degraded().height();
        int w = s.degraded().width();
        SplittableRandom rng = new SplittableRandom(
                Double.doubleToLongBits(item.cropY()) * 31 + Double.doubleToLongBits(item.cropX()));
        double fy = item.cropY();
        double fx = item.cropX();
        int[] best = null;
        double bestError = -1;
        for (int k = 0; k < cropTries; k++) {
            if (k > 0) {
                fy = rng.nextDouble();
                fx = rng.nextDouble();
            }
            int y0 = EpochPlan.offset(fy, h, ch);
            int x0 = EpochPlan.offset(fx, w, cw);
            double e = meanAbsError(s.degraded(), s.sharp(), y0, x0, ch, cw);
            if (e >= cropMinError) {
                return new int[] {y0, x0};
            }
            if (e > bestError) {
                bestError = e;
                best = new int[] {y0, x0};
            }
        }
        return best;
    }

    /** Mean |a − b| over the C·h·w values of the window at (y0, x0). */
    static double meanAbsError(TrainingSet.Planar a, TrainingSet.Planar b, int y0, int x0, int h, int w) {
        double sum = 0;
        int plane = a.height() * a.width();
        for (int c = 0; c < 3; c++) {
            for (int y = y0; y < y0 + h; y++) {
                int row = c * plane + y * a.width();
                for (int x = x0; x < x0 + w; x++) {
                    sum += Math.abs(a.chw()[row + x] - b.chw()[row + x]);
                }
            }
        }
        return sum / (3.0 * h * w);
    }

    private static void check(TrainingSet.Sample s, TrainingSet.Planar p, String what) {
        if (p == null || p.height() != s.degraded().height() || p.width() != s.degraded().width()) {
            throw new UserInputException("sample " + s.id() + ": " + what + " is "
                    + (p == null ? "missing" : p.width() + "x" + p.height()) + " but the input is "
                    + s.degraded().width() + "x" + s.degraded().height());
        }
    }

    private Batch assemble(List<TrainingSet.Sample> samples) {
        TrainingSet.Sample first = samples.get(0);
        int h = first.degraded().height();
        int w = first.degraded().width();
        int per = 3 * h * w;
        float[] in = new float[samples.size() * per];
        float[] gt = new float[samples.size() * per];
        float[] te = withTeacher ? new float[samples.size() * per] : null;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            TrainingSet.Sample s = samples.get(i);
            if (s.degraded().height() != h || s.degraded().width() != w) {
                throw new UserInputException("samples " + first.id() + " (" + w + "x" + h + ") and " + s.id() + " ("
                        + s.degraded().width() + "x" + s.degraded().height()
                        + ") differ in size; a batch of whole images needs one size (set train.crop)");
            }
            System.arraycopy(s.degraded().chw(), 0, in, i * per, per);
            System.arraycopy(s.sharp().chw(), 0, gt, i * per, per);
            if (te != null) {
                System.arraycopy(s.teacher().chw(), 0, te, i * per, per);
            }
            ids.add(s.id());
        }
        return new Batch(samples.size(), h, w, in, gt, te, ids);
    }

    @Override
    public void close() {
        queue.forEach(f -> f.cancel(true));
        pool.shutdownNow();
    }
}
