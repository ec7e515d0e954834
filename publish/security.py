"""Security headers: what a browser may run, load and send, on every response of the server.

Every page loads its scripts and styles from ``/static`` (no CDN, no inline code), so the policy can forbid
inline script and style outright: text from a fiche that slipped through escaping still could not run.
The standalone network views are one file each (they must open offline, from a disk or a static host), so
their inline scripts and styles are allowed by their SHA-256 in a ``<meta>`` policy written into the file
itself — the same file is safe wherever it is opened, without a server to send headers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from flask import Flask, Response

#: For the server's pages: only this origin's files; no plugins, no <base>, no framing by other sites.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def register(app: Flask) -> None:
    """Send the headers with every response (a route may set its own policy first)."""
    app.after_request(_secure)


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_policy(scripts: Iterable[str], styles: Iterable[str]) -> str:
    """The policy of a standalone page: exactly these inline scripts and styles, nothing loaded from afar.

    ``scripts`` and ``styles`` are the texts between the tags, byte for byte as the page holds them.
    """
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(sorted({_digest(text) for text in scripts})),
            "style-src " + " ".join(sorted({_digest(text) for text in styles})),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
