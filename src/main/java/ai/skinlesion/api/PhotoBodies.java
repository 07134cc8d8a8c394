package ai.skinlesion.api;

import java.util.Map;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/**
 * The one reader of photo bodies for every endpoint that takes a photo (predictions, quality): a raw image body, a
 * multipart form with the photo in the part "image", or JSON with the photo in base64. Each checks the body's size
 * against the image limit (plus the room its wrapping needs) before it is parsed.
 */
final class PhotoBodies {

    private PhotoBodies() {
    }

    /** A raw image body: the image limit applies to the body itself. */
    static byte[] raw(byte[] body, int maxImageBytes) {
        return limited(body, maxImageBytes, maxImageBytes);
    }

    /** The form's own headers and boundaries get 64 KiB on top of the image limit; the limit reported is the image's. */
    static MultipartImage.Body multipart(byte[] body, String contentType, int maxImageBytes, boolean withMetadata) {
        byte[] checked = limited(body, maxImageBytes + 64 * 1024, maxImageBytes);
        return MultipartImage.read(checked, contentType, maxImageBytes, withMetadata);
    }

    static byte[] multipartImage(byte[] body, String contentType, int maxImageBytes) {
        return multipart(body, contentType, maxImageBytes, false).image();
    }

    /** base64 is 4/3 of the image, plus room for the JSON around it; the limit reported is the image's. */
    static JsonImage.Body json(byte[] body, int maxImageBytes) {
        byte[] checked = limited(body, maxImageBytes / 3 * 4 + 1024 * 1024, maxImageBytes);
        return JsonImage.read(checked, maxImageBytes);
    }

    static byte[] jsonImage(byte[] body, int maxImageBytes) {
        return json(body, maxImageBytes).image();
    }

    private static byte[] limited(byte[] body, int bodyLimit, int imageLimit) {
        if (body == null || body.length == 0) {
            throw new RejectedInputException(Rejection.EMPTY_BODY, "The request body is empty: send the photo.");
        }
        if (body.length > bodyLimit) {
            throw new RejectedInputException(Rejection.TOO_MANY_BYTES,
                    "The request body is " + body.length + " bytes; images up to " + imageLimit + " bytes are accepted."
                            + " Send a smaller JPEG (the model looks at a 384-pixel square; 2000 pixels across is plenty).",
                    Map.of("maxBytes", imageLimit));
        }
        return body;
    }
}
