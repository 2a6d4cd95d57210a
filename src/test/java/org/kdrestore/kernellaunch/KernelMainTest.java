package org.kdrestore.kernellaunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The loop repair against stand-ins shaped like rapaio 3.0.1's classes (same field names and
 * constructor), since the kernel jar is not on the test class path. The stand-in's
 * {@code start()} can be made to lose the race every time.
 */
class KernelMainTest {
    /** As rapaio's LoopThread; with {@link #loseTheRace} its start() never sets running. */
    public static final class LoopThread extends Thread {
        static volatile boolean loseTheRace;
        private volatile boolean running = false;
        private final long sleep;
        private final Runnable loopBody;

        public LoopThread(String name, long sleep, Runnable loopBody) {
            super(name);
            this.sleep = sleep;
            this.loopBody = loopBody;
        }

        @Override
        public void run() {
            while (running) {
                loopBody.run();
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public synchronized void start() {
            super.start();
            if (!loseTheRace) {
                running = true;
            }
        }

        void shutdown() {
            running = false;
        }
    }

    static final class Channel {
        private volatile LoopThread loopThread;
    }

    static final class NoLoopChannel {}

    static final class Channels {
        private final Set<Object> channels;

        Channels(Set<Object> channels) {
            this.channels = channels;
        }
    }

    @Test
    void aLoopThatExitedBeforeItsFirstIterationIsReplacedAndRunsWhileALiveOneIsLeftAlone() throws Exception {
        AtomicInteger shellTurns = new AtomicInteger();
        Channel shell = new Channel();
        Channel heartbeat = new Channel();
        try {
            heartbeat.loopThread = new LoopThread("Heartbeat-0", 5, () -> {});
            heartbeat.loopThread.start();
            LoopThread.loseTheRace = true;
            shell.loopThread = new LoopThread("Shell-0", 5, shellTurns::incrementAndGet);
            shell.loopThread.start();
            shell.loopThread.join(5000);
            assertEquals(Thread.State.TERMINATED, shell.loopThread.getState());
            assertEquals(0, shellTurns.get());
            LoopThread deaf = shell.loopThread;
            LoopThread alive = heartbeat.loopThread;

            KernelMain.restartLoopsThatNeverRan(Channels.class, new Channels(Set.of(shell, heartbeat, new NoLoopChannel())));

            assertNotSame(deaf, shell.loopThread, "the dead loop is replaced");
            assertEquals("Shell-0", shell.loopThread.getName());
            assertSame(alive, heartbeat.loopThread, "a running loop is left alone");
            long until = System.currentTimeMillis() + 5000;
            while (shellTurns.get() < 3 && System.currentTimeMillis() < until) {
                Thread.sleep(10);
            }
            assertTrue(shellTurns.get() >= 3, "the replacement runs its body even though start() lost the race again");
        } finally {
            LoopThread.loseTheRace = false;
            for (Channel c : new Channel[] {shell, heartbeat}) {
                if (c.loopThread != null) {
                    c.loopThread.shutdown();
                    c.loopThread.join(5000);
                }
            }
        }
    }
}
