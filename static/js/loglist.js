// The log list as a window: of the lines kept (at most MAX_KEPT; a long tail drops its
// oldest), only about WINDOW are in the document; the others wait detached above or below
// it and come back a CHUNK at a time as the reader scrolls near an end. The browser then
// lays out and restyles a bounded number of lines, whatever the container writes: a tail
// of 20,000 lines no longer makes each new line, or 'Wrap long lines', re-lay out all.
// The search page, the polling tail (logs.js) and the socket tail (logtail.js) all add
// their lines through window.logList.
(() => {
  const MAX_KEPT = 20000;
  const WINDOW = 1000; // a result starts with fewer: console/logs/views.py's IN_DOCUMENT
  const CHUNK = 500;
  const EDGE_PX = 400; // this near an end of the window, the next chunk comes in
  let above = []; // detached lines older than the window, oldest first
  // A result's older lines as the server sent them, markup not yet parsed: they come
  // before `above` and are parsed only when first needed, so the page loads without them.
  let unparsed = null;
  let unparsedCount = 0;
  let below = []; // detached lines newer than the window (the reader scrolled up)

  const list = () => document.getElementById("log-lines");
  const scroller = () => document.getElementById("log-scroll");

  // Keep what the reader looks at in place while lines come and go above it (whether or
  // not the browser's own scroll anchoring already did).
  function keepingPlace(anchor, change) {
    const box = scroller();
    const before = anchor?.getBoundingClientRect().top;
    change();
    if (anchor && box && anchor.isConnected) box.scrollTop += anchor.getBoundingClientRect().top - before;
  }

  // `above` with the page's older lines in it, parsed now if they were not yet.
  function older() {
    if (unparsed !== null) {
      const template = document.createElement("template");
      template.innerHTML = unparsed; // the server's escaped markup, as when it was in the page
      above = Array.from(template.content.children).concat(above);
      unparsed = null;
      unparsedCount = 0;
    }
    return above;
  }

  function detach(nodes) {
    nodes.forEach((node) => node.remove());
    return nodes;
  }

  function dropOldest() {
    const element = list();
    const shown = element ? element.children.length : 0;
    let extra = above.length + unparsedCount + shown + below.length - MAX_KEPT;
    if (extra <= 0) return;
    older();
    const fromAbove = Math.min(extra, above.length);
    above.splice(0, fromAbove);
    extra -= fromAbove;
    while (extra-- > 0 && element?.firstElementChild) element.firstElementChild.remove();
  }

  // More than WINDOW + slack lines in the document: the oldest go above (fromTop, the
  // reader's place kept), or the newest go below (the reader is up in the list).
  function shrink(fromTop, slack) {
    const element = list();
    const excess = element.children.length - WINDOW;
    if (excess <= slack) return;
    const lines = Array.from(element.children);
    if (fromTop) {
      keepingPlace(lines[excess], () => {
        for (const node of detach(lines.slice(0, excess))) above.push(node);
      });
    } else {
      below = detach(lines.slice(WINDOW)).concat(below);
    }
  }

  // New lines (<li> elements): shown when the newest are in the document, else kept
  // below. Returns whether they are in the document.
  function add(nodes, following) {
    const element = list();
    if (!element || !nodes.length) return false;
    if (below.length) {
      for (const node of nodes) below.push(node);
      dropOldest();
      return false;
    }
    const fragment = document.createDocumentFragment();
    fragment.append(...nodes);
    element.append(fragment);
    // Following: the window moves on with the newest. Reading: it grows by a chunk, then
    // the newest wait below and the page offers a jump to them.
    if (following) shrink(true, 0);
    else shrink(false, CHUNK);
    dropOldest();
    return true;
  }

  // Lines that htmx put at the end of the list (the polling tail) from index `from` on.
  function adopt(from, following) {
    const element = list();
    if (!element || element.children.length <= from) return false;
    const fresh = detach(Array.from(element.children).slice(from));
    return add(fresh, following);
  }

  // A new result in the page: everything but its newest lines waits above (the server
  // sends the older ones as markup in a <script type="text/html">, parsed when needed).
  function reset() {
    const sent = document.getElementById("log-older");
    unparsed = sent ? sent.textContent : null;
    unparsedCount = sent ? Number(sent.dataset.lines) : 0;
    sent?.remove();
    above = [];
    below = [];
    const element = list();
    if (!element) return;
    const excess = element.children.length - WINDOW;
    if (excess > 0) above = above.concat(detach(Array.from(element.children).slice(0, excess)));
  }

  // The newest lines in the document again (the reader asked to jump to them).
  function toNewest() {
    const element = list();
    if (!element || !below.length) return;
    const all = older().concat(detach(Array.from(element.children)), below);
    below = [];
    above = all.slice(0, Math.max(0, all.length - WINDOW));
    const fragment = document.createDocumentFragment();
    fragment.append(...all.slice(above.length));
    element.append(fragment);
  }

  function onScroll(event) {
    const box = event.target;
    if (box.id !== "log-scroll") return;
    const element = list();
    if (!element) return;
    if (box.scrollTop < EDGE_PX && above.length + unparsedCount) {
      const lines = older();
      const chunk = lines.splice(Math.max(0, lines.length - CHUNK));
      const fragment = document.createDocumentFragment();
      fragment.append(...chunk);
      keepingPlace(element.firstElementChild, () => element.prepend(fragment));
      shrink(false, CHUNK);
    } else if (box.scrollHeight - box.scrollTop - box.clientHeight < EDGE_PX && below.length) {
      const fragment = document.createDocumentFragment();
      fragment.append(...below.splice(0, CHUNK));
      element.append(fragment);
      shrink(true, CHUNK);
    }
  }

  document.addEventListener("scroll", onScroll, true);
  window.logList = {
    add,
    adopt,
    reset,
    toNewest,
    hasNewer: () => below.length > 0,
    size: () => above.length + unparsedCount + (list()?.children.length || 0) + below.length,
  };
  reset();
})();
