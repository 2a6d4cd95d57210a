package org.kdrestore.common;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress bar with rate and ETA on stderr. Quiet mode (used with --json) prints
 * nothing. Redraws at most every 200 ms so it costs nothing in a hot loop; on a non-terminal
 * (CI logs) it prints a plain line every 10% instead of carriage returns.
 */
public final class Progress implements AutoCloseable {
    private final String label;
    private final long total;
    private final boolean quiet;
    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private int lastDecile = -1;
    private String suffix = "";

    public Progress(String label, long total, boolean quiet) {
        this(label, total, quiet, System.err);
    }

    public Progress(String label, long total, boolean quiet, PrintStream out) {
        this.label = label;
        this.total = total;
        this.quiet = quiet;
        this.out = out;
        this.terminal = System.console() != null;
    }

    /** Text shown after the counters, e.g. the current loss. */
    public void status(String text) {
        this.suffix = text;
    }

    public void step(long n) {
        done += n;
        draw(false);
    }

    public void step() {
        step(1);
    }

    public long done() {
        return done;
    }

    private void draw(boolean last) {
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        if (terminal) {
            if (!last && now - lastDraw < 200_000_000L && done < total) {
                return;
            }
            lastDraw = now;
            out.print("\r" + line(now) + "\033[K");
            if (last) {
                out.println();
            }
        } else {
            int decile = total > 0 ? (int) (10 * done / total) : 0;
            if (decile != lastDecile || last) {
                lastDecile = decile;
                out.println(line(now));
            }
        }
        out.flush();
    }

    String line(long now) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? done / secs : 0;
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (total > 0) {
            int width = 24;
            int fill = (int) Math.min(width, width * done / total);
            sb.append('[').append("#".repeat(fill)).append(".".repeat(width - fill)).append("] ");
            sb.append(done).append('/').append(total);
            long remaining = rate > 0 ? (long) ((total - done) / rate) : -1;
            sb.append(String.format(" %.2f/s, elapsed %s, ETA %s", rate, hms((long) secs),
                    remaining >= 0 ? hms(remaining) : "?"));
        } else {
            sb.append(done).append(String.format(" (%.2f/s)", rate));
        }
        if (!suffix.isEmpty()) {
            sb.append("  ").append(suffix);
        }
        return sb.toString();
    }

    static String hms(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0
                ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutesPart(), d.toSecondsPart());
    }

    @Override
    public void close() {
        draw(true);
    }
}
