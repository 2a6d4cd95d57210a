package org.kdrestore.spark;

import org.kdrestore.common.Distributor;

/** Registers {@link SparkDistributor} for {@code --spark MASTER} (META-INF/services). */
public final class SparkProvider implements Distributor.Provider {
    @Override
    public Distributor open(String master, int threadsPerTask) {
        return SparkDistributor.open(master, threadsPerTask);
    }
}
