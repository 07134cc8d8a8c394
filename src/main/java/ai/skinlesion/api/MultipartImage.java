package ai.skinlesion.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.metadata.PatientMetadata;
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

    private static final Logger LOG = Logger.getLogger(MultipartImage.class);

    static final String PART_NAME = "image";
    private static final int MAX_PARTS = 16;

    private MultipartImage() {
    }

    /** The photo and the form's metadata fields. */
    record Body(byte[] image, PatientMetadata metadata) {
    }

    /** The photo alone; the other parts are ignored (the quality check takes no metadata). */
    static byte[] extract(byte[] body, String contentType, int maxImageBytes) {
        return read(body, contentType, maxImageBytes, false).image();
    }

    /**
     * @param withMetadata whether every part other than "image" is a patient metadata field (a field the model does
     *                     not take is then refused by its encoding, naming it, as in a JSON body)
     */
    static Body read(byte[] body, String contentType, int maxImageBytes, boolean withMetadata) {
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
            // Inside the try: Netty refuses header values with control characters with an IllegalArgumentException.
            // Found by fuzzing; it was a 500.
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
            Map<String, String> metadata = new LinkedHashMap<>();
            for (InterfaceHttpData other : withMetadata ? decoder.getBodyHttpDatas() : java.util.List.<InterfaceHttpData>of()) {
                if (other == part || !(other instanceof HttpData text)) {
                    continue;
                }
                if (metadata.putIfAbsent(other.getName(), text.getString(StandardCharsets.UTF_8)) != null) {
                    throw new RejectedInputException(Rejection.INVALID_METADATA, "The metadata field \""
                            + other.getName() + "\" is given more than once; give it once.",
                            Map.of("field", other.getName()));
                }
            }
            return new Body(data.get(), new PatientMetadata(metadata));
        } catch (HttpPostRequestDecoder.TooManyFormFieldsException e) {
            throw new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                    "The multipart body has more than " + MAX_PARTS + " parts; send one part named \"image\".",
                    Map.of(), e);
        } catch (IOException e) {
            // Netty reports a part over the factory's limit as an IOException...
            throw tooLarge(maxImageBytes, e);
        } catch (HttpPostRequestDecoder.ErrorDataDecoderException e) {
            if (e.getCause() instanceof IOException) {
                // ...or, while decoding, wrapped in its ErrorDataDecoderException: in memory, nothing else does I/O.
                // Found by the hostile-input corpus, which got 400 here instead of 413.
                throw tooLarge(maxImageBytes, e);
            }
            throw unparsable(e);
        } catch (RejectedInputException e) {
            throw e;
        } catch (RuntimeException e) {
            // Netty's decoder signals the other malformations with its DecoderExceptions, a header value with a
            // control character (a NUL byte, which an API Gateway event can carry) with an IllegalArgumentException,
            // and some bodies with a NullPointerException: whatever it is, the body could not be parsed.
            throw unparsable(e);
        } finally {
            if (decoder != null) {
                decoder.destroy();
            }
            request.release();
        }
    }

    private static RejectedInputException tooLarge(int maxImageBytes, Exception cause) {
        return new RejectedInputException(Rejection.TOO_MANY_BYTES,
                "A part of the multipart body is larger than the image limit of " + maxImageBytes + " bytes.",
                Map.of("maxBytes", maxImageBytes), cause);
    }

    /**
     * The decoder's own words stay in the debug log: they describe its code as often as the body (on the JVM, an
     * NPE's "Cannot invoke ..." names internals, and the hostile-input corpus caught a class name reaching a
     * client). The client is told what to check.
     */
    private static RejectedInputException unparsable(RuntimeException e) {
        LOG.debugf("multipart body refused by the decoder: %s", shorten(String.valueOf(e)));
        return new RejectedInputException(Rejection.MALFORMED_MULTIPART,
                "The multipart/form-data body cannot be parsed. Check the boundary in the Content-Type header, that"
                        + " every part starts with a Content-Disposition header, and that the body is complete; let the"
                        + " HTTP client build it (curl -F image=@photo.jpg).", Map.of(), e);
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }
}
