"""The SPARQL query page in a real browser: Debian's Chromium, driven by Playwright, against `maillage serve`.

The browser is /usr/bin/chromium (`make browser` installs it); Playwright never downloads one. Every request
the page makes is recorded, and any that would leave 127.0.0.1 is blocked and fails the test: the page must
load nothing from a CDN or the internet.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/maillage-query-page.png")
# The page must work under a strict policy: no inline script, handler or style attribute, nothing from
# elsewhere. Added to the page's response unless the server sends a policy of its own.
STRICT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
QUESTION = "Actions par mot-clé"
TIMEOUT_MS = 20_000


@dataclass
class Browsing:
    """A page and what it did: every request, the ones blocked, the script errors and the dialogs."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        outside = [url for url in self.requests if not _local(url)]
        assert not outside, f"the page made requests that leave 127.0.0.1: {outside}"
        assert not self.blocked, f"requests blocked: {self.blocked}"
        assert not self.errors, f"script errors on the page: {self.errors}"
        assert not self.dialogs, f"the page opened dialogs (a script ran from data?): {self.dialogs}"


def _local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not at /usr/bin/chromium: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browse(browser) -> Iterator[Callable[[str], Browsing]]:
    """Open /sparql of a server's base URL in a fresh browser context that lets nothing leave 127.0.0.1."""
    contexts = []

    def open_page(base: str) -> Browsing:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                      service_workers="block")
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        seen = Browsing(page, base)

        def guard(route) -> None:
            if not _local(route.request.url):
                seen.blocked.append(route.request.url)
                route.abort()
            elif route.request.is_navigation_request():
                response = route.fetch()
                headers = dict(response.headers)
                headers.setdefault("content-security-policy", STRICT_CSP)
                route.fulfill(response=response, headers=headers)
            else:
                route.continue_()

        context.route("**/*", guard)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        # Errors logged to the console fail the test (a CSP violation is one). A 400 answer is logged by
        # Chromium as "Failed to load resource": that one is expected.
        page.on("console", lambda message: seen.errors.append(message.text)
                if message.type == "error" and "Failed to load resource" not in message.text else None)
        page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
        response = page.goto(f"{base}/sparql")
        assert response is not None and response.ok, (
            f"GET /sparql from Chromium (Accept: {response.request.all_headers().get('accept')}) answered "
            f"{response.status} {response.headers.get('content-type')}: {response.text()[:200]!r}")
        assert response.headers["content-type"].startswith("text/html")
        return seen

    yield open_page
    for context in contexts:
        context.close()


def _endpoint_json(base: str, query: str) -> dict:
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query, "format": "json"})
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _type_query(page, text: str) -> None:
    """Replace the editor's text as a person would: click in it, select all, type."""
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def _cells(page, var: str) -> list[str]:
    return page.locator(f"#output table tbody td[data-var='{var}']").all_inner_texts()


def test_catalogue_question_shows_its_results(served_seed: str, browse) -> None:
    from playwright.sync_api import expect

    seen = browse(served_seed)
    page = seen.page
    expect(page).to_have_title(re.compile("SPARQL"))
    assert page.locator("html").get_attribute("lang") == "fr"

    # The editor is CodeMirror, with SPARQL highlighting, pre-filled with the prefixes.
    editor = page.locator(".CodeMirror")
    expect(editor).to_be_visible()
    expect(page.locator(".CodeMirror .cm-keyword").first).to_have_text(re.compile("PREFIX", re.IGNORECASE))
    assert "PREFIX mlg:" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    expect(page.get_by_role("button", name="Lancer la requête")).to_be_visible()
    limits = page.locator("#limites")
    expect(limits).to_contain_text(re.compile(r"au plus\s+\d+(,\d+)?\u00a0s"))
    expect(limits).to_contain_text(re.compile(r"au plus\s+[\d\u202f]+\u00a0lignes"))

    # The catalogue: titles and descriptions, one click away.
    questions = page.locator("#catalogue button.question")
    assert questions.count() >= 5
    expect(questions.first.locator(".question-title")).not_to_be_empty()
    expect(questions.first.locator(".question-description")).not_to_be_empty()
    wanted = questions.filter(has_text=QUESTION)
    question = wanted.first if wanted.count() else questions.first
    query = question.get_attribute("data-query")
    question.click()

    # The table the page builds is the endpoint's answer.
    rows = page.locator("#output table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#results h2")).to_contain_text(question.locator(".question-title").inner_text())
    expected = _endpoint_json(served_seed, query)
    variables = expected["head"]["vars"]
    bindings = expected["results"]["bindings"]
    assert rows.count() == len(bindings) > 5
    expect(page.locator("#status")).to_contain_text(f"{len(bindings)}\u00a0lignes")
    headers = page.locator("#output table thead th[data-var]").all_inner_texts()
    assert headers == [f"?{var}" for var in variables]
    expect(page.locator("#truncated")).to_be_hidden()

    # Counts are numbers; IRIs are links (full IRI as href, shortened text); literals are text.
    counts = [var for var in variables if all(
        row.get(var, {}).get("datatype", "").endswith("#integer") for row in bindings)]
    assert counts, f"no count column in {variables}"
    for var in counts:
        values = _cells(page, var)
        assert all(re.fullmatch(r"[1-9]\d*", value) for value in values), values
        assert values == [row[var]["value"] for row in bindings]
    for var in variables:
        first = bindings[0].get(var)
        cell = page.locator(f"#output table tbody tr:first-child td[data-var='{var}']")
        if first and first["type"] == "uri":
            link = cell.locator("a")
            assert link.get_attribute("href") == first["value"]
            assert len(link.inner_text()) <= len(first["value"])
        elif first and first["type"] == "literal":
            assert cell.locator(".literal").inner_text() == first["value"]
    if QUESTION in question.inner_text():
        # The keyword used by the most actions leads the table (read from the answer, not assumed).
        top = max(int(row[counts[0]]["value"]) for row in bindings)
        leaders = {row[v]["value"] for row in bindings if int(row[counts[0]]["value"]) == top
                   for v in variables if row.get(v, {}).get("type") == "literal" and v not in counts}
        first_row = page.locator("#output table tbody tr").first.locator(".literal").all_inner_texts()
        assert leaders & set(first_row), (leaders, first_row)

    # Download links carry the current query.
    csv_link = page.locator("#downloads a[data-format='csv']")
    expect(csv_link).to_be_visible()
    href = csv_link.get_attribute("href")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert params["format"] == ["csv"] and params["query"] == [query]
    download = page.request.get(f"{served_seed}{href}")
    assert download.status == 200 and download.headers["content-type"].startswith("text/csv")

    page.screenshot(path=str(SCREENSHOT), full_page=True)
    seen.assert_clean()


def test_errors_are_shown_in_french(served_seed: str, browse) -> None:
    from playwright.sync_api import expect

    seen = browse(served_seed)
    page = seen.page
    _type_query(page, "SELECT ?s WHERE { ?s ?p }")
    page.get_by_role("button", name="Lancer la requête").click()
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("La requête n'est pas du SPARQL valide")
    expect(error.locator(".server-message")).not_to_be_empty()
    expect(page.locator("#output table")).to_have_count(0)

    _type_query(page, "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    page.keyboard.press("Control+Enter")
    expect(error).to_contain_text("lecture seule")
    seen.assert_clean()


def test_results_are_text_ask_and_construct(served_seed: str, browse) -> None:
    from playwright.sync_api import expect

    seen = browse(served_seed)
    page = seen.page
    # A literal holding markup shows as text: nothing from the results is parsed as HTML.
    _type_query(page, 'SELECT ?x ?y WHERE { BIND("<script>alert(1)</script><b>gras</b>" AS ?x) '
                      'BIND("Mixité"@fr AS ?y) }')
    page.keyboard.press("Control+Enter")
    cell = page.locator("#output table tbody td[data-var='x']")
    expect(cell).to_have_text("<script>alert(1)</script><b>gras</b>")
    assert cell.locator("script, b").count() == 0
    expect(page.locator("#output td[data-var='y'] .lang")).to_have_text("@fr")

    _type_query(page, "ASK { ?action ?p ?o }")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#output .boolean")).to_have_text("oui")

    _type_query(page, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#output pre")).to_contain_text("<http")
    expect(page.locator("#downloads a[data-format='ttl']")).to_be_visible()
    seen.assert_clean()


def test_truncated_answers_are_flagged(start_server, browse) -> None:
    from playwright.sync_api import expect

    base = start_server("--max-rows", "3")
    seen = browse(base)
    page = seen.page
    _type_query(page, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    page.get_by_role("button", name="Lancer la requête").click()
    expect(page.locator("#output table tbody tr")).to_have_count(3)
    notice = page.locator("#truncated")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("tronqués")
    expect(notice).to_contain_text("3")
    seen.assert_clean()
