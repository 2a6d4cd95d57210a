package org.kdrestore.train;

import org.kdrestore.common.UserInputException;
import org.kdrestore.loss.DistillationLossConfig;
import org.kdrestore.model.StudentConfig;

/**
 * Everything a distillation run needs, resolved. YAML keys are the snake_case of the record
 * components ({@code train.batch_size}); see {@link ConfigLoader} for files, presets and
 * {@code --set}. The defaults are the seed's recipe (preset {@code seed}); the {@code loss}
 * section is {@link DistillationLossConfig} (keys gt_l1, gt_ssim, gt_vgg, teacher_l1, …).
 */
public record TrainConfig(Student student, Train train, Data data, DistillationLossConfig loss) {

    public TrainConfig {
        if (student == null || train == null || data == null || loss == null) {
            throw new UserInputException("config: every section (student, train, data, loss) must be present");
        }
    }

    /** The seed's recipe. */
    public static TrainConfig seed() {
        return new TrainConfig(Student.DEFAULT, Train.DEFAULT, Data.DEFAULT, DistillationLossConfig.defaults());
    }

    /**
     * The student network: a preset from {@link StudentConfig#PRESETS}, then any field given here
     * (non-null) overrides the preset's.
     */
    public record Student(String preset, Integer width, Integer depth, String upsample, Boolean reluBeforeSigmoid,
            Boolean residual) {
        public static final Student DEFAULT = new Student("seed", null, null, null, null, null);

        public StudentConfig resolve() {
            StudentConfig p = StudentConfig.preset(preset == null ? "seed" : preset);
            return new StudentConfig(width != null ? width : p.width(), depth != null ? depth : p.depth(),
                    upsample != null ? upsample : p.upsample(),
                    reluBeforeSigmoid != null ? reluBeforeSigmoid : p.reluBeforeSigmoid(),
                    residual != null ? residual : p.residual());
        }
    }

    /**
     * @param epochs passes over the training samples (seed 10)
     * @param batchSize images per step (seed 32); the last batch of an epoch may be smaller
     * @param lr Adam learning rate, constant (seed 1e-4)
     * @param crop side of the random square crop, 0 = whole image (seed: whole 960×540 quadrant)
     * @param cropsPerImage how many crops each image gives per epoch (only with crop > 0)
     * @param flips random horizontal and vertical flips
     * @param seed drives the initial weights and every epoch's order, crops and flips
     * @param maxSteps stop after this many steps in total, 0 = no limit
     * @param checkpointEvery also write a checkpoint every N steps, 0 = only at epoch ends
     * @param prefetch batches prepared ahead of the training thread
     * @param loaderThreads threads decoding images for the prefetcher
     * @param vggWeights torchvision VGG16 weights file for the VGG loss terms (.pth, .safetensors,
     *     .npz), null when not given (see loss.on_missing_vgg)
     * @param cropMinError prefer crops that carry error: a crop whose mean |degraded − ground
     *     truth| (over its C·H·W values) is below this is replaced by another candidate position
     *     (0 = every crop is kept, the seed's behaviour). Most random crops of smooth photos hold
     *     almost nothing to restore, and a restoration network shown only those learns the identity.
     * @param cropTries candidate positions per crop when {@code cropMinError} is set: the planned
     *     one first, then positions drawn from it deterministically; the first that reaches the
     *     threshold is taken, else the one with the largest error
     * @param precision {@code float32} (the exact path) or {@code bf16}: the trained network's and
     *     the frozen VGG's convolutions and matrix products in bfloat16 ({@code common.Bf16}), with
     *     float32 master weights, optimizer state, losses and SSIM; validation, evaluation and
     *     reports always run float32. Refused where the engine has no fast bfloat16 kernels.
     */
    public record Train(int epochs, int batchSize, double lr, int crop, int cropsPerImage, boolean flips, long seed,
            int maxSteps, int checkpointEvery, int prefetch, int loaderThreads, String vggWeights, double cropMinError,
            int cropTries, String precision) {
        public static final String FLOAT32 = "float32";
        public static final String BF16 = "bf16";
        public static final Train DEFAULT = new Train(10, 32, 1e-4, 0, 1, false, 0, 0, 0, 2, 2, null, 0, 8, FLOAT32);

        public Train {
            if (!FLOAT32.equals(precision) && !BF16.equals(precision)) {
                throw new UserInputException("train.precision must be float32 or bf16, got " + precision);
            }
            positive("train.epochs", epochs);
            positive("train.batch_size", batchSize);
            positive("train.crops_per_image", cropsPerImage);
            positive("train.prefetch", prefetch);
            positive("train.loader_threads", loaderThreads);
            nonNegative("train.crop", crop);
            positive("train.crop_tries", cropTries);
            if (!(cropMinError >= 0 && cropMinError < 1)) {
                throw new UserInputException("train.crop_min_error must be in [0, 1), got " + cropMinError);
            }
            if (cropMinError > 0 && crop == 0) {
                throw new UserInputException("train.crop_min_error=" + cropMinError + " needs train.crop > 0");
            }
            nonNegative("train.max_steps", maxSteps);
            nonNegative("train.checkpoint_every", checkpointEvery);
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new UserInputException("train.lr must be a positive number, got " + lr);
            }
            if (crop == 0 && cropsPerImage != 1) {
                throw new UserInputException("train.crops_per_image=" + cropsPerImage + " needs train.crop > 0");
            }
        }

        /** Whether the products run in bfloat16 ({@code train.precision: bf16}). */
        public boolean bf16() {
            return BF16.equals(precision);
        }
    }

    /**
     * @param valFraction share of the photos held out for validation (split by photo, so no
     *     quadrant of a validation photo is trained on)
     * @param valCrop validate on the centre crop of this side, 0 = whole image
     * @param valMaxImages validate on at most this many images (the first ones by id), 0 = all
     */
    public record Data(double valFraction, int valCrop, int valMaxImages) {
        public static final Data DEFAULT = new Data(0.2, 0, 0);

        public Data {
            if (!(valFraction >= 0 && valFraction < 1)) {
                throw new UserInputException("data.val_fraction must be in [0, 1), got " + valFraction);
            }
            nonNegative("data.val_crop", valCrop);
            nonNegative("data.val_max_images", valMaxImages);
        }
    }

    private static void positive(String key, long v) {
        if (v < 1) {
            throw new UserInputException(key + " must be ≥ 1, got " + v);
        }
    }

    private static void nonNegative(String key, long v) {
        if (v < 0) {
            throw new UserInputException(key + " must be ≥ 0, got " + v);
        }
    }
}
