"""Verify an Eye webhook delivery in Python (3.8+, standard library only).

Both signature families are checked over the raw body bytes (verify before parsing JSON), with a
5-minute tolerance on the timestamp in both directions (too old: a replay; too far ahead: a forged
or badly skewed clock). `headers` maps lower-case header names to values.

    ok = verify_classic(secret, headers, raw_body) or verify_standard(secret, headers, raw_body)

Command line (used by the relay's tests): python3 verify.py <secret> <case dir with `headers`, `body`>
prints `classic=ok|fail standard=ok|fail`.
"""
import base64
import hashlib
import hmac
import re
import sys
import time

TOLERANCE_S = 5 * 60


def _fresh(timestamp):
    if not re.fullmatch(r"[0-9]{1,12}", timestamp or ""):
        return False
    return abs(time.time() - int(timestamp)) <= TOLERANCE_S


def verify_classic(secret, headers, raw_body):
    """X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value."""
    timestamp = headers.get("x-eye-timestamp", "")
    if not _fresh(timestamp):
        return False
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + raw_body, hashlib.sha256)
    expected = ("sha256=" + mac.hexdigest()).encode("ascii")
    return hmac.compare_digest(expected, headers.get("x-eye-signature", "").encode("utf-8"))


def verify_standard(secret, headers, raw_body):
    """Standard Webhooks: webhook-signature holds `v1,<base64>` values, space-separated (two during a rotation)."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not _fresh(timestamp):
        return False
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    signed = msg_id.encode("utf-8") + b"." + timestamp.encode("ascii") + b"." + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in headers.get("webhook-signature", "").split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(expected, value.encode("utf-8")):
            return True
    return False


def _read_case(case_dir):
    headers = {}
    with open(case_dir + "/headers", encoding="utf-8") as f:
        for line in f.read().splitlines():
            name, sep, value = line.partition(": ")
            if sep:
                headers[name.lower()] = value
    with open(case_dir + "/body", "rb") as f:
        return headers, f.read()


if __name__ == "__main__":
    headers, body = _read_case(sys.argv[2])
    result = lambda ok: "ok" if ok else "fail"
    print("classic=%s standard=%s" % (result(verify_classic(sys.argv[1], headers, body)), result(verify_standard(sys.argv[1], headers, body))))
