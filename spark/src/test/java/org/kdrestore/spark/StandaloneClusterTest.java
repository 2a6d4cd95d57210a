package org.kdrestore.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone Spark cluster on 127.0.0.1: a master and a worker started as processes, the
 * worker launching its own executor JVM; {@code teacher cache --spark spark://127.0.0.1:PORT} fills a
 * cache through it, byte-identical to the local one.
 */
class StandaloneClusterTest {
    @TempDir
    Path tmp;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** java with Spark's module openings and this test's classpath, running {@code mainClass}. */
    static Process start(Path log, Path sparkHome, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("jvm.options").toAbsolutePath(), "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // The worker builds its executors' command line from SPARK_HOME (an empty jars/ here: the classes
        // come from spark.executor.extraClassPath) and needs the Scala version, which a distribution records.
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    /** Polls the master's JSON status page until {@code alive} workers are registered (its log says little at WARN). */
    static void awaitWorkers(int uiPort, int alive, Process p, Path log) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + uiPort + "/json/");
        long end = System.nanoTime() + 120_000_000_000L;
        String last = "";
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError("process ended:\n" + Files.readString(log));
            }
            try {
                last = http.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                if (org.kdrestore.common.Json.MAPPER.readTree(last).path("aliveworkers").asInt() >= alive) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("fewer than " + alive + " live workers within 120 s: " + last + "\n" + Files.readString(log));
    }

    @Test
    void aStandaloneMasterAndWorkerOnLoopbackFillTheTeacherCache() throws Exception {
        SparkCommandsTest.inputs();
        Path home = Files.createDirectories(tmp.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars"));
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        Path masterLog = tmp.resolve("master.log");
        Path workerLog = tmp.resolve("worker.log");
        int ui = freePort();
        Process m = start(masterLog, home, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--webui-port", String.valueOf(ui));
        Process w = null;
        try {
            awaitWorkers(ui, 0, m, masterLog);
            w = start(workerLog, home, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2", "--memory",
                    "3g", "--webui-port", String.valueOf(freePort()), "--work-dir", tmp.resolve("worker-work").toString(), master);
            awaitWorkers(ui, 1, w, workerLog);

            System.setProperty("spark.executor.extraClassPath", System.getProperty("java.class.path"));
            System.setProperty("spark.executor.extraJavaOptions", "@" + Path.of("jvm.options").toAbsolutePath() + " -Dai.djl.offline=true");
            System.setProperty("spark.executor.memory", "2g");
            System.setProperty("spark.executor.cores", "2");
            SparkCommandsTest.Result r;
            try {
                r = SparkCommandsTest.teacherCache(tmp.resolve("cache-cluster"), "--spark", master);
            } finally {
                for (String k : List.of("spark.executor.extraClassPath", "spark.executor.extraJavaOptions", "spark.executor.memory",
                        "spark.executor.cores")) {
                    System.clearProperty(k);
                }
            }
            assertEquals(0, r.code(), r.err() + "\nworker log:\n" + Files.readString(workerLog));
            assertTrue(r.out().contains("8 computed") && r.out().contains("executor 0"), "computed by the cluster's executor: " + r.out());
            SparkCommandsTest.assertSameFiles(SparkCommandsTest.localCache(), SparkCommandsTest.files(tmp.resolve("cache-cluster")));
        } finally {
            if (w != null) {
                w.destroy();
                w.waitFor();
            }
            m.destroy();
            m.waitFor();
        }
    }
}
