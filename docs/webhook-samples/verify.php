<?php
/**
 * Verify an Eye webhook delivery in PHP (7.2+, no extensions beyond the standard hash functions).
 *
 * Both signature families are checked over the raw body (file_get_contents('php://input'); verify
 * before json_decode), with a 5-minute tolerance on the timestamp in both directions. $headers maps
 * lower-case header names to values.
 *
 *     $ok = eye_verify_classic($secret, $headers, $rawBody) || eye_verify_standard($secret, $headers, $rawBody);
 *
 * Command line (used by the relay's tests): php verify.php <secret> <case dir with `headers`, `body`>
 * prints `classic=ok|fail standard=ok|fail`.
 */

const EYE_TOLERANCE_S = 300;

function eye_fresh(string $timestamp): bool
{
    if (!preg_match('/\A[0-9]{1,12}\z/', $timestamp)) {
        return false;
    }
    return abs(time() - (int) $timestamp) <= EYE_TOLERANCE_S;
}

/** X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value. */
function eye_verify_classic(string $secret, array $headers, string $rawBody): bool
{
    $timestamp = $headers['x-eye-timestamp'] ?? '';
    if (!eye_fresh($timestamp)) {
        return false;
    }
    $expected = 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
    return hash_equals($expected, $headers['x-eye-signature'] ?? '');
}

/** Standard Webhooks: webhook-signature holds `v1,<base64>` values, space-separated (two during a rotation). */
function eye_verify_standard(string $secret, array $headers, string $rawBody): bool
{
    $msgId = $headers['webhook-id'] ?? '';
    $timestamp = $headers['webhook-timestamp'] ?? '';
    if ($msgId === '' || !eye_fresh($timestamp)) {
        return false;
    }
    $key = base64_decode(strpos($secret, 'whsec_') === 0 ? substr($secret, 6) : $secret, true);
    if ($key === false) {
        return false;
    }
    $expected = base64_encode(hash_hmac('sha256', $msgId . '.' . $timestamp . '.' . $rawBody, $key, true));
    foreach (explode(' ', $headers['webhook-signature'] ?? '') as $candidate) {
        $parts = explode(',', $candidate, 2);
        if (count($parts) === 2 && $parts[0] === 'v1' && hash_equals($expected, $parts[1])) {
            return true;
        }
    }
    return false;
}

if (PHP_SAPI === 'cli' && realpath($argv[0] ?? '') === __FILE__) {
    $headers = [];
    foreach (explode("\n", file_get_contents($argv[2] . '/headers')) as $line) {
        $parts = explode(': ', $line, 2);
        if (count($parts) === 2) {
            $headers[strtolower($parts[0])] = $parts[1];
        }
    }
    $body = file_get_contents($argv[2] . '/body');
    $result = function (bool $ok): string { return $ok ? 'ok' : 'fail'; };
    echo 'classic=' . $result(eye_verify_classic($argv[1], $headers, $body)) . ' standard=' . $result(eye_verify_standard($argv[1], $headers, $body)) . "\n";
}
