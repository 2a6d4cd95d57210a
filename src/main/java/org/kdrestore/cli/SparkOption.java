package org.kdrestore.cli;

import org.kdrestore.common.Distributor;
import picocli.CommandLine.Option;

/** {@code --spark MASTER}: run the command's per-item work on a Spark cluster (docs/spark.md). */
public final class SparkOption {
    @Option(names = "--spark", paramLabel = "MASTER", description = "Run on Apache Spark: local[N], local[N,RETRIES], "
            + "spark://HOST:PORT, … (needs the Spark module; ./kd-restore adds it). Paths must be shared by every executor.")
    public String master;

    @Option(names = "--spark-threads", paramLabel = "N", defaultValue = "0", description = "PyTorch threads per Spark task "
            + "(default 0: the executor's cores divided by its task slots, so executors x threads never exceed the cores).")
    public int threads;

    public boolean enabled() {
        return master != null;
    }

    /** The distributor of --spark, or this JVM's. */
    public Distributor open() {
        return master == null ? Distributor.local() : Distributor.open(master, threads);
    }
}
