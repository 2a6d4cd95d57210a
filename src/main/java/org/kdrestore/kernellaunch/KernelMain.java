package org.kdrestore.kernellaunch;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.logging.LogManager;

/**
 * Starts the rapaio Java kernel (3.0.1) as its own {@code MainApp} does, with two start-up races
 * closed; either made about 1 start in 6 hang here ("Kernel didn't respond", the kernel alive but
 * deaf), and neither is fixed upstream as of 3.0.4.
 * <ol>
 *   <li>{@code LoopThread.start()} calls {@code super.start()} and only then sets
 *       {@code running = true}; a thread that gets to its {@code while (running)} first exits at
 *       once, silently. When that is the shell thread nothing is ever answered (a thread dump of a
 *       hung kernel shows one of the shell, control or heartbeat loops missing). After
 *       {@code connect} such a dead loop is replaced by a new one with the same body whose
 *       {@code running} flag is set before it starts.</li>
 *   <li>{@code Channels.connect} starts the loops before it creates its message-handler map; a
 *       request in between would throw a NullPointerException in the shell loop. An empty map is
 *       set first, so such a request is logged as unhandled and the client's next kernel_info
 *       (jupyter_client repeats it every second) is answered.</li>
 * </ol>
 *
 * <p>Reflection only, so the library does not depend on the kernel at compile time. This class
 * is packed alone into {@code target/kernel/kd-restore-kernel-launcher.jar}: the kernel JVM
 * must not see the library's own classes on its system class path (the notebooks load them,
 * with their dependencies, through the kernel's {@code RJK_CLASSPATH}).
 */
public final class KernelMain {
    private KernelMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KernelMain CONNECTION_FILE (as Jupyter passes it)");
        }
        Class<?> mainApp = Class.forName("org.rapaio.jupyter.kernel.MainApp");
        LogManager.getLogManager().readConfiguration(mainApp.getClassLoader().getResourceAsStream("logging.properties"));
        Path connectionFile = Path.of(args[0]);
        if (!Files.isRegularFile(connectionFile)) {
            throw new IllegalArgumentException("Connection file '" + connectionFile + "' isn't a file.");
        }
        Class<?> propsClass = Class.forName("org.rapaio.jupyter.kernel.core.ConnectionProperties");
        Object props = Class.forName("org.rapaio.jupyter.kernel.core.Transform")
                .getMethod("fromJson", String.class, Class.class).invoke(null, Files.readString(connectionFile), propsClass);
        Class<?> channelsClass = Class.forName("org.rapaio.jupyter.kernel.channels.Channels");
        Object channels = channelsClass.getConstructor(propsClass).newInstance(props);
        Field handlers = channelsClass.getDeclaredField("handlers");
        handlers.setAccessible(true);
        handlers.set(channels, new HashMap<>());
        Object kernel = mainApp.getField("kernel").get(null);
        channelsClass.getMethod("connect", kernel.getClass()).invoke(channels, kernel);
        restartLoopsThatNeverRan(channelsClass, channels);
        channelsClass.getMethod("joinUntilClose").invoke(channels);
    }

    /** Replaces each channel's loop thread that exited before its first iteration (race 1). */
    static void restartLoopsThatNeverRan(Class<?> channelsClass, Object channels) throws Exception {
        Thread.sleep(200); // a loop that read running == false has ended well before this
        Field set = channelsClass.getDeclaredField("channels");
        set.setAccessible(true);
        for (Object channel : (Iterable<?>) set.get(channels)) {
            Field loopField;
            try {
                loopField = channel.getClass().getDeclaredField("loopThread");
            } catch (NoSuchFieldException e) {
                continue; // iopub and stdin have no loop
            }
            loopField.setAccessible(true);
            Thread dead = (Thread) loopField.get(channel);
            if (dead == null || dead.getState() != Thread.State.TERMINATED) {
                continue;
            }
            Class<?> loopClass = dead.getClass();
            Field sleep = loopClass.getDeclaredField("sleep");
            Field body = loopClass.getDeclaredField("loopBody");
            Field running = loopClass.getDeclaredField("running");
            sleep.setAccessible(true);
            body.setAccessible(true);
            running.setAccessible(true);
            Thread fresh = (Thread) loopClass.getConstructor(String.class, long.class, Runnable.class)
                    .newInstance(dead.getName(), sleep.getLong(dead), body.get(dead));
            running.setBoolean(fresh, true);
            loopField.set(channel, fresh);
            fresh.start();
            System.err.println("kd-restore kernel launcher: restarted loop " + dead.getName() + " of "
                    + channel.getClass().getSimpleName() + " (it had exited before its first iteration)");
        }
    }
}
