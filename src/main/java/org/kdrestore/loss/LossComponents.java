package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * One evaluation of a composed loss.
 *
 * @param total    the weighted sum, a differentiable scalar to call backward on
 * @param raw      every computed term unweighted, keyed {@code target/term} ({@code gt/l1}, {@code teacher/vgg}, ...)
 * @param weighted the same terms times their weights (they sum to {@code total})
 * @param notes    anything the log and report must say (e.g. a disabled VGG term)
 */
public record LossComponents(NDArray total, Map<String, Double> raw, Map<String, Double> weighted, List<String> notes) {
    public double totalValue() {
        return total.getFloat();
    }
}
