package org.kdrestore.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdrestore.common.AtomicFiles;
import tech.tablesaw.api.Table;

/**
 * A report as a list of blocks, rendered twice: {@code index.html}, self-contained (images
 * inlined, opens from disk), and {@code README.md}, whose images are PNG files beside it.
 */
public final class ReportDocument {
    private sealed interface Block permits Heading, Paragraph, TableBlock, Image, Code, Links {}

    private record Heading(int level, String text) implements Block {}

    private record Paragraph(String text) implements Block {}

    private record TableBlock(Table table, int decimals, String caption) implements Block {}

    private record Image(String fileName, String alt, BufferedImage image) implements Block {}

    private record Code(String text) implements Block {}

    private record Links(String text, List<String> files) implements Block {}

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    public ReportDocument(String title) {
        this.title = title;
    }

    public ReportDocument heading(int level, String text) {
        blocks.add(new Heading(level, text));
        return this;
    }

    /** Plain text; a blank line separates paragraphs. */
    public ReportDocument paragraph(String text) {
        blocks.add(new Paragraph(text));
        return this;
    }

    public ReportDocument table(Table table, int decimals, String caption) {
        blocks.add(new TableBlock(table, decimals, caption));
        return this;
    }

    /** An image, saved as {@code fileName} (a PNG) beside README.md and inlined in the HTML. */
    public ReportDocument image(String fileName, String alt, BufferedImage image) {
        blocks.add(new Image(fileName, alt, image));
        return this;
    }

    /** A paragraph followed by links to files written beside the report (relative names). */
    public ReportDocument links(String text, List<String> files) {
        blocks.add(new Links(text, List.copyOf(files)));
        return this;
    }

    public ReportDocument code(String text) {
        blocks.add(new Code(text));
        return this;
    }

    /**
     * Writes index.html, README.md and the PNGs into {@code dir}, each atomically; absolute paths
     * inside the checkout are written relative to it ({@link org.kdrestore.common.Checkout}).
     */
    public void write(Path dir) throws IOException {
        for (Block b : blocks) {
            if (b instanceof Image im) {
                AtomicFiles.writeBytes(dir.resolve(im.fileName()), Html.png(im.image()));
            }
        }
        AtomicFiles.writeString(dir.resolve("README.md"), org.kdrestore.common.Checkout.relativize(markdown()));
        AtomicFiles.writeString(dir.resolve("index.html"), org.kdrestore.common.Checkout.relativize(html()));
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                sb.append("#".repeat(h.level() + 1)).append(' ').append(h.text()).append("\n\n");
            } else if (b instanceof Paragraph p) {
                sb.append(p.text()).append("\n\n");
            } else if (b instanceof TableBlock t) {
                if (!t.caption().isEmpty()) {
                    sb.append("*").append(t.caption()).append("*\n\n");
                }
                sb.append(Tables.toMarkdown(t.table(), t.decimals())).append('\n');
            } else if (b instanceof Image im) {
                sb.append("![").append(im.alt()).append("](").append(im.fileName()).append(")\n\n");
            } else if (b instanceof Links l) {
                sb.append(l.text()).append("\n\n");
                l.files().forEach(f -> sb.append("- [").append(f).append("](").append(f).append(")\n"));
                sb.append('\n');
            } else if (b instanceof Code c) {
                sb.append("```\n").append(c.text().stripTrailing()).append("\n```\n\n");
            }
        }
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(Html.escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0;font-size:14px}\n")
                .append("th,td{border:1px solid #ccc;padding:4px 8px}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("img{max-width:100%;height:auto;display:block;margin:1em 0}\n")
                .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:13px}\n.caption{font-style:italic}\n")
                .append("</style></head><body>\n<h1>").append(Html.escape(title)).append("</h1>\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                int l = Math.min(6, h.level() + 1);
                sb.append("<h").append(l).append('>').append(Html.escape(h.text())).append("</h").append(l).append(">\n");
            } else if (b instanceof Paragraph p) {
                for (String para : p.text().split("\n\\s*\n")) {
                    sb.append("<p>").append(Html.escape(para)).append("</p>\n");
                }
            } else if (b instanceof TableBlock t) {
                if (!t.caption().isEmpty()) {
                    sb.append("<p class=\"caption\">").append(Html.escape(t.caption())).append("</p>\n");
                }
                sb.append(Tables.toHtml(t.table(), t.decimals()));
            } else if (b instanceof Image im) {
                sb.append(Html.img(im.image(), im.alt())).append('\n');
            } else if (b instanceof Links l) {
                sb.append("<p>").append(Html.escape(l.text())).append("</p>\n<ul>\n");
                l.files().forEach(f -> sb.append("<li><a href=\"").append(Html.escape(f)).append("\">").append(Html.escape(f))
                        .append("</a></li>\n"));
                sb.append("</ul>\n");
            } else if (b instanceof Code c) {
                sb.append("<pre>").append(Html.escape(c.text())).append("</pre>\n");
            }
        }
        return sb.append("</body></html>\n").toString();
    }
}
