"""Every response of the server carries the security headers, whatever route or status made it."""

from __future__ import annotations

import pytest
from http_helpers import http

from maillage.publish.security import PAGE_POLICY, inline_policy

PATHS = [
    "/",
    "/index.html",
    "/sparql",
    "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
    "/reseau",
    "/donnees/",
    "/donnees/actions.csv",
    "/ontologie",
    "/structure/31/labo-binette.html",
    "/structure/31/labo-binette.ttl",
    "/.well-known/void",
    "/static/maillage.css",
    "/nulle-part",  # 404
    "/sparql?query=INSERT%20DATA%20%7B%7D",  # refused
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_headers(served_seed: str, path: str) -> None:
    status, headers, _ = http(served_seed + path, headers={"Accept": "text/html, */*;q=0.5"})
    assert status < 500, (path, status)
    assert headers["Content-Security-Policy"] == PAGE_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_page_policy_forbids_inline_code_and_other_origins() -> None:
    directives = dict(d.split(" ", 1) for d in PAGE_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in PAGE_POLICY and "*" not in PAGE_POLICY


def test_an_inline_policy_names_exactly_its_scripts() -> None:
    policy = inline_policy(["alert(1)", "alert(1)"], ["p{}"])
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    # sha256("alert(1)") in base64, as the CSP spec computes it over the UTF-8 text.
    assert directives["script-src"] == "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    assert directives["style-src"].startswith("'sha256-") and directives["default-src"] == "'none'"
