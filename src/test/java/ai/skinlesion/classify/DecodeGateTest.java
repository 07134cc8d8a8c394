package ai.skinlesion.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Deadline;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/** The decode gate bounds concurrent decodes, queues a bounded number, and answers the rest 429. */
class DecodeGateTest {

    @Test
    void neverMoreDecodesAtOnceThanPlaces() throws Exception {
        DecodeGate gate = new DecodeGate(2, 32);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                done.add(pool.submit(() -> {
                    try (DecodeGate.Slot slot = gate.enter(Deadline.after(Duration.ofSeconds(30)))) {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.sleep(10);
                        inside.decrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, most.get());
        assertEquals(2, gate.peakInUse(), "the gate's own count agrees with what the callers saw");
        assertEquals(0, gate.inUse());
    }

    @Test
    void aFullQueueIsAnsweredBusyWithRetryAfter() throws Exception {
        DecodeGate gate = new DecodeGate(1, 1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            DecodeGate.Slot held = gate.enter(Deadline.NONE);
            // one waits in the queue...
            Future<?> waiting = pool.submit(() -> {
                try (DecodeGate.Slot slot = gate.enter(Deadline.after(Duration.ofSeconds(30)))) {
                    release.await();
                }
                return null;
            });
            while (!gate.hasQueued()) {
                Thread.sleep(1);
            }
            // ...so the next finds it full
            RejectedInputException e = assertThrows(RejectedInputException.class,
                    () -> gate.enter(Deadline.after(Duration.ofSeconds(30))));
            assertEquals(Rejection.BUSY, e.rejection());
            assertEquals(429, e.rejection().status());
            assertEquals(DecodeGate.RETRY_AFTER_SECONDS, e.extensions().get("retryAfterSeconds"));
            held.close();
            release.countDown();
            waiting.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void waitingEndsAtTheDeadline() {
        DecodeGate gate = new DecodeGate(1, 4);
        try (DecodeGate.Slot held = gate.enter(Deadline.NONE)) {
            long start = System.nanoTime();
            RejectedInputException e = assertThrows(RejectedInputException.class,
                    () -> gate.enter(Deadline.after(Duration.ofMillis(200))));
            assertEquals(Rejection.BUSY, e.rejection());
            assertTrue((System.nanoTime() - start) / 1e6 < 5000);
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new DecodeGate(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DecodeGate(1, -1));
    }
}
