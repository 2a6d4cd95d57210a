package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class TablesTest {
    @TempDir
    Path dir;

    static Table sample() {
        return Table.create("t", StringColumn.create("model", "input", "student"),
                DoubleColumn.create("ssim", 0.81234567, Double.POSITIVE_INFINITY));
    }

    @Test
    void markdownRightAlignsNumbersAndRounds() {
        assertEquals("| model | ssim |\n| --- | ---: |\n| input | 0.8123 |\n| student | inf |\n",
                Tables.toMarkdown(sample(), 4));
    }

    @Test
    void numbersThatWouldRoundToZeroKeepTheirSignAndSize() {
        assertEquals("-3.1e-05", Tables.number(-3.14e-5, 4));
        assertEquals("4.9e-05", Tables.number(4.9e-5, 4));
        assertEquals("0.0001", Tables.number(5e-5, 4)); // rounds to a visible 0.0001 already
        assertEquals("0.0000", Tables.number(0.0, 4));
        assertEquals("-0.3000", Tables.number(-0.3, 4));
    }

    @Test
    void csvKeepsFullPrecisionAndParsesBack() throws Exception {
        Path f = dir.resolve("t.csv");
        Tables.writeCsv(sample(), f);
        Table back = Table.read().csv(f.toFile());
        assertEquals(0.81234567, back.doubleColumn("ssim").get(0), 0);
        assertEquals(2, Files.readAllLines(f).size() - 1);
    }
}
