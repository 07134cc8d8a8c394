package ai.skinlesion.classify;

import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ai.skinlesion.Deadline;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/**
 * Bounds how many photos are decoded and preprocessed at once (melanoma.limits.max-concurrent-decodes), since
 * those are the stages whose memory grows with the photo: up to the pixel limit, one decode holds its crop
 * twice over (ImageIO's raster and the RGB copy) and the resize's buffers, about 100 MB for a 50-megapixel square
 * photo at a crop of 0.5 (CorpusTest asserts the sum under the gate), plus libjpeg's coefficient
 * buffer for a progressive JPEG outside the heap. Inference, whose memory is fixed, is not gated.
 * <p>
 * Requests beyond the limit wait in a bounded queue (melanoma.limits.max-queued-decodes), at most until their
 * deadline; a request that finds the queue full, or whose time runs out while queued, is answered 429 with
 * Retry-After rather than making every request slower.
 */
final class DecodeGate {

    static final int RETRY_AFTER_SECONDS = 1;

    private final int permits;
    private final int maxQueued;
    private final Semaphore slots;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger peakInside = new AtomicInteger();

    DecodeGate(int permits, int maxQueued) {
        if (permits < 1) {
            throw new IllegalArgumentException("melanoma.limits.max-concurrent-decodes must be at least 1, not " + permits);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("melanoma.limits.max-queued-decodes must be 0 or more, not " + maxQueued);
        }
        this.permits = permits;
        this.maxQueued = maxQueued;
        this.slots = new Semaphore(permits, true);
    }

    /** A place to decode in; close it when the decoded pixels have been turned into the model's input. */
    Slot enter(Deadline deadline) {
        if (slots.tryAcquire()) {
            return entered();
        }
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            throw busy("all " + permits + " decoding places are taken and " + maxQueued + " photos are already waiting");
        }
        try {
            if (slots.tryAcquire(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                return entered();
            }
            throw busy("no decoding place came free within the request's time limit");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("the request was interrupted while waiting for a decoding place");
        } finally {
            queued.decrementAndGet();
        }
    }

    private Slot entered() {
        peakInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        return () -> {
            inside.decrementAndGet();
            slots.release();
        };
    }

    /** The most photos that were ever inside the gate at once (for tests: never more than the permits). */
    int peakInUse() {
        return peakInside.get();
    }

    /** Photos being decoded right now (for tests and diagnostics). */
    int inUse() {
        return permits - slots.availablePermits();
    }

    /** Whether a photo is waiting for a place (for tests). */
    boolean hasQueued() {
        return slots.hasQueuedThreads();
    }

    private static RejectedInputException busy(String why) {
        return new RejectedInputException(Rejection.BUSY,
                "The service is busy: " + why + ". Retry in " + RETRY_AFTER_SECONDS + " s.",
                Map.of("retryAfterSeconds", RETRY_AFTER_SECONDS));
    }

    @FunctionalInterface
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }
}
