package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void confidenceIntervalUsesStudentTWithNMinusOneDegrees() {
        // Hand calculation: values 1..5, mean 3, sd sqrt(2.5) = 1.5811388,
        // t(0.975, 4) = 2.7764451 (statistical tables), half-width = 2.7764451*1.5811388/sqrt(5) = 1.9632432.
        Summary s = Summary.of(new double[] {1, 2, 3, 4, 5});
        assertEquals(5, s.n());
        assertEquals(3.0, s.mean(), 1e-12);
        assertEquals(1.5811388, s.sd(), 1e-7);
        assertEquals(3 - 1.9632432, s.ciLow(), 1e-6);
        assertEquals(3 + 1.9632432, s.ciHigh(), 1e-6);
    }

    @Test
    void pairedDifferencesSubtractElementWise() {
        Summary s = Summary.ofDifferences(new double[] {0.9, 0.8, 0.7}, new double[] {0.8, 0.8, 0.8});
        assertEquals(0.0, s.mean(), 1e-12);
        assertEquals(0.1, s.sd(), 1e-12);
    }

    @Test
    void oneValueHasNoSpreadRatherThanZero() {
        Summary s = Summary.of(new double[] {0.5});
        assertEquals(0.5, s.mean());
        assertTrue(Double.isNaN(s.sd()) && Double.isNaN(s.ciLow()));
    }
}
