package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.UserInputException;
import org.kdrestore.metric.Definition;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.model.Vgg16Features.Layer;

/**
 * The seed's training signal: Σ over targets {gt, teacher} × terms {l1, ssim, vgg} of
 * weight · term(pred, target), with the weights of a {@link DistillationLossConfig}. Terms
 * whose weight is 0 are never computed. VGG features of the prediction are computed once and
 * shared by both targets.
 *
 * <p>When VGG weights are missing and a VGG weight is positive, construction fails (policy
 * {@code refuse}) or the VGG terms are dropped and {@link #notes()} says so (policy
 * {@code disable}); random VGG features are never used.
 */
public final class DistillationLoss {
    private record Term(String target, Loss loss) {
        String key() {
            return target + "/" + loss.name();
        }
    }

    private final DistillationLossConfig config;
    private final List<Term> terms = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final VggFeatureLoss vggProto;

    /**
     * @param vgg the frozen VGG16 features, or null when no weights are available
     * @throws UserInputException when a VGG weight is positive, {@code vgg} is null and the policy is refuse
     */
    public DistillationLoss(DistillationLossConfig config, Vgg16Features vgg) {
        this.config = config;
        double gtVgg = config.gtVgg();
        double teacherVgg = config.teacherVgg();
        if (config.usesVgg() && vgg == null) {
            String what = "VGG loss weights (gt_vgg " + gtVgg + ", teacher_vgg " + teacherVgg + ") are positive but no VGG16 weights were given";
            if (DistillationLossConfig.REFUSE.equals(config.onMissingVgg())) {
                throw new UserInputException(what + "; give VGG16 weights (--vgg-weights FILE), set gt_vgg and teacher_vgg to 0,"
                        + " or set on_missing_vgg to disable");
            }
            String note = what + ": the VGG terms are DISABLED for this run (on_missing_vgg = disable)";
            notes.add(note); // the caller shows it: the trainer logs each note, run.json and every LossComponents carry it
            gtVgg = 0;
            teacherVgg = 0;
        }
        List<Layer> layers = config.vggLayers().stream().map(Layer::parse).toList();
        VggFeatureLoss.Criterion crit = VggFeatureLoss.Criterion.parse(config.vggCriterion());
        Definition ssimDef = Definition.pytorchMsssim(config.dataRange());
        add("gt", new L1Loss(config.gtL1()));
        add("gt", new SsimLoss(config.gtSsim(), ssimDef));
        if (gtVgg > 0) {
            add("gt", new VggFeatureLoss(gtVgg, vgg, layers, crit, config.imagenetNorm()));
        }
        add("teacher", new L1Loss(config.teacherL1()));
        add("teacher", new SsimLoss(config.teacherSsim(), ssimDef));
        if (teacherVgg > 0) {
            add("teacher", new VggFeatureLoss(teacherVgg, vgg, layers, crit, config.imagenetNorm()));
        }
        this.vggProto = gtVgg > 0 || teacherVgg > 0 ? new VggFeatureLoss(1, vgg, layers, crit, config.imagenetNorm()) : null;
    }

    private void add(String target, Loss loss) {
        if (loss.weight() > 0) {
            terms.add(new Term(target, loss));
        }
    }

    public DistillationLossConfig config() {
        return config;
    }

    /** What the log and report must mention (e.g. disabled terms). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The keys of the terms that will be computed, in order ({@code gt/l1}, ...). */
    public List<String> activeTerms() {
        return terms.stream().map(Term::key).toList();
    }

    /**
     * Evaluates every active term. {@code teacher} may be null only when no teacher term is active.
     */
    public LossComponents forward(NDArray pred, NDArray gt, NDArray teacher) {
        if (teacher == null && terms.stream().anyMatch(t -> t.target().equals("teacher"))) {
            throw new IllegalArgumentException("teacher output is needed: a teacher loss weight is positive");
        }
        Map<Layer, NDArray> predFeatures = null;
        NDArray total = null;
        Map<String, Double> raw = new LinkedHashMap<>();
        Map<String, Double> weighted = new LinkedHashMap<>();
        for (Term t : terms) {
            NDArray target = t.target().equals("gt") ? gt : teacher;
            NDArray value;
            if (t.loss() instanceof VggFeatureLoss vl) {
                LossShapes.check(pred, target);
                if (predFeatures == null) {
                    predFeatures = vggProto.predFeatures(pred);
                }
                value = vl.forward(predFeatures, target);
            } else {
                value = t.loss().forward(pred, target);
            }
            // A native scalar (full), not mul(Number): DJL frees the Java-memory scalar of
            // mul(Number) right away although autograd still needs it in backward.
            NDArray w = value.mul(value.getManager().full(new ai.djl.ndarray.types.Shape(), (float) t.loss().weight()));
            total = total == null ? w : total.add(w);
            raw.put(t.key(), (double) value.getFloat());
            weighted.put(t.key(), (double) w.getFloat());
        }
        if (total == null) {
            total = pred.getManager().create(0f);
        }
        return new LossComponents(total, raw, weighted, notes());
    }

    public String describe() {
        StringBuilder sb = new StringBuilder("distillation loss = sum of weight * term:");
        for (Term t : terms) {
            sb.append("\n  ").append(t.target()).append(' ').append(t.loss().weight()).append(" * ").append(t.loss().describe());
        }
        for (String n : notes) {
            sb.append("\n  note: ").append(n);
        }
        return sb.toString();
    }
}
