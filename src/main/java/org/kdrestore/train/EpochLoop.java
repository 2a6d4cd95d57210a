package org.kdrestore.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.PixelErrors;
import org.kdrestore.metric.Ssim;

/**
 * The one training loop, shared by the student's distillation ({@link Trainer}) and the
 * teacher's training ({@link TeacherTrainer}): epochs planned from (seed, epoch), batches
 * prefetched, one optimisation step per batch (the network's part through {@link Network}),
 * metrics.csv rows, checkpoints every {@code train.checkpoint_every} steps and at each epoch's end
 * (with a copy {@code checkpoints/epoch-NNN.ckpt}), validation at each epoch's end. Resumes at any
 * (epoch, batch, step) a checkpoint recorded, so a killed and resumed run ends bit-identical to
 * one that never stopped.
 */
final class EpochLoop {
    private EpochLoop() {}

    /** What one step computed: the minimised loss, the terms to log, and the progress line's text. */
    record Step(double loss, Map<String, Double> terms, String status) {}

    /** The network-specific parts of the loop. */
    interface Network {
        /**
         * Forward, loss and backward for one batch, inside a gradient collector; the parameters
         * hold the gradients when it returns. {@code teacher} is null when the run has no teacher term.
         */
        Step step(NDArray input, NDArray groundTruth, NDArray teacher);

        /** Writes {@code checkpoints/last.ckpt} for this position. */
        void checkpoint(int epoch, int batch, boolean epochDone, long global) throws IOException;

        /** Validation scores {ssim, psnr} at an epoch's end (NaN when there are no validation images). */
        double[] validate() throws IOException;

        /** The train.log line of a finished epoch. */
        String epochLine(int epoch1, long global, double lastLoss, double[] validation);
    }

    /** Where training starts: the epoch, the batch within it and the steps done (0, 0, 0 for a new run). */
    record Start(int epoch, int batch, long global) {}

    /** Where it ended. */
    record End(long global, int epochsRun, double lastLoss, double[] validation) {}

    /** Steps the run makes in all: every epoch's batches, capped by {@code train.max_steps}. */
    private static long totalSteps(TrainConfig.Train t, int samples) {
        long planned = (long) EpochPlan.batchesPerEpoch(samples, t) * t.epochs();
        return t.maxSteps() > 0 ? Math.min(planned, t.maxSteps()) : planned;
    }

    /** Learning rate for the step after {@code done} of {@code total} steps. */
    @FunctionalInterface
    interface LearningRate {
        double at(long done, long total);
    }

    /**
     * Runs from {@code start} until the last planned step.
     *
     * @param name the progress bar's label
     * @param withTeacher whether batches carry the teacher's outputs
     * @param lr the learning rate per step (set on {@code adam} before each step)
     * @param log train.log (and stderr unless quiet)
     * @param elapsed seconds since the process started training, for metrics.csv
     */
    static End run(String name, TrainConfig.Train t, TrainingSet data, boolean withTeacher, Adam adam, LearningRate lr,
            MetricsLog metrics, Path runDir, NDManager manager, Network net, Start start, boolean quiet, RunLog log,
            DoubleSupplier elapsed) throws IOException {
        List<String> ids = data.trainIds();
        long total = totalSteps(t, ids.size());
        long global = start.global();
        Integer hangAfter = Integer.getInteger(Trainer.HANG_AFTER_STEP);
        double lastLoss = Double.NaN;
        double[] val = {Double.NaN, Double.NaN};
        int epochsRun = start.epoch();
        log.line(String.format("training: %d samples, %d batches/epoch of %d, %d epochs, %d steps in all%s", ids.size(),
                EpochPlan.batchesPerEpoch(ids.size(), t), t.batchSize(), t.epochs(), total, global > 0 ? " (" + global + " done)" : ""));
        try (Progress progress = new Progress(name, total - global, quiet)) {
            for (int epoch = start.epoch(); epoch < t.epochs() && global < total; epoch++) {
                List<List<EpochPlan.Item>> plan = EpochPlan.batches(ids, t.seed(), epoch, t);
                int b = epoch == start.epoch() ? start.batch() : 0;
                long stepEnd = System.nanoTime();
                try (Prefetcher pf = new Prefetcher(data, plan, b, t, withTeacher)) {
                    for (; b < plan.size() && global < total; b++) {
                        Prefetcher.Batch batch = pf.next();
                        adam.setLearningRate(lr.at(global, total));
                        Step step;
                        try (NDManager scope = manager.newSubManager()) {
                            Shape shape = new Shape(batch.n(), 3, batch.height(), batch.width());
                            NDArray x = scope.create(batch.input(), shape);
                            NDArray gt = scope.create(batch.gt(), shape);
                            NDArray te = batch.teacher() == null ? null : scope.create(batch.teacher(), shape);
                            adam.zeroGrad();
                            step = net.step(x, gt, te);
                            lastLoss = step.loss();
                            if (!Double.isFinite(lastLoss)) {
                                throw new IllegalStateException("loss became " + lastLoss + " at step " + (global + 1)
                                        + " (epoch " + (epoch + 1) + "); lower train.lr");
                            }
                            adam.step();
                        }
                        global++;
                        long now = System.nanoTime();
                        double ips = batch.n() / ((now - stepEnd) / 1e9);
                        stepEnd = now;
                        metrics.step(epoch + 1, global, b + 1, adam.settings().lr(), lastLoss, step.terms(), ips,
                                elapsed.getAsDouble());
                        progress.status(String.format("epoch %d/%d step %d %s", epoch + 1, t.epochs(), global, step.status()));
                        progress.step();
                        if (t.checkpointEvery() > 0 && global % t.checkpointEvery() == 0) {
                            net.checkpoint(epoch, b + 1, false, global);
                        }
                        if (hangAfter != null && global == hangAfter) {
                            RunFolder.hang();
                        }
                    }
                }
                val = net.validate();
                metrics.epoch(epoch + 1, global, adam.settings().lr(), val[0], val[1], elapsed.getAsDouble());
                net.checkpoint(epoch, b, true, global);
                Path last = Trainer.lastCheckpoint(runDir);
                AtomicFiles.write(runDir.resolve("checkpoints").resolve(String.format("epoch-%03d.ckpt", epoch + 1)),
                        o -> Files.copy(last, o));
                log.line(net.epochLine(epoch + 1, global, lastLoss, val));
                epochsRun = epoch + 1;
            }
        }
        return new End(global, epochsRun, lastLoss, val);
    }

    /** train.log: a line appended (and shown on stderr unless quiet). */
    @FunctionalInterface
    interface RunLog {
        void line(String text) throws IOException;
    }

    /**
     * What can be known to fail before a run folder is written: no training samples, or a
     * {@code train.crop} larger than the (first) training image.
     */
    static void checkData(TrainingSet data, int crop, String dataName) throws IOException {
        if (data.trainIds().isEmpty()) {
            throw new UserInputException("the dataset " + dataName + " has no training samples");
        }
        if (crop > 0) {
            String id = data.trainIds().get(0);
            TrainingSet.Planar x = data.load(id, false).degraded();
            if (crop > x.height() || crop > x.width()) {
                throw new UserInputException("train.crop=" + crop + " is larger than sample " + id + " (" + x.width() + "x"
                        + x.height() + ") of " + dataName + "; use a crop of at most " + Math.min(x.height(), x.width()));
            }
        }
    }

    /** The validation images scored: the first {@code data.val_max_images} (0 = all). */
    static List<String> validationIds(TrainingSet data, TrainConfig.Data cfg) {
        List<String> ids = data.validationIds();
        int max = cfg.valMaxImages();
        return max > 0 && ids.size() > max ? ids.subList(0, max) : ids;
    }

    /**
     * Mean SSIM (pytorch-msssim definition, data range 1) and PSNR against the ground truth over
     * the validation images ({@code data.val_max_images} of them at most; centre crops of side
     * {@code data.val_crop}, or whole images when 0), of {@code restore} applied to the degraded
     * image; {NaN, NaN} when there are none. {@code restore} = identity scores the input itself.
     */
    static double[] validate(TrainingSet data, TrainConfig.Data cfg, NDManager manager, int crop, UnaryOperator<NDArray> restore)
            throws IOException {
        List<String> ids = validationIds(data, cfg);
        if (ids.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        Definition def = Definition.pytorchMsssim(1.0);
        double ssim = 0;
        double psnr = 0;
        for (String id : ids) {
            TrainingSet.Sample s = data.load(id, false);
            TrainingSet.Planar in = s.degraded();
            TrainingSet.Planar gt = s.sharp();
            if (crop > 0 && (crop < in.height() || crop < in.width())) {
                int h = Math.min(crop, in.height());
                int w = Math.min(crop, in.width());
                int y0 = (in.height() - h) / 2;
                int x0 = (in.width() - w) / 2;
                in = in.crop(y0, x0, h, w, false, false);
                gt = gt.crop(y0, x0, h, w, false, false);
            }
            try (NDManager m = manager.newSubManager()) {
                Shape shape = new Shape(1, 3, in.height(), in.width());
                NDArray y = restore.apply(m.create(in.chw(), shape));
                NDArray g = m.create(gt.chw(), shape);
                ssim += Ssim.perImage(y, g, def).getFloat(0);
                psnr += PixelErrors.psnrPerImage(y, g, 1.0)[0];
            }
        }
        return new double[] {ssim / ids.size(), psnr / ids.size()};
    }
}
