// The live tail over the socket /ws/logs/ (console/logs/tail.py): new lines are pushed
// as data and built here with text nodes, never markup. While the socket is opening or
// open, the polling tail (#tail-poller, htmx every 1 s) waits; when the socket is refused
// or closes, polling goes on from the newest line the socket delivered.
(() => {
  const OPEN_SECONDS = 3;
  let socket = null;
  let state = "off"; // "opening", "live" or "off"
  let cursor = null; // [after ns, lines seen at it] of the newest line delivered

  const poller = () => document.getElementById("tail-poller");
  const scroller = () => document.getElementById("log-scroll");
  const atBottom = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 40;

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.id === "tail-poller" && state !== "off") event.preventDefault();
  });

  function piece([text, classes, marked]) {
    let node = document.createTextNode(text);
    if (marked) {
      const mark = document.createElement("mark");
      mark.append(node);
      node = mark;
    }
    if (classes) {
      const span = document.createElement("span");
      span.className = classes;
      span.append(node);
      node = span;
    }
    return node;
  }

  // A workload's line starts with its pod's tag (stern-like); a JSON line shows its
  // fields as key: value chips. Every name and value goes in as text.
  function podTag(extra) {
    const tag = document.createElement("span");
    tag.className = `pod-tag pc${Number(extra.colour) || 0}`;
    tag.title = extra.tag;
    tag.textContent = extra.tag;
    return [tag, document.createTextNode(" ")];
  }

  function fieldChip([key, pieces]) {
    const chip = document.createElement("span");
    chip.className = "field";
    const name = document.createElement("span");
    name.className = "fk";
    name.textContent = key;
    const value = document.createElement("span");
    value.className = "fv";
    value.append(...pieces.map(piece));
    chip.append(name, ": ", value);
    return [chip, document.createTextNode(" ")];
  }

  function lineItem([ns, shown, pieces, extra = {}]) {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.title = `${ns} ns`;
    time.textContent = shown;
    const body = document.createElement("span");
    body.className = "body";
    if (extra.tag) body.append(...podTag(extra));
    if (extra.fields) body.append(...extra.fields.flatMap(fieldChip));
    else body.append(...pieces.map(piece));
    item.append(time, body);
    return item;
  }

  function gapItem(missed) {
    const item = document.createElement("li");
    item.className = "gap";
    item.setAttribute("role", "note");
    item.textContent = "… " + interpolate(ngettext(
      "%s line arrived faster than the tail reads; search that range to see them.",
      "%s lines arrived faster than the tail reads; search that range to see them.", missed), [missed]);
    return item;
  }

  function append(message) {
    const list = document.getElementById("log-lines");
    const box = scroller();
    if (!list || !box) return;
    const following = atBottom(box);
    const items = message.lines.map(lineItem);
    if (message.missed) items.unshift(gapItem(message.missed));
    // loglist.js keeps at most 20,000 lines, and only a window of them in the document.
    window.logList.add(items, following);
    if (message.lines.length) document.getElementById("no-lines")?.remove();
    if (following) box.scrollTop = box.scrollHeight;
    else if (message.lines.length) {
      const jump = document.getElementById("jump-new");
      if (jump) jump.hidden = false;
    }
    cursor = message.cursor;
  }

  // Back to polling from where the socket stopped: a new poller element with the cursor
  // (htmx reads hx-get when it processes an element, not at each request).
  function pollFromCursor() {
    const old = poller();
    if (!old || !cursor) return;
    const url = new URL(old.getAttribute("hx-get"), window.location.href);
    url.searchParams.set("after", cursor[0]);
    url.searchParams.set("skip", cursor[1]);
    const fresh = old.cloneNode(true);
    fresh.setAttribute("hx-get", url.pathname + url.search);
    old.replaceWith(fresh);
    htmx.process(fresh);
  }

  function stop() {
    const old = socket;
    socket = null;
    state = "off";
    cursor = null;
    if (old) old.close();
  }

  function start() {
    stop();
    const element = poller();
    if (!element || !window.WebSocket) return;
    const query = element.getAttribute("hx-get").split("?")[1] || "";
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}/ws/logs/`);
    socket = ws;
    state = "opening";
    const giveUp = setTimeout(() => { if (socket === ws && state === "opening") { stop(); } }, OPEN_SECONDS * 1000);
    ws.addEventListener("open", () => ws.send(JSON.stringify({ tail: query })));
    ws.addEventListener("message", (event) => {
      if (socket !== ws) return;
      const message = JSON.parse(event.data);
      if (message.kind === "following") {
        clearTimeout(giveUp);
        state = "live";
        poller()?.setAttribute("data-transport", "socket");
      } else if (message.kind === "lines") {
        append(message);
      }
    });
    ws.addEventListener("close", () => {
      clearTimeout(giveUp);
      if (socket !== ws) return;
      const wasLive = state === "live";
      socket = null;
      state = "off";
      poller()?.removeAttribute("data-transport");
      if (wasLive) pollFromCursor();
    });
  }

  // A new search replaces the results (and the poller): follow its tail instead.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "results") start();
  });
  start();
})();
