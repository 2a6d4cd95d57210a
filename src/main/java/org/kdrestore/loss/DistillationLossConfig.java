package org.kdrestore.loss;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;
import org.kdrestore.common.UserInputException;

/**
 * Weights of the distillation loss: two targets (ground truth, teacher output) × three terms
 * (L1, SSIM, VGG). A weight of 0 skips the term entirely (it is not even computed).
 *
 * <p>Defaults (the seed says only "a weighted combination"; these are our choice): ground truth
 * L1 1.0, SSIM 1.0, VGG 0.1; teacher the same × 0.5 (0.5, 0.5, 0.05), because the ground truth is
 * the goal and the teacher a guide. VGG: MSE on relu2_2 + relu3_3 with ImageNet normalisation.
 * SSIM: pytorch-msssim with data range 1. Without VGG weights the run refuses
 * ({@code onMissingVgg = "refuse"}) unless told to disable the VGG terms ({@code "disable"}).
 *
 * <p>In YAML/JSON configs the keys are snake_case ({@code gt_l1, gt_ssim, gt_vgg, teacher_l1,
 * teacher_ssim, teacher_vgg, vgg_layers, vgg_criterion, imagenet_norm, data_range,
 * on_missing_vgg}); a missing key takes its default, an unknown key is an error.
 */
public record DistillationLossConfig(@JsonProperty("gt_l1") double gtL1, @JsonProperty("gt_ssim") double gtSsim,
        @JsonProperty("gt_vgg") double gtVgg, @JsonProperty("teacher_l1") double teacherL1,
        @JsonProperty("teacher_ssim") double teacherSsim, @JsonProperty("teacher_vgg") double teacherVgg,
        @JsonProperty("vgg_layers") List<String> vggLayers, @JsonProperty("vgg_criterion") String vggCriterion,
        @JsonProperty("imagenet_norm") boolean imagenetNorm, @JsonProperty("data_range") double dataRange,
        @JsonProperty("on_missing_vgg") String onMissingVgg) {

    public static final String REFUSE = "refuse";
    public static final String DISABLE = "disable";

    public DistillationLossConfig {
        check("gt_l1", gtL1);
        check("gt_ssim", gtSsim);
        check("gt_vgg", gtVgg);
        check("teacher_l1", teacherL1);
        check("teacher_ssim", teacherSsim);
        check("teacher_vgg", teacherVgg);
        vggLayers = vggLayers == null ? List.of("relu2_2", "relu3_3") : List.copyOf(vggLayers);
        vggCriterion = vggCriterion == null ? "mse" : vggCriterion.toLowerCase(Locale.ROOT);
        if (!vggCriterion.equals("mse") && !vggCriterion.equals("l1")) {
            throw new UserInputException("loss key vgg_criterion must be mse or l1, got '" + vggCriterion + "'");
        }
        if (!(dataRange > 0)) {
            throw new UserInputException("loss key data_range must be positive, got " + dataRange);
        }
        onMissingVgg = onMissingVgg == null ? REFUSE : onMissingVgg.toLowerCase(Locale.ROOT);
        if (!onMissingVgg.equals(REFUSE) && !onMissingVgg.equals(DISABLE)) {
            throw new UserInputException("loss key on_missing_vgg must be refuse or disable, got '" + onMissingVgg + "'");
        }
    }

    /** Jackson entry point: absent keys (null) take the defaults. */
    @JsonCreator
    public static DistillationLossConfig of(@JsonProperty("gt_l1") Double gtL1, @JsonProperty("gt_ssim") Double gtSsim,
            @JsonProperty("gt_vgg") Double gtVgg, @JsonProperty("teacher_l1") Double teacherL1,
            @JsonProperty("teacher_ssim") Double teacherSsim, @JsonProperty("teacher_vgg") Double teacherVgg,
            @JsonProperty("vgg_layers") List<String> vggLayers, @JsonProperty("vgg_criterion") String vggCriterion,
            @JsonProperty("imagenet_norm") Boolean imagenetNorm, @JsonProperty("data_range") Double dataRange,
            @JsonProperty("on_missing_vgg") String onMissingVgg) {
        DistillationLossConfig d = defaults();
        return new DistillationLossConfig(or(gtL1, d.gtL1), or(gtSsim, d.gtSsim), or(gtVgg, d.gtVgg),
                or(teacherL1, d.teacherL1), or(teacherSsim, d.teacherSsim), or(teacherVgg, d.teacherVgg), vggLayers,
                vggCriterion, imagenetNorm == null ? d.imagenetNorm : imagenetNorm, or(dataRange, d.dataRange), onMissingVgg);
    }

    private static double or(Double v, double d) {
        return v == null ? d : v;
    }

    public static DistillationLossConfig defaults() {
        return new DistillationLossConfig(1.0, 1.0, 0.1, 0.5, 0.5, 0.05, null, null, true, 1.0, null);
    }

    public DistillationLossConfig withVggWeights(double gt, double teacher) {
        return new DistillationLossConfig(gtL1, gtSsim, gt, teacherL1, teacherSsim, teacher, vggLayers, vggCriterion,
                imagenetNorm, dataRange, onMissingVgg);
    }

    public DistillationLossConfig withOnMissingVgg(String policy) {
        return new DistillationLossConfig(gtL1, gtSsim, gtVgg, teacherL1, teacherSsim, teacherVgg, vggLayers, vggCriterion,
                imagenetNorm, dataRange, policy);
    }

    public DistillationLossConfig withVggLayers(List<String> layers, boolean norm) {
        return new DistillationLossConfig(gtL1, gtSsim, gtVgg, teacherL1, teacherSsim, teacherVgg, layers, vggCriterion,
                norm, dataRange, onMissingVgg);
    }

    public boolean usesVgg() {
        return gtVgg > 0 || teacherVgg > 0;
    }

    public boolean usesTeacher() {
        return teacherL1 > 0 || teacherSsim > 0 || teacherVgg > 0;
    }

    private static void check(String key, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new UserInputException("loss weight " + key + " must be a finite number >= 0, got " + w);
        }
    }
}
