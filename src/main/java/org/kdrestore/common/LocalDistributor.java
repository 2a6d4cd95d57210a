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
    public Running start(String label, Class<? extends PartitionTask> task, String job, String item) {
        java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                String[] out = new String[1];
                Distributor.newTask(task).run(job, List.of(item), (i, r) -> out[0] = r);
                done.complete(out[0]);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, label);
        t.setDaemon(true);
        t.start();
        return new Running() {
            @Override
            public boolean waitFor(long millis) throws InterruptedException {
                t.join(millis);
                return !t.isAlive();
            }

            @Override
            public String result() throws IOException {
                try {
                    return done.getNow(null);
                } catch (java.util.concurrent.CompletionException e) {
                    Throwable c = e.getCause();
                    throw c instanceof IOException io ? io : new IOException(label + ": " + c, c);
                }
            }

            @Override
            public void cancel() {
                t.interrupt();
            }
        };
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
