package org.kdrestore.common;

import java.io.IOException;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Where work on many independent items runs: in this JVM, or spread over a cluster (the Spark module,
 * found on the classpath by {@link ServiceLoader}). The work itself is a {@link PartitionTask}, the same
 * class wherever it runs, so a cluster run executes the local code path; it receives its job and items
 * as text (JSON) and emits one result per item as text, so nothing but strings crosses machines.
 */
public interface Distributor extends AutoCloseable {

    /**
     * Work on one partition of items. A public class with a public no-argument constructor; one
     * instance per partition, so the expensive set-up (loading a model) happens once per partition.
     */
    interface PartitionTask {
        /**
         * @param job what every item shares (JSON)
         * @param items this partition's items
         * @param emit receives each item's result (JSON) as it is done
         */
        void run(String job, List<String> items, ResultSink emit) throws Exception;
    }

    /**
     * Work that failed where it ran (a task that failed for good on a cluster): the environment, not
     * the input nor this program, so the CLI prints its message as one line (exit 1).
     */
    final class TaskFailure extends IOException {
        public TaskFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Receives {@code (item, result)} pairs; on the driver, calls are serialised. */
    @FunctionalInterface
    interface ResultSink {
        void accept(String item, String result) throws IOException;
    }

    /** Finds a cluster back-end by the master URL it understands (the Spark module's for {@code local[N]}, {@code spark://…}, …). */
    interface Provider {
        /** A distributor for {@code master}; {@code threadsPerTask} 0 = as many cores as the executor can give each task. */
        Distributor open(String master, int threadsPerTask);
    }

    /**
     * Runs {@code task} over {@code items} in up to {@code partitions} partitions and hands every result
     * to {@code sink} on this JVM. A failed partition is retried where the back-end retries; if it still
     * fails, the run stops with an {@link IOException} naming the items of that partition.
     */
    void run(String label, Class<? extends PartitionTask> task, String job, List<String> items, int partitions, ResultSink sink)
            throws IOException;

    /**
     * A single item running on its own (a sweep trial): started by {@link #start}, watched and
     * cancelled from this JVM.
     */
    interface Running {
        /** Waits up to {@code millis}; true once the item has ended (done or failed). */
        boolean waitFor(long millis) throws InterruptedException;

        /** The item's result once ended; an {@link IOException} with the reason when it failed or was cancelled. */
        String result() throws IOException;

        /** Stops the item: the task's thread is interrupted (a task holding a process stops it). */
        void cancel();
    }

    /**
     * Starts {@code task} on one item without waiting: on its own thread locally, as a one-task job on
     * a cluster (retried there like any task).
     */
    Running start(String label, Class<? extends PartitionTask> task, String job, String item);

    /**
     * Where the current thread's task runs, set by a cluster back-end around each task (a thread
     * local, so nothing leaks into the driver's JVM in local mode): the executor's id ("driver" in
     * Spark's local mode) and the PyTorch threads the task may use (tasks × threads ≤ cores).
     */
    record TaskPlace(String executor, int threads) {
        private static final ThreadLocal<TaskPlace> CURRENT = new ThreadLocal<>();

        /** The place of this thread's task, or null outside a cluster task. */
        public static TaskPlace current() {
            return CURRENT.get();
        }

        /** Runs {@code body} as a task at this place. */
        public <T> T run(java.util.concurrent.Callable<T> body) throws Exception {
            TaskPlace before = CURRENT.get();
            CURRENT.set(this);
            try {
                return body.call();
            } finally {
                CURRENT.set(before);
            }
        }
    }

    /** Who runs this code: the host, and the executor inside a cluster task (for per-executor summaries). */
    static String worker() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        TaskPlace place = TaskPlace.current();
        return place == null ? host : host + " executor " + place.executor();
    }

    /** How many partitions run at once (cores of the cluster, or 1 locally). */
    int parallelism();

    /** One line for logs: the master and its executors. */
    String describe();

    @Override
    void close();

    /** The distributor of this JVM: the partitions one after the other, results as each item is done. */
    static Distributor local() {
        return LocalDistributor.INSTANCE;
    }

    /**
     * A cluster distributor for {@code master} ({@code --spark MASTER}), or a clear error when no
     * back-end is on the classpath.
     */
    static Distributor open(String master, int threadsPerTask) {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            return p.open(master, threadsPerTask);
        }
        throw new UserInputException("--spark " + master + " needs kd-restore's Spark module on the classpath: run through "
                + "./kd-restore (it builds spark/ and adds it when --spark is given) or spark-submit the shaded jar (docs/spark.md)");
    }

    /** Creates the task of a partition (a public no-argument constructor, as {@link PartitionTask} asks). */
    static PartitionTask newTask(Class<? extends PartitionTask> task) {
        try {
            return task.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("partition task " + task.getName() + " needs a public no-argument constructor", e);
        }
    }
}
