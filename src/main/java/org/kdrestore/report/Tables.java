package org.kdrestore.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.kdrestore.common.AtomicFiles;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Tablesaw tables as Markdown, HTML and CSV (CSV keeps full precision; text forms round). */
public final class Tables {
    private Tables() {}

    public static String toMarkdown(Table t, int decimals) {
        StringBuilder sb = new StringBuilder("|");
        for (Column<?> c : t.columns()) {
            sb.append(' ').append(escapeMd(c.name())).append(" |");
        }
        sb.append("\n|");
        for (Column<?> c : t.columns()) {
            sb.append(isNumeric(c) ? " ---: |" : " --- |");
        }
        sb.append('\n');
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append('|');
            for (Column<?> c : t.columns()) {
                sb.append(' ').append(escapeMd(cell(c, r, decimals))).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static String toHtml(Table t, int decimals) {
        StringBuilder sb = new StringBuilder("<table>\n<thead><tr>");
        for (Column<?> c : t.columns()) {
            sb.append("<th>").append(Html.escape(c.name())).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append("<tr>");
            for (Column<?> c : t.columns()) {
                sb.append(isNumeric(c) ? "<td class=\"num\">" : "<td>")
                        .append(Html.escape(cell(c, r, decimals))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        return sb.append("</tbody>\n</table>\n").toString();
    }

    /** Writes the table as CSV with full precision, atomically. */
    public static void writeCsv(Table t, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            t.write().csv(w);
            w.flush();
        });
    }

    static boolean isNumeric(Column<?> c) {
        return c.type().equals(tech.tablesaw.api.ColumnType.DOUBLE)
                || c.type().equals(tech.tablesaw.api.ColumnType.FLOAT)
                || c.type().equals(tech.tablesaw.api.ColumnType.INTEGER)
                || c.type().equals(tech.tablesaw.api.ColumnType.LONG);
    }

    static String cell(Column<?> c, int row, int decimals) {
        if (c.isMissing(row)) {
            return "";
        }
        Object v = c.get(row);
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isInfinite(d)) {
                return d > 0 ? "inf" : "-inf";
            }
            return number(d, decimals);
        }
        return String.valueOf(v);
    }

    /**
     * A number with {@code decimals} decimals, except a non-zero one that would round to zero: that one
     * in scientific notation with two significant digits, so that "-0.0000" never hides a sign or a size.
     */
    public static String number(double d, int decimals) {
        if (d != 0 && Double.isFinite(d) && Math.abs(d) < 0.5 * Math.pow(10, -decimals)) {
            return String.format(Locale.ROOT, "%.1e", d);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", d);
    }

    private static String escapeMd(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
