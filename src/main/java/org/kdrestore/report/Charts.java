package org.kdrestore.report;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts with labelled axes and a legend outside the plot area, so nothing overlaps. */
public final class Charts {
    private Charts() {}

    /** One named series of (x, y) points. */
    public record Series(String name, double[] x, double[] y) {}

    public static XYChart lines(String title, String xLabel, String yLabel, List<Series> series) {
        XYChart chart = new XYChartBuilder().width(900).height(450).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        Styler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setToolTipsEnabled(false);
        for (Series s : series) {
            if (s.x().length == 0) {
                continue;
            }
            XYSeries xy = chart.addSeries(s.name(), s.x(), s.y());
            xy.setMarker(s.x().length <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }

    public static BufferedImage image(XYChart chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }
}
