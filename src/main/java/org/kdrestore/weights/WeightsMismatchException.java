package org.kdrestore.weights;

import org.kdrestore.common.UserInputException;

/** Weights whose keys or shapes do not match the model; carries the full report. */
public class WeightsMismatchException extends UserInputException {
    private final transient StateDictLoader.Report report;

    public WeightsMismatchException(String message, StateDictLoader.Report report) {
        super(message);
        this.report = report;
    }

    public StateDictLoader.Report report() {
        return report;
    }
}
