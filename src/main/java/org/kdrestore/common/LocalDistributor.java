package org.kdrestore.common;

import java.io.IOException;
import java.util.List;

/** {@link Distributor#local()}: one partition holding every item, run on the calling thread. */
final class LocalDistributor implements Distributor {
    static final LocalDistributor INSTANCE = new LocalDistributor();

    private LocalDistributor() {}

    @Override
    public void run(String label, Class<? extends PartitionTask> task, String job, List<String> items, int partitions,
            ResultSink sink) throws IOException {
        if (items.isEmpty()) {
            return;
        }
        try {
            Distributor.newTask(task).run(job, items, sink);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(label + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int parallelism() {
        return 1;
    }

    @Override
    public String describe() {
        return "this JVM";
    }

    @Override
    public void close() {}
}
