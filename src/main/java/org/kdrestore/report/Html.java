package org.kdrestore.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Small HTML helpers: escaping and images inlined as data URIs (reports open from disk). */
public final class Html {
    private Html() {}

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(image, "png", bos);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String img(BufferedImage image, String alt) {
        return "<img alt=\"" + escape(alt) + "\" width=\"" + image.getWidth() + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png(image)) + "\">";
    }
}
