/*
 * Maillage — the landing page's title search, run in the browser over recherche.json (no server needed,
 * so the static site searches too). Titles are compared without case or accents; results are links
 * built with the DOM (text set with textContent, never parsed as HTML).
 */
(function () {
  "use strict";
  const form = document.getElementById("recherche");
  if (!form) return;
  const input = document.getElementById("recherche-texte");
  const list = document.getElementById("recherche-resultats");
  const status = document.getElementById("recherche-statut");
  const root = form.dataset.root || "";
  const LIMIT = 50;
  let index = null;
  let loading = null;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function load() {
    if (!loading) {
      loading = fetch(form.dataset.index)
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (rows) {
          index = rows.map(function (row) { return { row: row, key: fold(row[0] + " " + row[1]) }; });
        })
        .catch(function (error) {
          status.textContent = "La liste des actions n'a pas pu être chargée (" + error.message + ").";
        });
    }
    return loading;
  }

  function show() {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (!words.length || !index) {
      status.textContent = "";
      return;
    }
    const found = index.filter(function (entry) {
      return words.every(function (word) { return entry.key.includes(word); });
    });
    const el = window.maillageDom.el;
    found.slice(0, LIMIT).forEach(function (entry) {
      const item = el("li");
      const link = el("a", null, entry.row[0]);
      link.href = root + entry.row[3];
      item.append(link, el("span", "search-structure", " — " + entry.row[1] + " (" + entry.row[2] + ")"));
      list.append(item);
    });
    status.textContent = found.length > LIMIT
      ? window.maillageDom.plural(found.length, "action trouvée", "actions trouvées") + " ; les " + LIMIT + " premières :"
      : window.maillageDom.plural(found.length, "action trouvée", "actions trouvées");
  }

  input.addEventListener("focus", load);
  input.addEventListener("input", function () { load().then(show); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load().then(show);
  });
  if (input.value) load().then(show);
})();
