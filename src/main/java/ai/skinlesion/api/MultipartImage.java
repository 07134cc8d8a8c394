package ai.skinlesion.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpData;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;

/**
 * Takes the part named "image" out of a multipart/form-data body, in memory. Quarkus' own multipart support
 * would store file parts in an uploads directory; Netty's decoder (already on the class path, under Vert.x)
 * keeps them in memory when told never to use the disk, and bounds the number of parts and their size.
 */
final class MultipartImage {

    static final String PART_NAME = "image";
    private static final int MAX_PARTS = 16;

    private MultipartImage() {
    }

    static byte[] extract(byte[] body, String contentType, int maxImageBytes) {
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).contains("boundary=")) {
            throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                    "The Content-Type multipart/form-data has no boundary parameter; let the HTTP client build the"
                            + " multipart body (curl -F image=@photo.jpg) rather than setting the header by hand.");
        }
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                Unpooled.wrappedBuffer(body));
        DefaultHttpDataFactory memoryOnly = new DefaultHttpDataFactory(false);
        memoryOnly.setMaxLimit(maxImageBytes);
        HttpPostMultipartRequestDecoder decoder = null;
        try {
            // Inside the try: Netty refuses header values with control characters (a NUL byte, which an API Gateway
            // event can carry) with an IllegalArgumentException. Found by fuzzing; it was a 500.
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            decoder = new HttpPostMultipartRequestDecoder(memoryOnly, request, StandardCharsets.UTF_8, MAX_PARTS,
                    maxImageBytes + 64 * 1024);
            if (decoder.currentPartialHttpData() != null) {
                throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                        "The multipart body ends inside a part: the closing boundary is missing (truncated upload?).");
            }
            if (decoder.getBodyHttpDatas().isEmpty()) {
                throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                        "The multipart body has no parts: it does not contain the boundary that its Content-Type names."
                                + " Let the HTTP client build the body (curl -F image=@photo.jpg).");
            }
            InterfaceHttpData part = decoder.getBodyHttpData(PART_NAME);
            if (!(part instanceof HttpData data)) {
                throw new RejectedInputException(Rejection.MISSING_IMAGE_PART,
                        "Send the photo in a form field named \"" + PART_NAME + "\" (curl -F image=@photo.jpg).");
            }
            return data.get();
        } catch (HttpPostRequestDecoder.TooManyFormFieldsException e) {
            throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                    "The multipart body has more than " + MAX_PARTS + " parts; send one part named \"image\".");
        } catch (IOException e) {
            // Netty reports a part over the factory's limit as an IOException.
            throw tooLarge(maxImageBytes);
        } catch (RejectedInputException e) {
            throw e;
        } catch (RuntimeException e) {
            if (hasCause(e, IOException.class)) {
                // A part over the factory's limit, wrapped by the decoder (ErrorDataDecoderException): in memory,
                // nothing else does I/O. Found by the hostile-input corpus, which got 400 here instead of 413.
                throw tooLarge(maxImageBytes);
            }
            // Netty's decoder signals every malformation with a runtime exception of its own (or worse, an NPE);
            // whatever it is, the body could not be parsed.
            throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                    "The multipart/form-data body cannot be parsed: " + reason(e)
                            + ". Check the boundary in the Content-Type header and that the body is complete.");
        } finally {
            if (decoder != null) {
                decoder.destroy();
            }
            request.release();
        }
    }

    private static RejectedInputException tooLarge(int maxImageBytes) {
        return new RejectedInputException(Rejection.TOO_MANY_BYTES,
                "A part of the multipart body is larger than the image limit of " + maxImageBytes + " bytes.",
                Map.of("maxBytes", maxImageBytes));
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What went wrong, in words for the client: the message of Netty's own decoder exceptions, which describe the
     * body. Anything else (the decoder's NullPointerException on some malformed bodies) describes code, not the
     * body: neither its class nor its message (on the JVM, a "Cannot invoke ..." naming internals) is shown. The
     * native binary's NPEs have no message, and the hostile-input corpus caught the class name reaching a client.
     */
    private static String reason(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null || message.isBlank() || !root.getClass().getName().startsWith("io.netty.")) {
            return "it is not valid multipart/form-data";
        }
        return message.length() > 120 ? message.substring(0, 120) + "..." : message;
    }
}
