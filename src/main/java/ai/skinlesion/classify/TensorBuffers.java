package ai.skinlesion.classify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Direct buffers for the model's input, reused across requests: ONNX Runtime reads a direct buffer in place,
 * and reusing it spares allocating a 1.7 MB direct buffer per request (the heap array of resized pixels that
 * normalisation reads from is still made per request, by Resize). At most one buffer per concurrent request exists
 * for each member (and one 8-image buffer for each, under test-time augmentation).
 */
final class TensorBuffers {

    private final int floats;
    private final ConcurrentLinkedQueue<FloatBuffer> free = new ConcurrentLinkedQueue<>();

    TensorBuffers(int floats) {
        this.floats = floats;
    }

    FloatBuffer take() {
        FloatBuffer buffer = free.poll();
        return buffer != null ? buffer
                : ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    void give(FloatBuffer buffer) {
        buffer.clear();
        free.offer(buffer);
    }
}
