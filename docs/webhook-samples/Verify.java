import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verify an Eye webhook delivery in Java (11+, JDK only).
 *
 * Both signature families are checked over the raw body bytes (read the request body as bytes and
 * verify before parsing JSON), with a 5-minute tolerance on the timestamp in both directions.
 * {@code headers} maps lower-case header names to values.
 *
 * <pre>boolean ok = Verify.classic(secret, headers, rawBody) || Verify.standard(secret, headers, rawBody);</pre>
 *
 * Command line (used by the relay's tests): java Verify.java &lt;secret&gt; &lt;case dir with headers, body&gt;
 * prints {@code classic=ok|fail standard=ok|fail}.
 */
public final class Verify {
    static final long TOLERANCE_S = 5 * 60;

    static boolean fresh(String timestamp) {
        if (timestamp == null || !timestamp.matches("[0-9]{1,12}")) return false;
        long now = System.currentTimeMillis() / 1000;
        return Math.abs(now - Long.parseLong(timestamp)) <= TOLERANCE_S;
    }

    static byte[] hmacSha256(byte[] key, byte[]... parts) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] part : parts) mac.update(part);
        return mac.doFinal();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** X-Eye-Signature: sha256=&lt;hex HMAC-SHA256(secret as UTF-8, "&lt;ts&gt;.&lt;body&gt;")&gt;, one value. */
    public static boolean classic(String secret, Map<String, String> headers, byte[] rawBody) throws Exception {
        String timestamp = headers.getOrDefault("x-eye-timestamp", "");
        if (!fresh(timestamp)) return false;
        StringBuilder hex = new StringBuilder("sha256=");
        for (byte b : hmacSha256(utf8(secret), utf8(timestamp + "."), rawBody)) hex.append(String.format("%02x", b));
        // MessageDigest.isEqual compares in constant time.
        return MessageDigest.isEqual(utf8(hex.toString()), utf8(headers.getOrDefault("x-eye-signature", "")));
    }

    /** Standard Webhooks: webhook-signature holds v1,&lt;base64&gt; values, space-separated (two during a rotation). */
    public static boolean standard(String secret, Map<String, String> headers, byte[] rawBody) throws Exception {
        String msgId = headers.getOrDefault("webhook-id", "");
        String timestamp = headers.getOrDefault("webhook-timestamp", "");
        if (msgId.isEmpty() || !fresh(timestamp)) return false;
        byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
        byte[] expected = utf8(Base64.getEncoder().encodeToString(hmacSha256(key, utf8(msgId + "." + timestamp + "."), rawBody)));
        for (String candidate : headers.getOrDefault("webhook-signature", "").split(" ")) {
            if (candidate.startsWith("v1,") && MessageDigest.isEqual(expected, utf8(candidate.substring(3)))) return true;
        }
        return false;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> headers = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1], "headers"), StandardCharsets.UTF_8)) {
            int colon = line.indexOf(": ");
            if (colon > 0) headers.put(line.substring(0, colon).toLowerCase(), line.substring(colon + 2));
        }
        byte[] body = Files.readAllBytes(Path.of(args[1], "body"));
        System.out.println("classic=" + (classic(args[0], headers, body) ? "ok" : "fail")
                + " standard=" + (standard(args[0], headers, body) ? "ok" : "fail"));
    }
}
