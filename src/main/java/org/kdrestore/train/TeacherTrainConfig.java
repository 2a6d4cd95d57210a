package org.kdrestore.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.RestormerConfig;

/**
 * Everything a teacher training run needs, resolved: the Restormer architecture ({@code model},
 * upstream's constructor arguments in snake_case), the loop ({@code train}, the student's
 * {@link TrainConfig.Train} keys), the validation split ({@code data}) and the learning-rate
 * schedule. Defaults are preset {@code restormer-s}; {@link #load} layers a preset or YAML file
 * and {@code --set key=value} on top, with the student's strict checks ({@link ConfigLoader}).
 */
public record TeacherTrainConfig(Model model, TrainConfig.Train train, TrainConfig.Data data, Schedule schedule, Loss loss) {

    public static final List<String> PRESETS = List.of("restormer-s");

    public TeacherTrainConfig {
        if (model == null || train == null || data == null || schedule == null || loss == null) {
            throw new UserInputException("config: every section (model, train, data, schedule, loss) must be present");
        }
        if (train.vggWeights() != null) {
            throw new UserInputException("train.vgg_weights is not used by teacher training (its loss is loss.kind to the ground truth)");
        }
    }

    /**
     * Preset {@code restormer-s}: a Restormer of 1/3 the width and about 1/4 the depth of the
     * motion-deblurring one (dim 16 vs 48, blocks 1,2,2,2 vs 4,6,6,8, 1 refinement block vs 4),
     * so a 960×540 quadrant runs in seconds on 2 CPU cores and the weights are ~1 MB. Trained as
     * upstream: L1, Adam, cosine-annealed lr from 3e-4, random crops with flips.
     */
    public static TeacherTrainConfig restormerS() {
        return new TeacherTrainConfig(Model.RESTORMER_S,
                new TrainConfig.Train(200, 8, 3e-4, 128, 4, true, 0, 2400, 200, 2, 2, null, 0, 8, TrainConfig.Train.FLOAT32),
                new TrainConfig.Data(0.2, 256, 0), Schedule.DEFAULT, Loss.DEFAULT);
    }

    /**
     * @param dim channels at level 1
     * @param numBlocks transformer blocks per level (4 values)
     * @param numRefinementBlocks transformer blocks after the decoder, at full resolution
     * @param heads attention heads per level (4 values)
     * @param ffnExpansionFactor GDFN hidden width / channels
     * @param bias convolutions with bias
     * @param layerNormType {@code WithBias} or {@code BiasFree}
     */
    public record Model(int dim, List<Integer> numBlocks, int numRefinementBlocks, List<Integer> heads,
            double ffnExpansionFactor, boolean bias, String layerNormType) {
        public static final Model RESTORMER_S = new Model(16, List.of(1, 2, 2, 2), 1, List.of(1, 2, 4, 8), 2.66, false, "WithBias");

        public Model {
            numBlocks = numBlocks == null ? null : List.copyOf(numBlocks);
            heads = heads == null ? null : List.copyOf(heads);
            resolve(dim, numBlocks, numRefinementBlocks, heads, ffnExpansionFactor, bias, layerNormType);
        }

        /** The architecture, as {@code model.Restormer} takes it (3 channels in and out, no dual-pixel input). */
        public RestormerConfig resolve() {
            return resolve(dim, numBlocks, numRefinementBlocks, heads, ffnExpansionFactor, bias, layerNormType);
        }

        private static RestormerConfig resolve(int dim, List<Integer> numBlocks, int numRefinementBlocks, List<Integer> heads,
                double ffn, boolean bias, String layerNorm) {
            LayerNormType ln;
            try {
                ln = LayerNormType.parse(String.valueOf(layerNorm));
            } catch (IllegalArgumentException e) {
                throw new UserInputException("model.layer_norm_type: " + e.getMessage(), e);
            }
            if (numBlocks == null || heads == null) {
                throw new UserInputException("model.num_blocks and model.heads need 4 values each");
            }
            try {
                return new RestormerConfig(3, 3, dim, numBlocks, numRefinementBlocks, heads, ffn, bias, ln, false);
            } catch (IllegalArgumentException e) {
                throw new UserInputException("model: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The learning rate at each step: constant {@code train.lr}, or (upstream's choice) cosine
     * annealing from {@code train.lr} at step 0 to {@code min_lr} at the last planned step. A
     * function of the global step alone, so a resumed run uses the same rates.
     */
    /**
     * The pixel loss to the ground truth: {@code l1} (upstream Restormer's, mean |y − gt|) or
     * {@code mse} (mean (y − gt)², what PSNR measures). Both are means over N·C·H·W.
     */
    public record Loss(String kind) {
        public static final Loss DEFAULT = new Loss("l1");

        public Loss {
            if (!"l1".equals(kind) && !"mse".equals(kind)) {
                throw new UserInputException("loss.kind must be l1 or mse, got '" + kind + "'");
            }
        }

        /** The loss of a batch, a scalar. */
        public ai.djl.ndarray.NDArray of(ai.djl.ndarray.NDArray y, ai.djl.ndarray.NDArray gt) {
            ai.djl.ndarray.NDArray d = y.sub(gt);
            return ("l1".equals(kind) ? d.abs() : d.square()).mean();
        }

        /** The column name in metrics.csv. */
        public String term() {
            return "gt/" + kind;
        }
    }

    public record Schedule(String kind, double minLr, int warmupSteps) {
        public static final Schedule DEFAULT = new Schedule("cosine", 1e-6, 0);

        public Schedule {
            if (!"cosine".equals(kind) && !"constant".equals(kind)) {
                throw new UserInputException("schedule.kind must be cosine or constant, got '" + kind + "'");
            }
            if (!(minLr >= 0) || Double.isInfinite(minLr)) {
                throw new UserInputException("schedule.min_lr must be a number ≥ 0, got " + minLr);
            }
            if (warmupSteps < 0) {
                throw new UserInputException("schedule.warmup_steps must be ≥ 0, got " + warmupSteps);
            }
        }

        /**
         * The rate for the step that follows {@code done} completed steps of {@code total}: during
         * the first {@code warmupSteps} steps it rises linearly, (done+1)/warmup of the scheduled
         * rate, so Adam's first large normalised steps do not throw a residual network far from
         * the identity it starts at.
         */
        public double lr(double base, long done, long total) {
            double warm = warmupSteps > 0 && done < warmupSteps ? (done + 1.0) / warmupSteps : 1.0;
            if (kind.equals("constant") || total <= 1) {
                return warm * base;
            }
            double progress = Math.min(1.0, (double) done / (total - 1));
            return warm * (minLr + 0.5 * (base - minLr) * (1 + Math.cos(Math.PI * progress)));
        }
    }

    /** {@code configArg}: a preset name ({@link #PRESETS}) or a YAML file; then {@code key=value} overrides. */
    public static TeacherTrainConfig load(String configArg, List<String> sets) {
        ObjectNode defaults = (ObjectNode) ConfigLoader.MAPPER.valueToTree(restormerS());
        return ConfigLoader.load(defaults, PRESETS, "teacher-presets/", configArg, sets, TeacherTrainConfig.class);
    }

    static TeacherTrainConfig fromTree(com.fasterxml.jackson.databind.JsonNode tree, String source) {
        return ConfigLoader.fromSaved((ObjectNode) ConfigLoader.MAPPER.valueToTree(restormerS()), tree, source, List.of(),
                TeacherTrainConfig.class);
    }
}
