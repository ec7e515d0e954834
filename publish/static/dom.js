/*
 * Maillage — small DOM helpers shared by the page scripts (sparql.js, reseau.js), loaded before them.
 *
 * Text from the data only ever goes in with textContent: these helpers never build HTML.
 */
(function () {
  "use strict";

  /** A new element with an optional class and text (set as text, never parsed as HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** "1 ligne", "12 345 lignes": a French count with its noun. */
  function plural(n, one, many) {
    return n.toLocaleString("fr-FR") + "\u00a0" + (n === 1 ? one : many);
  }

  window.maillageDom = { el: el, plural: plural };
})();
