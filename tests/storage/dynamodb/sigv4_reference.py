#!/usr/bin/env python3
"""AWS Signature Version 4, computed from a captured HTTP request, to check libcurl's signer.

Usage: sigv4_reference.py REQUEST.json
REQUEST.json: {"method", "path", "query", "headers": [[name, value], ...], "signed_headers":
"a;b;c", "body", "secret", "region", "service"}; the date comes from the X-Amz-Date header.
Prints the hex signature. Written from the published algorithm, with the standard library only.
"""

import hashlib
import hmac
import json
import sys
import urllib.parse


def canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    encoded = [(urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
               for k, v in pairs]
    return "&".join(f"{k}={v}" for k, v in sorted(encoded))


def canonical_headers(headers, signed):
    values = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(value.strip().split()))
    lines = []
    for name in signed:
        if name not in values:
            raise SystemExit(f"signed header {name} is not in the request")
        lines.append(f"{name}:{','.join(values[name])}\n")
    return "".join(lines)


def hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signature(request):
    signed = request["signed_headers"].split(";")
    amz_date = next(v for n, v in request["headers"] if n.lower() == "x-amz-date")
    day = amz_date[:8]
    body = request["body"].encode("utf-8")
    canonical = "\n".join([
        request["method"],
        request["path"],
        canonical_query(request.get("query", "")),
        canonical_headers(request["headers"], signed),
        request["signed_headers"],
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{day}/{request['region']}/{request['service']}/aws4_request"
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256",
        amz_date,
        scope,
        hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ])
    key = ("AWS4" + request["secret"]).encode("utf-8")
    for part in (day, request["region"], request["service"], "aws4_request"):
        key = hmac_sha256(key, part)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: sigv4_reference.py REQUEST.json")
    with open(sys.argv[1], encoding="utf-8") as handle:
        print(signature(json.load(handle)))


if __name__ == "__main__":
    main()
