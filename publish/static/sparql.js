/*
 * Maillage — the SPARQL query page (publish/templates/sparql.html).
 *
 * No inline script: the template hands over its data through data- attributes and a JSON island
 * (<script type="application/json" id="sparql-prefixes">, never executed). Everything that comes from
 * the server or from the results is inserted with textContent, never as HTML: a literal
 * "<script>alert(1)</script>" in a result shows as text.
 */
(function () {
  "use strict";

  const page = document.getElementById("sparql-page");
  if (!page) return;

  const endpoint = page.dataset.endpoint || "/sparql";
  const timeLimit = page.dataset.timeLimit || "";
  // IRIs minted by Maillage have no prefix of their own: they are shown relative to the dataset's base IRI
  // (the server may pass it; else the project's default base).
  const baseIri = page.dataset.baseIri || "https://w3id.org/maillage/";

  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const runButton = document.getElementById("run");
  const resetButton = document.getElementById("reset");
  const downloads = document.getElementById("downloads");
  const permalink = document.getElementById("permalink");
  const results = document.getElementById("results");
  const resultsTitle = document.getElementById("titre-resultats");
  const resultsDescription = document.getElementById("description-resultats");
  const statusLine = document.getElementById("status");
  const truncatedNotice = document.getElementById("truncated");
  const errorBox = document.getElementById("error");
  const output = document.getElementById("output");
  const questions = Array.from(document.querySelectorAll("#catalogue button.question"));

  const prefixesText = readJson("sparql-prefixes") || "";
  const knownPrefixes = parsePrefixes(prefixesText);

  // A GET URL longer than this goes as a POST (application/x-www-form-urlencoded) instead.
  const MAX_GET_URL = 6000;
  const RESULT_FORMATS = { results: "json", graph: "ttl" };
  const ACCEPT = {
    results: "application/sparql-results+json",
    graph: "text/turtle",
  };

  // ---- The editor --------------------------------------------------------------------------------

  let editor = null;
  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      lineWrapping: true,
      indentUnit: 2,
      tabSize: 2,
      viewportMargin: Infinity,
      extraKeys: {
        "Ctrl-Enter": () => run(),
        "Cmd-Enter": () => run(),
      },
    });
    editor.getWrapperElement().setAttribute("aria-label", "Requête SPARQL");
  }

  function getQuery() {
    return editor ? editor.getValue() : textarea.value;
  }

  function setQuery(text) {
    if (editor) {
      editor.setValue(text);
      editor.setCursor(editor.lineCount(), 0);
    } else {
      textarea.value = text;
    }
  }

  function focusEditor() {
    if (editor) editor.focus();
    else textarea.focus();
  }

  // ---- Small helpers -----------------------------------------------------------------------------

  function readJson(id) {
    const island = document.getElementById(id);
    if (!island) return null;
    try {
      return JSON.parse(island.textContent);
    } catch (err) {
      return null;
    }
  }

  /** PREFIX lines (or a query's prologue) as [[prefix, namespace], ...], longest namespace first. */
  function parsePrefixes(text) {
    const found = new Map();
    const re = /\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>"{}|^`\\\s]*)>/gi;
    let match;
    while ((match = re.exec(text))) found.set(match[2], match[1] || "");
    return Array.from(found, ([ns, prefix]) => [prefix, ns]).sort((a, b) => b[1].length - a[1].length);
  }

  /** The query form (SELECT, ASK, CONSTRUCT, DESCRIBE, or an update keyword), skipping comments,
   *  strings and IRIs; null when none is found. */
  function queryForm(text) {
    const re = new RegExp(
      [
        "#[^\\n]*",
        "<[^<>\"{}|^`\\\\\\s]*>",
        '"""[\\s\\S]*?"""',
        "'''[\\s\\S]*?'''",
        '"(?:[^"\\\\\\n]|\\\\.)*"',
        "'(?:[^'\\\\\\n]|\\\\.)*'",
        "[?$:][\\w-]+",
        "\\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\\b",
      ].join("|"),
      "gi",
    );
    let match;
    while ((match = re.exec(text))) {
      if (match[1]) return match[1].toUpperCase();
    }
    return null;
  }

  function kindOf(form) {
    return form === "CONSTRUCT" || form === "DESCRIBE" ? "graph" : "results";
  }

  function endpointUrl(params) {
    return endpoint + (endpoint.includes("?") ? "&" : "?") + params.toString();
  }

  const { el, plural } = window.maillageDom;

  function seconds(ms) {
    return (ms / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 2, minimumFractionDigits: 2 }) + "\u00a0s";
  }

  /** An IRI as shown: prefixed (prefixes of the page and of the query, longest namespace first), else
   *  relative to the dataset's base IRI, else whole. Links keep the full IRI. */
  function shorten(iri, prefixes) {
    for (const [prefix, ns] of prefixes) {
      if (ns && iri.startsWith(ns) && iri.length > ns.length) return prefix + ":" + iri.slice(ns.length);
    }
    if (baseIri && iri.startsWith(baseIri) && iri.length > baseIri.length) return iri.slice(baseIri.length);
    return iri;
  }

  function isWebIri(iri) {
    return /^https?:\/\//i.test(iri);
  }

  // ---- Download links ----------------------------------------------------------------------------

  function updateDownloads() {
    const text = getQuery();
    const kind = kindOf(queryForm(text));
    const hasQuery = text.replace(/#[^\n]*/g, "").replace(/\bPREFIX\s+[\w.-]*:\s*<[^>]*>/gi, "").trim() !== "";
    downloads.hidden = !hasQuery;
    permalink.href = endpointUrl(new URLSearchParams({ query: text }));
    for (const set of downloads.querySelectorAll(".download-set")) {
      set.hidden = set.dataset.kind !== kind;
      if (set.hidden) continue;
      for (const link of set.querySelectorAll("a[data-format]")) {
        link.href = endpointUrl(new URLSearchParams({ query: text, format: link.dataset.format }));
        link.setAttribute("download", "maillage-resultats." + link.dataset.ext);
      }
    }
  }

  let downloadTimer = null;
  function scheduleDownloads() {
    clearTimeout(downloadTimer);
    downloadTimer = setTimeout(updateDownloads, 250);
  }

  // ---- Running a query ---------------------------------------------------------------------------

  let controller = null;
  let errorMark = null; // the line CodeMirror marks after a syntax error

  function clearResults() {
    if (errorMark) {
      errorMark.clear();
      errorMark = null;
    }
    errorBox.hidden = true;
    errorBox.replaceChildren();
    truncatedNotice.hidden = true;
    truncatedNotice.replaceChildren();
    output.replaceChildren();
    statusLine.textContent = "";
  }

  function setBusy(busy) {
    runButton.disabled = busy;
    runButton.textContent = busy ? "Requête en cours…" : "Lancer la requête";
    results.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async function run(title, description) {
    clearTimeout(downloadTimer);
    updateDownloads();
    const text = getQuery();
    const kind = kindOf(queryForm(text));
    const params = new URLSearchParams({ query: text, format: RESULT_FORMATS[kind] });

    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;

    results.hidden = false;
    resultsTitle.textContent = title ? "Résultats — " + title : "Résultats";
    resultsDescription.textContent = description || "";
    resultsDescription.hidden = !description;
    clearResults();
    setBusy(true);
    statusLine.textContent = "Requête en cours…";

    const started = performance.now();
    let response;
    let body;
    try {
      const url = endpointUrl(params);
      const headers = { Accept: ACCEPT[kind] };
      if (url.length <= MAX_GET_URL) {
        response = await fetch(url, { headers, signal, credentials: "same-origin" });
      } else {
        response = await fetch(endpoint, { method: "POST", body: params, headers, signal, credentials: "same-origin" });
      }
      body = await response.text();
    } catch (err) {
      if (err.name === "AbortError") return;
      setBusy(false);
      statusLine.textContent = "";
      showError("Impossible de joindre le serveur : la requête n'a pas pu être envoyée.", String(err.message || err));
      revealResults();
      return;
    }
    if (signal.aborted) return;
    setBusy(false);
    const elapsed = performance.now() - started;
    revealResults();

    if (!response.ok) {
      statusLine.textContent = "";
      showHttpError(response.status, body);
      return;
    }

    const type = (response.headers.get("Content-Type") || "").toLowerCase();
    const truncated = response.headers.get("X-Maillage-Truncated");

    if (type.includes("sparql-results+json") || (type.includes("json") && !type.includes("ld+json"))) {
      let data;
      try {
        data = JSON.parse(body);
      } catch (err) {
        showError("Le serveur a répondu par un JSON illisible.", String(err.message || err));
        return;
      }
      if (typeof data.boolean === "boolean") {
        showBoolean(data.boolean, elapsed);
      } else if (data.head && data.results) {
        showTable(data, text, elapsed, truncated);
      } else {
        showText(body, elapsed, truncated);
      }
    } else {
      showText(body, elapsed, truncated);
    }
  }

  // ---- Showing results ---------------------------------------------------------------------------

  /** Bring the results into view when they start below the visible part of the page. */
  function revealResults() {
    if (results.getBoundingClientRect().top > window.innerHeight - 160) {
      results.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  function showTruncated(truncated, shown) {
    if (!truncated) return;
    const limit = Number.parseInt(truncated, 10);
    const count = Number.isFinite(limit) ? limit : shown;
    truncatedNotice.replaceChildren(
      el("strong", null, "Résultats tronqués. "),
      document.createTextNode(
        "Le point d'accès renvoie au plus " + plural(count, "ligne", "lignes") +
          " : la requête en a davantage. Affinez-la, ou parcourez les résultats avec LIMIT et OFFSET.",
      ),
    );
    truncatedNotice.hidden = false;
  }

  function showBoolean(value, elapsed) {
    statusLine.textContent = "Réponse à la question (ASK) · " + seconds(elapsed);
    const answer = el("p", "boolean " + (value ? "boolean-true" : "boolean-false"), value ? "oui" : "non");
    output.replaceChildren(answer);
  }

  function showText(text, elapsed, truncated) {
    const lines = text ? text.split("\n").filter((line) => line.trim() !== "").length : 0;
    statusLine.textContent = plural(lines, "ligne", "lignes") + " de Turtle · " + seconds(elapsed);
    showTruncated(truncated, lines);
    const pre = el("pre", "graph-text", text || "(graphe vide)");
    output.replaceChildren(pre);
  }

  function showTable(data, queryText, elapsed, truncated) {
    const vars = data.head.vars || [];
    const rows = data.results.bindings || [];
    const prefixes = parsePrefixes(queryText + "\n" + prefixesText).concat(knownPrefixes);
    prefixes.sort((a, b) => b[1].length - a[1].length);

    statusLine.textContent =
      (rows.length === 0 ? "Aucun résultat" : plural(rows.length, "ligne", "lignes")) + " · " + seconds(elapsed);
    showTruncated(truncated, rows.length);
    if (rows.length === 0) return;

    const table = el("table", "results-table");
    const thead = el("thead");
    const headRow = el("tr");
    headRow.appendChild(el("th", "row-number", "#"));
    for (const name of vars) {
      const th = el("th", null, "?" + name);
      th.scope = "col";
      th.dataset.var = name;
      headRow.appendChild(th);
    }
    thead.appendChild(headRow);
    table.appendChild(thead);

    const tbody = el("tbody");
    rows.forEach((binding, index) => {
      const tr = el("tr");
      const number = el("th", "row-number", String(index + 1));
      number.scope = "row";
      tr.appendChild(number);
      for (const name of vars) {
        const td = el("td");
        td.dataset.var = name;
        const term = binding[name];
        if (term) renderTerm(td, term, prefixes);
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    // A column of numbers only is right-aligned, header included.
    vars.forEach((name, index) => {
      const cells = tbody.querySelectorAll("td:nth-child(" + (index + 2) + ")");
      const filled = Array.from(cells).filter((cell) => cell.firstChild);
      if (filled.length && filled.every((cell) => cell.classList.contains("cell-number"))) {
        headRow.children[index + 1].classList.add("cell-number");
      }
    });

    const wrapper = el("div", "table-wrapper");
    wrapper.appendChild(table);
    output.replaceChildren(wrapper);
  }

  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte)$/;
  const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";

  /** One RDF term into a table cell: IRIs as links, literals as text. */
  function renderTerm(cell, term, prefixes) {
    switch (term.type) {
      case "uri": {
        const iri = term.value;
        const node = isWebIri(iri) ? el("a", "iri", shorten(iri, prefixes)) : el("span", "iri", shorten(iri, prefixes));
        if (isWebIri(iri)) node.href = iri;
        node.title = iri;
        cell.appendChild(node);
        cell.classList.add("cell-iri");
        break;
      }
      case "bnode":
        cell.appendChild(el("span", "bnode", "_:" + term.value));
        break;
      case "triple": {
        const triple = term.value || {};
        cell.appendChild(el("span", "triple-mark", "<< "));
        for (const part of ["subject", "predicate", "object"]) {
          if (triple[part]) renderTerm(cell, triple[part], prefixes);
          cell.appendChild(document.createTextNode(" "));
        }
        cell.appendChild(el("span", "triple-mark", ">>"));
        break;
      }
      default: {
        // "literal" (and the old "typed-literal")
        const value = el("span", "literal", term.value);
        cell.appendChild(value);
        const lang = term["xml:lang"];
        const datatype = term.datatype;
        if (lang) {
          const tag = el("span", "lang", "@" + lang);
          tag.title = "langue : " + lang;
          cell.appendChild(tag);
        } else if (datatype && datatype !== XSD_STRING) {
          value.title = shorten(datatype, prefixes);
          if (NUMERIC.test(datatype)) cell.classList.add("cell-number");
        }
      }
    }
  }

  // ---- Errors ------------------------------------------------------------------------------------

  function normalise(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[’']/g, "'")
      .toLowerCase();
  }

  function showError(lead, detail) {
    errorBox.replaceChildren();
    const message = (detail || "").trim();
    // The server may already say it in French: then its own words are enough.
    const leadCore = normalise(lead).slice(0, 24);
    if (!message || !normalise(message).startsWith(leadCore)) {
      errorBox.appendChild(el("p", "error-lead", lead));
    }
    if (message) errorBox.appendChild(el("pre", "server-message", message));
    errorBox.hidden = false;
  }

  /** The server's own message, with its English stock phrases put in French where they are known. */
  function serverMessage(body) {
    return (body || "")
      .trim()
      .replace(/^the query is not valid SPARQL:\s*/i, "")
      .replace(/\bline (\d+), column (\d+):\s*/i, "ligne $1, colonne $2 : ");
  }

  /** Put the cursor where the server says the syntax error is (rdflib: "line N, column M"). */
  function pointAtError(body) {
    const match = /\bline (\d+), column (\d+)/i.exec(body || "");
    if (!match || !editor) return;
    const line = Number.parseInt(match[1], 10) - 1;
    const ch = Math.max(0, Number.parseInt(match[2], 10) - 1);
    if (line < 0 || line >= editor.lineCount()) return;
    if (errorMark) errorMark.clear();
    errorMark = editor.markText({ line, ch: 0 }, { line, ch: editor.getLine(line).length }, { className: "cm-syntax-error" });
    editor.setCursor({ line, ch });
  }

  function showHttpError(status, body) {
    const text = body || "";
    let lead;
    switch (status) {
      case 400:
        lead = "La requête n'est pas du SPARQL valide :";
        pointAtError(text);
        break;
      case 403:
        lead = /\bSERVICE\b/.test(text)
          ? "Les requêtes fédérées (SERVICE) sont refusées : ce point d'accès n'interroge jamais d'autres " +
            "points d'accès ni d'autres adresses."
          : "Ce point d'accès est en lecture seule : il répond aux requêtes SELECT, ASK, CONSTRUCT et " +
            "DESCRIBE, mais refuse les mises à jour (INSERT, DELETE, LOAD…).";
        break;
      case 503:
        lead = /busy|loading|occup/i.test(text)
          ? "Le serveur est occupé par d'autres requêtes : réessayez dans un instant."
          : "La requête a dépassé le temps limite" +
            (timeLimit ? " (" + timeLimit.replace(".", ",") + "\u00a0s)" : "") +
            " et a été arrêtée. Réduisez-la (LIMIT, filtres plus précis) puis relancez-la.";
        break;
      case 404:
        lead = "Le point d'accès SPARQL est introuvable (erreur 404).";
        break;
      case 406:
      case 415:
        lead = "Le serveur ne sait pas répondre dans ce format (erreur " + status + ").";
        break;
      case 413:
      case 414:
        lead = "La requête est trop longue pour le serveur (erreur " + status + ").";
        break;
      case 429:
        lead = "Trop de requêtes en peu de temps : attendez un instant puis relancez.";
        break;
      default:
        lead = "Le serveur a répondu par une erreur (" + status + ").";
    }
    showError(lead, status === 400 ? serverMessage(text) : text);
  }

  // ---- The catalogue -----------------------------------------------------------------------------

  function selectQuestion(button) {
    for (const other of questions) {
      if (other === button) other.setAttribute("aria-current", "true");
      else other.removeAttribute("aria-current");
    }
  }

  function runQuestion(button) {
    setQuery(button.dataset.query || "");
    selectQuestion(button); // after setQuery: an edit of the editor clears the selection
    updateDownloads();
    const hash = "#question=" + encodeURIComponent(button.dataset.name || "");
    if (window.location.hash !== hash) history.replaceState(null, "", hash);
    run(button.dataset.title, button.dataset.description);
  }

  for (const button of questions) {
    button.addEventListener("click", () => runQuestion(button));
  }

  // ---- Wiring ------------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // Ctrl+Enter also from outside the editor (e.g. the textarea when CodeMirror did not load).
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      run();
    }
  });

  resetButton.hidden = false;
  resetButton.addEventListener("click", () => {
    selectQuestion(null);
    setQuery(prefixesText.trimEnd() + "\n\n");
    if (window.location.hash) history.replaceState(null, "", window.location.pathname + window.location.search);
    updateDownloads();
    focusEditor();
  });

  if (editor) {
    editor.on("change", () => {
      selectQuestion(null);
      scheduleDownloads();
    });
  } else {
    textarea.addEventListener("input", scheduleDownloads);
  }
  updateDownloads();

  // A link to /sparql#question=NAME opens the page with that question run.
  const wanted = window.location.hash.startsWith("#question=")
    ? decodeURIComponent(window.location.hash.slice("#question=".length))
    : null;
  const linked = wanted && questions.find((button) => button.dataset.name === wanted);
  if (linked) {
    runQuestion(linked);
  } else if (page.dataset.runInitial === "true") {
    // Opened as /sparql?query=… in a browser: the server put the query in the editor; show its results.
    run();
  } else {
    if (editor) editor.setCursor(editor.lineCount(), 0);
    focusEditor();
  }
})();
