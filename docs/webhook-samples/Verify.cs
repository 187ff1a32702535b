// Verify an Eye webhook delivery in C# (.NET 6+, base class library only).
//
// Both signature families are checked over the raw body bytes (read Request.Body into a byte array
// and verify before deserializing), with a 5-minute tolerance on the timestamp in both directions.
// `headers` maps header names to values (use a case-insensitive dictionary, or lower-case names).
//
//   bool ok = EyeWebhook.VerifyClassic(secret, headers, rawBody) || EyeWebhook.VerifyStandard(secret, headers, rawBody);
//
// Command line (used by the relay's tests; a file-based app, .NET 10+): dotnet run Verify.cs -- <secret> <case dir>
// prints "classic=ok|fail standard=ok|fail".
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
foreach (var line in File.ReadAllLines(Path.Combine(args[1], "headers"), Encoding.UTF8))
{
    var colon = line.IndexOf(": ", StringComparison.Ordinal);
    if (colon > 0) headers[line[..colon]] = line[(colon + 2)..];
}
var body = File.ReadAllBytes(Path.Combine(args[1], "body"));
string Result(bool ok) => ok ? "ok" : "fail";
Console.WriteLine($"classic={Result(EyeWebhook.VerifyClassic(args[0], headers, body))} standard={Result(EyeWebhook.VerifyStandard(args[0], headers, body))}");

public static class EyeWebhook
{
    const long ToleranceS = 5 * 60;

    static bool Fresh(string timestamp)
    {
        if (!Regex.IsMatch(timestamp, @"\A[0-9]{1,12}\z")) return false;
        return Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(timestamp)) <= ToleranceS;
    }

    static string Header(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value : "";

    static byte[] Mac(byte[] key, string prefix, byte[] body) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(prefix).Concat(body).ToArray());

    // X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value.
    public static bool VerifyClassic(string secret, IReadOnlyDictionary<string, string> headers, byte[] rawBody)
    {
        var timestamp = Header(headers, "x-eye-timestamp");
        if (!Fresh(timestamp)) return false;
        var expected = "sha256=" + Convert.ToHexString(Mac(Encoding.UTF8.GetBytes(secret), timestamp + ".", rawBody)).ToLowerInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(Header(headers, "x-eye-signature")));
    }

    // Standard Webhooks: webhook-signature holds "v1,<base64>" values, space-separated (two during a rotation).
    public static bool VerifyStandard(string secret, IReadOnlyDictionary<string, string> headers, byte[] rawBody)
    {
        var msgId = Header(headers, "webhook-id");
        var timestamp = Header(headers, "webhook-timestamp");
        if (msgId.Length == 0 || !Fresh(timestamp)) return false;
        byte[] key;
        try { key = Convert.FromBase64String(secret.StartsWith("whsec_") ? secret[6..] : secret); }
        catch (FormatException) { return false; }
        var expected = Encoding.UTF8.GetBytes(Convert.ToBase64String(Mac(key, $"{msgId}.{timestamp}.", rawBody)));
        return Header(headers, "webhook-signature").Split(' ').Any(candidate =>
            candidate.StartsWith("v1,") && CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(candidate[3..])));
    }
}
