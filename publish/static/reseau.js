/*
 * Maillage — the interactive network view (publish/templates/vue-reseau.html, macro `panel`), on the
 * /reseau page and in the standalone files written by maillage.publish.views.write_view.
 *
 * No data in this code and no inline script: the network comes from the JSON island (the script element
 * of type application/json with id "reseau-donnees", never executed), read with JSON.parse. Every text
 * that comes from the data (labels, départements, action titles) is inserted with textContent or given to
 * vis-network, which draws labels on the canvas and shows tooltips built here as DOM elements — never
 * through innerHTML: a label holding markup shows as text and runs nothing.
 *
 * Physics that settles: the layout is stabilised with a bounded number of iterations (the options come
 * from the server), then physics is switched off; nodes stay put.
 *
 * For tests: window.maillageReseau = { network, nodes, edges, data, visibleNodeIds() }, and the canvas
 * container carries data-state ("chargement", "disposition", "stable", "vide", "erreur") and data-visible
 * (the number of nodes shown after the filters of the menu).
 */
(function () {
  "use strict";

  // ---- The form of the /reseau page: a control that does not apply to the chosen network is disabled
  // (and so not sent). Its data-kinds attribute lists the networks it applies to.
  const kindSelect = document.getElementById("f-type");
  if (kindSelect) {
    const dependent = Array.from(document.querySelectorAll("#reseau-form [data-kinds]"));
    const sync = () => {
      for (const control of dependent) {
        const applies = control.dataset.kinds.split(" ").includes(kindSelect.value);
        control.disabled = !applies;
        control.parentElement.classList.toggle("reseau-sans-objet", !applies);
      }
    };
    kindSelect.addEventListener("change", sync);
    sync();
  }

  const root = document.getElementById("reseau");
  if (!root) return;

  const container = document.getElementById("reseau-canvas");
  const statusLine = document.getElementById("reseau-etat");
  const detail = document.getElementById("reseau-detail");
  const search = document.getElementById("reseau-recherche");
  const names = document.getElementById("reseau-noms");
  const communitySelect = document.getElementById("reseau-communaute");
  const kindBoxes = Array.from(root.querySelectorAll("input[name='reseau-type']"));
  const showAll = document.getElementById("reseau-tout");
  const refit = document.getElementById("reseau-recentrer");

  // Colours of dimmed items, when a node's neighbourhood is highlighted.
  const DIM_NODE = { background: "#e1e6ec", border: "#ffffff", highlight: { background: "#e1e6ec", border: "#ffffff" },
    hover: { background: "#c9d1da", border: "#ffffff" } };
  const DIM_FONT = { color: "#aab4bf" };
  const DIM_EDGE = { color: "#edf0f3", highlight: "#edf0f3", hover: "#d8dee6", opacity: 1 };

  // ---- Small helpers -----------------------------------------------------------------------------

  const { el, plural } = window.maillageDom;

  function setState(state) {
    container.dataset.state = state;
  }

  function fail(message) {
    setState("erreur");
    statusLine.textContent = message;
    statusLine.classList.add("reseau-erreur");
  }

  function readData() {
    const island = document.getElementById("reseau-donnees");
    if (!island) return null;
    try {
      return JSON.parse(island.textContent);
    } catch (err) {
      return null;
    }
  }

  /** A tooltip's plain text lines as a DOM element: the first line as its title, "• " lines as a list. */
  function tooltip(text) {
    const box = el("div", "reseau-infobulle");
    const lines = String(text || "").split("\n");
    box.appendChild(el("strong", "reseau-infobulle-titre", lines[0]));
    let list = null; // consecutive "• " lines (an edge's action titles) share one list
    for (const line of lines.slice(1)) {
      if (line.startsWith("• ")) {
        if (!list) list = box.appendChild(el("ul", "reseau-infobulle-actions"));
        list.appendChild(el("li", null, line.slice(2)));
      } else {
        list = null;
        const more = line.startsWith("… "); // "… et N autres"
        box.appendChild(el("div", more ? "reseau-infobulle-suite" : "reseau-infobulle-ligne", line));
      }
    }
    return box;
  }

  function isWebIri(iri) {
    return /^https?:\/\//i.test(iri);
  }

  // ---- The network -------------------------------------------------------------------------------

  const data = readData();
  if (!data || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
    fail("Les données du réseau sont illisibles.");
    return;
  }
  if (!window.vis || !window.vis.Network || !window.vis.DataSet) {
    fail("La bibliothèque de dessin (vis-network) n'a pas pu être chargée : le réseau ne peut pas être affiché.");
    return;
  }

  const byId = new Map();
  for (const node of data.nodes) byId.set(node.id, node);

  const nodes = new window.vis.DataSet(
    data.nodes.map((node) => Object.assign({}, node, { title: tooltip(node.title), texte: node.title })),
  );
  const edges = new window.vis.DataSet(
    data.edges.map((edge) => Object.assign({}, edge, { title: tooltip(edge.title), texte: edge.title })),
  );

  // Neighbours, for highlighting and for the search.
  const neighbours = new Map();
  for (const node of data.nodes) neighbours.set(node.id, new Set());
  for (const edge of data.edges) {
    if (neighbours.has(edge.from)) neighbours.get(edge.from).add(edge.to);
    if (neighbours.has(edge.to)) neighbours.get(edge.to).add(edge.from);
  }

  if (data.nodes.length === 0) {
    setState("vide");
    container.dataset.visible = "0";
    window.maillageReseau = { network: null, nodes, edges, data, visibleNodeIds: () => [] };
    return;
  }

  setState("disposition");
  const network = new window.vis.Network(container, { nodes, edges }, data.options || {});

  const MAX_ZOOM = 1.5;
  function fit(ids, animate) {
    const options = { maxZoomLevel: MAX_ZOOM, animation: animate ? { duration: 300 } : false };
    if (ids) options.nodes = ids;
    network.fit(options);
  }

  let settled = false;
  function settle() {
    if (settled) return;
    settled = true;
    network.setOptions({ physics: false });
    // The nodes moved during the (undrawn) stabilisation: draw once so that their bounding boxes, labels
    // included, are current, then fit; a small network is not blown up past 1.5×.
    network.redraw();
    fit();
    setState("stable");
    showCounts();
  }
  network.on("stabilizationProgress", (progress) => {
    if (!progress.total) return;
    const percent = Math.round((100 * progress.iterations) / progress.total);
    statusLine.textContent = "Disposition du réseau… " + percent + "\u00a0%";
  });
  network.once("stabilizationIterationsDone", settle);
  network.once("stabilized", settle);

  // ---- What is shown: the kinds and the community of the menu --------------------------------------

  let highlighted = null; // the ids whose neighbourhood is highlighted

  function filters() {
    const kinds = new Set(kindBoxes.filter((box) => box.checked).map((box) => box.value));
    const community = communitySelect ? communitySelect.value : "";
    return { kinds, community };
  }

  function isShown(node, wanted) {
    if (kindBoxes.length && !wanted.kinds.has(node.group)) return false;
    if (wanted.community !== "" && String(node.communaute) !== wanted.community) return false;
    return true;
  }

  function visibleNodeIds() {
    const wanted = filters();
    return data.nodes.filter((node) => isShown(node, wanted)).map((node) => node.id);
  }

  function applyFilters() {
    const wanted = filters();
    const shown = new Set();
    const nodeUpdates = data.nodes.map((node) => {
      const visible = isShown(node, wanted);
      if (visible) shown.add(node.id);
      return { id: node.id, hidden: !visible };
    });
    nodes.update(nodeUpdates);
    edges.update(data.edges.map((edge) => ({ id: edge.id, hidden: !(shown.has(edge.from) && shown.has(edge.to)) })));
    if (highlighted) {
      const still = highlighted.filter((id) => shown.has(id));
      if (still.length) highlight(still);
      else clearHighlight();
    }
    container.dataset.visible = String(shown.size);
    showCounts();
    if (settled && shown.size) fit(Array.from(shown), true);
  }

  function showCounts() {
    const ids = new Set(visibleNodeIds());
    const edgeCount = data.edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to)).length;
    container.dataset.visible = String(ids.size);
    statusLine.classList.remove("reseau-erreur");
    if (ids.size === 0) {
      statusLine.textContent = "Aucun nœud ne répond aux filtres du menu.";
    } else if (ids.size === data.nodes.length) {
      statusLine.textContent = plural(ids.size, "nœud", "nœuds") + " et " + plural(edgeCount, "lien", "liens") + " affichés.";
    } else {
      statusLine.textContent =
        plural(ids.size, "nœud", "nœuds") + " sur " + data.nodes.length.toLocaleString("fr-FR") + " et " +
        plural(edgeCount, "lien", "liens") + " affichés (filtres du menu).";
    }
  }

  // ---- Highlighting a neighbourhood ----------------------------------------------------------------

  /** A node's colour when not dimmed: its own (a view coloured by département) or its group's (null). */
  function ownColour(node) {
    return node.color || null;
  }

  function highlight(ids) {
    highlighted = ids;
    const keep = new Set(ids);
    for (const id of ids) for (const other of neighbours.get(id) || []) keep.add(other);
    nodes.update(data.nodes.map((node) => keep.has(node.id)
      ? { id: node.id, color: ownColour(node), font: null }
      : { id: node.id, color: DIM_NODE, font: DIM_FONT }));
    edges.update(data.edges.map((edge) => (ids.includes(edge.from) || ids.includes(edge.to))
      ? { id: edge.id, color: null }
      : { id: edge.id, color: DIM_EDGE }));
  }

  function clearHighlight() {
    if (!highlighted) return;
    highlighted = null;
    nodes.update(data.nodes.map((node) => ({ id: node.id, color: ownColour(node), font: null })));
    edges.update(data.edges.map((edge) => ({ id: edge.id, color: null })));
  }

  function showDetail(text, iri) {
    if (!detail) return;
    if (!text) {
      detail.hidden = true;
      detail.replaceChildren();
      return;
    }
    const box = tooltip(text);
    if (iri && isWebIri(iri)) {
      const link = el("a", "reseau-lien", "Voir la ressource");
      link.href = iri;
      link.title = iri;
      box.appendChild(link);
    }
    detail.replaceChildren(box);
    detail.hidden = false;
  }

  function selectNodes(ids, focus) {
    if (!ids.length) return;
    network.selectNodes(ids);
    highlight(ids);
    const first = byId.get(ids[0]);
    showDetail(first ? first.title : "", ids[0]);
    if (focus) {
      const around = new Set(ids);
      for (const id of ids) for (const other of neighbours.get(id) || []) around.add(other);
      fit(Array.from(around), true);
    }
  }

  network.on("click", (params) => {
    if (params.nodes && params.nodes.length) {
      selectNodes(params.nodes, false);
    } else if (params.edges && params.edges.length) {
      clearHighlight();
      const edge = edges.get(params.edges[0]);
      showDetail(edge ? edge.texte : "");
    } else {
      clearHighlight();
      showDetail("");
    }
  });

  // ---- The search ----------------------------------------------------------------------------------

  const byName = new Map();
  for (const node of data.nodes) {
    const key = String(node.nom || node.label || node.id);
    if (!byName.has(key)) byName.set(key, []);
    byName.get(key).push(node.id);
  }
  if (names) {
    const sorted = Array.from(byName.keys()).sort((a, b) => a.localeCompare(b, "fr"));
    const fragment = document.createDocumentFragment();
    for (const name of sorted) {
      const option = document.createElement("option");
      option.value = name; // a property, not markup
      fragment.appendChild(option);
    }
    names.appendChild(fragment);
  }

  function normalise(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function find(text) {
    if (byName.has(text)) return byName.get(text);
    const wanted = normalise(text);
    if (!wanted) return [];
    const exact = [];
    const partial = [];
    for (const [name, ids] of byName) {
      const key = normalise(name);
      if (key === wanted) exact.push(...ids);
      else if (key.includes(wanted)) partial.push(...ids);
    }
    return exact.length ? exact : partial.slice(0, 1);
  }

  function runSearch() {
    const text = search.value;
    if (!text.trim()) return;
    const ids = find(text);
    if (!ids.length) {
      statusLine.textContent = "Aucun nœud ne s'appelle « " + text + " ».";
      return;
    }
    // A node hidden by the menu's filters is shown again: the search wins.
    const wanted = filters();
    const hidden = ids.map((id) => byId.get(id)).filter((node) => node && !isShown(node, wanted));
    for (const node of hidden) {
      const box = kindBoxes.find((b) => b.value === node.group);
      if (box) box.checked = true;
      if (communitySelect && communitySelect.value !== "" && String(node.communaute) !== communitySelect.value) {
        communitySelect.value = "";
      }
    }
    if (hidden.length) applyFilters();
    selectNodes(ids, true);
    showCounts();
  }

  if (search) {
    search.addEventListener("change", runSearch);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        runSearch();
      }
    });
  }

  // ---- The menu ------------------------------------------------------------------------------------

  for (const box of kindBoxes) box.addEventListener("change", applyFilters);
  if (communitySelect) communitySelect.addEventListener("change", applyFilters);
  if (showAll) {
    showAll.addEventListener("click", () => {
      for (const box of kindBoxes) box.checked = true;
      if (communitySelect) communitySelect.value = "";
      if (search) search.value = "";
      network.unselectAll();
      clearHighlight();
      showDetail("");
      applyFilters();
    });
  }
  if (refit) refit.addEventListener("click", () => fit(null, true));

  container.dataset.visible = String(data.nodes.length);
  window.maillageReseau = { network, nodes, edges, data, visibleNodeIds };
})();
