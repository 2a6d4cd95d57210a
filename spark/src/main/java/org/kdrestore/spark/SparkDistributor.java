package org.kdrestore.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.kdrestore.common.Distributor;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * {@link Distributor} on Apache Spark: the items become an RDD, each partition one Spark task that
 * runs the core's {@link Distributor.PartitionTask} in the executor's JVM, and each partition's results
 * reach the driver as soon as it ends (a result handler), so the driver records progress as it goes.
 * A failed task is retried by Spark ({@code spark.task.maxFailures}; {@code local[N,F]} in local mode);
 * the tasks write every file atomically, so a retry never meets half a file.
 */
public final class SparkDistributor implements Distributor {
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)(?:,(\\d+))?]|local");

    private final JavaSparkContext jsc;
    private final String master;
    private final int threadsPerTask;

    private SparkDistributor(JavaSparkContext jsc, String master, int threadsPerTask) {
        this.jsc = jsc;
        this.master = master;
        this.threadsPerTask = threadsPerTask;
    }

    /**
     * Connects to {@code master} (under spark-submit, the master and settings it passes win). Spark
     * settings come from {@code spark.*} system properties as usual ({@code -Dspark.executor.memory=…}).
     * On a cluster, waits up to {@code spark.kdrestore.executorWaitSeconds} (default 60) for a first
     * executor, so that the parallelism seen (partitions, trials at once) is the cluster's.
     */
    public static SparkDistributor open(String master, int threadsPerTask) {
        if (threadsPerTask < 0) {
            throw new UserInputException("--spark-threads must be ≥ 0 (0 = from the executor's cores), got " + threadsPerTask);
        }
        SparkConf conf = new SparkConf().setAppName("kd-restore");
        if (!conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        String m = conf.get("spark.master");
        if (!LOCAL.matcher(m).matches() && !m.contains("://") && !m.equals("yarn") && !m.startsWith("local-cluster[")) {
            throw new UserInputException("--spark " + master + " is not a Spark master URL (local[N], local[N,RETRIES], "
                    + "spark://HOST:PORT, yarn, k8s://…)");
        }
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        if (LOCAL.matcher(m).matches() || m.contains("://127.0.0.1") || m.contains("://localhost")) {
            // a cluster on this machine: talk over loopback whatever the host name resolves to
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
        if (!LOCAL.matcher(m).matches()) {
            awaitExecutors(jsc, conf.getInt("spark.kdrestore.executorWaitSeconds", 60));
        }
        return new SparkDistributor(jsc, m, threadsPerTask > 0 ? threadsPerTask : defaultThreads(m));
    }

    /** A fresh cluster context has no executors yet, and its default parallelism is then a guess (2). */
    private static void awaitExecutors(JavaSparkContext jsc, int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        // the driver is listed among the executors
        while (jsc.sc().statusTracker().getExecutorInfos().length < 2 && System.nanoTime() < end) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * PyTorch threads per task so that the tasks of one executor never ask for more threads than it has
     * cores: local[N] runs N tasks in this JVM on this machine's cores; an executor runs
     * {@code spark.executor.cores / spark.task.cpus} tasks at once (0 = decided on the executor).
     */
    static int defaultThreads(String master) {
        int cores = Runtime.getRuntime().availableProcessors();
        Matcher lm = LOCAL.matcher(master);
        if (lm.matches()) {
            int slots = lm.group(1) == null || lm.group(1).equals("*") ? cores : Integer.parseInt(lm.group(1));
            return Math.max(1, cores / Math.max(1, slots));
        }
        return 0;
    }

    @Override
    public void run(String label, Class<? extends PartitionTask> task, String job, List<String> items, int partitions,
            ResultSink sink) throws IOException {
        if (items.isEmpty()) {
            return;
        }
        JavaRDD<String> rdd = jsc.parallelize(items, Math.max(1, Math.min(partitions, items.size())));
        String group = "kd-restore-" + java.util.UUID.randomUUID();
        Collect collect = new Collect(sink);
        jsc.setJobGroup(group, label, true);
        try {
            jsc.sc().runJob(rdd.rdd(), new RunPartition(task.getName(), job, threadsPerTask), collect,
                    ClassTag$.MODULE$.apply(ArrayList.class));
        } catch (Exception e) { // SparkException is checked in Java's eyes, though Scala declares nothing
            jsc.cancelJobGroup(group); // no partition keeps running once the command has given up
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof SinkFailure f) {
                    throw f.getCause(); // this JVM's own part failed (writing the index, say)
                }
            }
            throw new TaskFailure(label + " failed on Spark " + master + " after its retries: " + firstLine(e), e);
        } finally {
            collect.close(); // results of partitions still finishing are dropped, never written unlocked
            jsc.clearJobGroup();
        }
    }

    /** The driver's sink failed: carries its IOException through Spark's result handler. */
    static final class SinkFailure extends RuntimeException {
        SinkFailure(IOException e) {
            super(e);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private static String firstLine(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    @Override
    public Running start(String label, Class<? extends PartitionTask> task, String job, String item) {
        String group = "kd-restore-" + java.util.UUID.randomUUID();
        String taskClass = task.getName();
        int threads = threadsPerTask;
        // the job group is a property of the submitting thread: set, submit, clear
        jsc.setJobGroup(group, label, true);
        org.apache.spark.api.java.JavaFutureAction<List<String[]>> f;
        try {
            f = jsc.parallelize(List.of(item), 1)
                    .mapPartitions((org.apache.spark.api.java.function.FlatMapFunction<java.util.Iterator<String>, String[]>) it -> {
                        List<String> items = new ArrayList<>();
                        it.forEachRemaining(items::add);
                        return RunPartition.runItems(taskClass, job, threads, items).iterator();
                    })
                    .collectAsync();
        } finally {
            jsc.clearJobGroup();
        }
        return new Running() {
            @Override
            public boolean waitFor(long millis) throws InterruptedException {
                try {
                    f.get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return true;
                } catch (java.util.concurrent.TimeoutException e) {
                    return false;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                    return true;
                }
            }

            @Override
            public String result() throws IOException {
                try {
                    List<String[]> r = f.get();
                    if (r.isEmpty()) {
                        throw new IOException(label + ": the task returned nothing");
                    }
                    return r.get(0)[1];
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(label + ": interrupted", e);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                    throw new TaskFailure(label + " failed on Spark " + master + ": " + firstLine(e.getCause() != null ? e.getCause() : e), e);
                }
            }

            @Override
            public void cancel() {
                jsc.cancelJobGroup(group);
            }
        };
    }

    @Override
    public int parallelism() {
        return Math.max(1, jsc.defaultParallelism());
    }

    @Override
    public String describe() {
        return "Spark " + master + " (" + parallelism() + " task slots, "
                + (threadsPerTask > 0 ? threadsPerTask + " PyTorch thread(s) per task" : "PyTorch threads from each executor's cores") + ")";
    }

    /** Stops the context: one command, one Spark application. */
    @Override
    public void close() {
        jsc.stop();
    }

    /** One partition, on an executor: the core task over its items; returns (item, result) pairs. */
    static final class RunPartition extends AbstractFunction2<TaskContext, scala.collection.Iterator<String>, ArrayList<String[]>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String taskClass;
        private final String job;
        private final int threads;

        RunPartition(String taskClass, String job, int threads) {
            this.taskClass = taskClass;
            this.job = job;
            this.threads = threads;
        }

        @Override
        public ArrayList<String[]> apply(TaskContext ctx, scala.collection.Iterator<String> it) {
            List<String> items = new ArrayList<>();
            while (it.hasNext()) {
                items.add(it.next());
            }
            return runItems(taskClass, job, threads, items);
        }

        /** The core task over one partition's items, in this executor: returns (item, result) pairs. */
        static ArrayList<String[]> runItems(String taskClass, String job, int threads, List<String> items) {
            Engines.engine(); // loads libtorch before its thread count is set
            int n = threads > 0 ? threads : executorThreads();
            int threadsBefore = ai.djl.pytorch.jni.JniUtils.getNumThreads();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
            // PyTorch's grad mode is per thread and on in a new one; DJL turns it off only on the thread that
            // loaded the engine. A task thread is inference, as the local path's main thread is.
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            ArrayList<String[]> out = new ArrayList<>();
            try {
                Class<? extends PartitionTask> c = Class.forName(taskClass, true, Thread.currentThread().getContextClassLoader())
                        .asSubclass(PartitionTask.class);
                new Distributor.TaskPlace(SparkEnv.get().executorId(), n).run(() -> {
                    Distributor.newTask(c).run(job, items, (item, result) -> out.add(new String[] {item, result}));
                    return null;
                });
            } catch (Exception e) {
                // one line, naming the partition's items: Spark shows the driver the first line of a task's failure
                throw new IllegalStateException(String.valueOf(e.getMessage()).replace('\n', ' ') + " (partition of "
                        + items.size() + " item(s): " + String.join(", ", items.stream().map(RunPartition::name).toList()) + ")", e);
            } finally {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(threadsBefore); // in local mode this JVM is the driver's
            }
            return out;
        }

        /** An item as a person reads it: the "id" of a JSON item (an image), else the item itself. */
        static String name(String item) {
            try {
                com.fasterxml.jackson.databind.JsonNode j = org.kdrestore.common.Json.MAPPER.readTree(item);
                if (j != null && j.hasNonNull("id")) {
                    return j.get("id").asText();
                }
            } catch (IOException | RuntimeException e) {
                // not JSON: the item is its own name
            }
            return item;
        }

        private static int executorThreads() {
            SparkConf conf = SparkEnv.get().conf();
            int cores = Runtime.getRuntime().availableProcessors();
            int slots = Math.max(1, conf.getInt("spark.executor.cores", cores) / Math.max(1, conf.getInt("spark.task.cpus", 1)));
            return Math.max(1, cores / slots);
        }
    }

    /** On the driver, as each partition ends: its results to the sink, in item order. */
    static final class Collect extends AbstractFunction2<Object, ArrayList<String[]>, BoxedUnit> {
        private final ResultSink sink;
        private boolean closed;

        Collect(ResultSink sink) {
            this.sink = sink;
        }

        @Override
        public synchronized BoxedUnit apply(Object partition, ArrayList<String[]> results) {
            if (closed) {
                return BoxedUnit.UNIT;
            }
            for (String[] r : results) {
                try {
                    sink.accept(r[0], r[1]);
                } catch (IOException e) {
                    closed = true; // the first failure ends the run: later partitions are not recorded
                    throw new SinkFailure(e);
                }
            }
            return BoxedUnit.UNIT;
        }

        /** After the run: results that still arrive are dropped. */
        synchronized void close() {
            closed = true;
        }
    }
}
