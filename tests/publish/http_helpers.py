"""Plain HTTP calls for the server tests: status, headers and body, errors included."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request


def http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get(base: str, query: str, **params: str) -> tuple[int, dict[str, str], bytes]:
    accept = params.pop("accept", None)
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query, **params})
    return http(url, headers={"Accept": accept} if accept else {})
