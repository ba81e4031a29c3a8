// The terminal page: tabs of xterm.js terminals, each on its own /ws/terminal/ socket.
// Frames are binary with a one-byte type (console/terminal/protocol.py). Flow control:
// every output chunk is acknowledged once xterm.js has written it, so the server stops
// reading the pod while the browser is behind and `yes` never freezes the page.
(() => {
  "use strict";
  const OUTPUT = 0, INPUT = 0, RESIZE = 1, ACK = 2, STATUS = 3, PING = 4;
  const ACK_EVERY = 32 * 1024; // acknowledge in batches, and at least every 100 ms
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const picker = document.getElementById("terminal-picker");
  if (!picker) return;
  const tabs = document.getElementById("tabs");
  const panes = document.getElementById("panes");
  const fontSize = document.getElementById("font-size");
  const search = document.getElementById("term-search");
  const sessions = [];
  window.consoleTerminals = sessions; // for tests and the curious
  let active = null;

  function frame(type, payload) {
    const body = typeof payload === "string" ? encoder.encode(payload) : payload;
    const out = new Uint8Array(body.length + 1);
    out[0] = type;
    out.set(body, 1);
    return out;
  }

  function socketUrl(params, term) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ ...params, cols: term.cols, rows: term.rows });
    return `${scheme}//${location.host}/ws/terminal/?${query}`;
  }

  function setState(session, state, message) {
    session.state = state;
    session.stateEl.dataset.state = state;
    const words = { connecting: gettext("Connecting…"), connected: gettext("Connected"),
      exited: gettext("Session ended"), closed: gettext("Disconnected"), error: gettext("Error"),
      refused: gettext("Refused") };
    const word = words[state] || state;
    session.stateEl.textContent = message
      ? interpolate(gettext("%(state)s: %(message)s"), { state: word, message }, true) : word;
    session.reconnect.hidden = state === "connected" || state === "connecting";
    session.tab.classList.toggle("ended", !session.reconnect.hidden);
  }

  function connect(session) {
    const { term } = session;
    setState(session, "connecting");
    const socket = new WebSocket(socketUrl(session.params, term));
    socket.binaryType = "arraybuffer";
    session.socket = socket;
    let unacked = 0;
    const flush = () => {
      if (unacked > 0 && socket.readyState === WebSocket.OPEN) {
        socket.send(frame(ACK, String(unacked)));
        unacked = 0;
      }
    };
    const ackTimer = setInterval(flush, 100);
    socket.onmessage = (event) => {
      const data = new Uint8Array(event.data);
      if (data[0] === OUTPUT) {
        const chunk = data.subarray(1);
        term.write(chunk, () => {
          unacked += chunk.length;
          if (unacked >= ACK_EVERY) flush();
        });
      } else if (data[0] === STATUS) {
        const status = JSON.parse(decoder.decode(data.subarray(1)));
        let message = status.message || "";
        if (status.state === "exited") {
          message = interpolate(gettext("exit code %s"), [status.exitCode]);
        }
        setState(session, status.state, message);
        if (status.state === "connected") {
          session.tab.querySelector(".title").textContent = status.message;
        } else if (status.state !== "connected") {
          term.write(`\r\n\x1b[33m[${session.stateEl.textContent}]\x1b[0m\r\n`);
        }
      } else if (data[0] === PING) {
        socket.send(frame(PING, ""));
      }
    };
    socket.onclose = () => {
      clearInterval(ackTimer);
      if (session.state === "connected" || session.state === "connecting") {
        setState(session, "closed", gettext("the connection was lost"));
      }
    };
  }

  function send(session, type, payload) {
    if (session.socket && session.socket.readyState === WebSocket.OPEN) {
      session.socket.send(frame(type, payload));
    }
  }

  function activate(session) {
    for (const s of sessions) {
      s.pane.hidden = s !== session;
      s.tab.setAttribute("aria-selected", String(s === session));
    }
    active = session;
    if (session) {
      session.fit.fit();
      session.term.focus();
    }
  }

  function open(params) {
    document.getElementById("no-terminal")?.remove();
    const pane = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = "tab";
    tab.setAttribute("role", "tab");
    const label = params.kind === "terminal" ? interpolate(gettext("shell %s"), [params.cluster])
      : params.pod;
    tab.innerHTML = '<span class="title"></span><span class="close">×</span>';
    tab.querySelector(".close").setAttribute("aria-label", gettext("Close tab"));
    tab.querySelector(".title").textContent = label; // untrusted text: never innerHTML
    tabs.append(tab);
    panes.append(pane);
    const term = new Terminal({ fontSize: Number(fontSize.value) || 14, scrollback: 5000,
      cursorBlink: true, convertEol: false });
    const fit = new FitAddon.FitAddon();
    const searchAddon = new SearchAddon.SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(searchAddon);
    term.loadAddon(new WebLinksAddon.WebLinksAddon());
    term.open(pane.querySelector(".xterm-host"));
    const session = { params, term, fit, search: searchAddon, pane, tab, socket: null,
      state: "connecting", stateEl: pane.querySelector(".conn-state"),
      reconnect: pane.querySelector(".reconnect") };
    sessions.push(session);
    activate(session);
    term.onData((data) => send(session, INPUT, data));
    term.onBinary((data) => send(session, INPUT, Uint8Array.from(data, (c) => c.charCodeAt(0))));
    term.onResize(({ cols, rows }) => send(session, RESIZE, JSON.stringify({ cols, rows })));
    term.attachCustomKeyEventHandler((event) => {
      // Ctrl+Shift+C / Ctrl+Shift+V copy and paste; plain Ctrl+C stays an interrupt.
      if (event.type !== "keydown" || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === "KeyC" && term.hasSelection()) {
        navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (event.code === "KeyV") {
        navigator.clipboard?.readText().then((text) => term.paste(text));
        return false;
      }
      return true;
    });
    session.reconnect.addEventListener("click", () => {
      term.write("\r\n\x1b[36m[" + gettext("reconnecting: a new session") + "]\x1b[0m\r\n");
      connect(session);
      // The button hides as the new session connects: give the keys back to the terminal.
      term.focus();
    });
    tab.addEventListener("click", (event) => {
      if (event.target.classList.contains("close")) {
        session.socket?.close();
        term.dispose();
        pane.remove();
        tab.remove();
        sessions.splice(sessions.indexOf(session), 1);
        activate(sessions[sessions.length - 1] || null);
      } else {
        activate(session);
      }
    });
    connect(session);
    return session;
  }

  function pickerParams(kind) {
    const value = (id) => document.getElementById(id).value;
    const params = { kind, cluster: value("pick-cluster") };
    if (kind === "exec") {
      Object.assign(params, { namespace: value("pick-namespace"), pod: value("pick-pod"),
        container: value("pick-container") });
      const command = value("pick-command").trim();
      if (command) params.command = command;
    }
    return params;
  }

  // A list that arrives after the user already picked from its older copy keeps that pick
  // when it is still there. Captured at the document, the restore runs before the select's
  // own htmx:afterSwap trigger loads the next level, so that load asks for the pick too.
  const pickedBeforeSwap = new WeakMap();
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target instanceof HTMLSelectElement && picker.contains(target)) {
      pickedBeforeSwap.set(target, target.value);
    }
  }, true);
  document.addEventListener("htmx:afterSwap", (event) => {
    const select = event.target;
    const picked = pickedBeforeSwap.get(select);
    if (picked && [...select.options].some((option) => option.value === picked)) {
      select.value = picked;
    }
  }, true);

  picker.addEventListener("click", (event) => {
    const button = event.target.closest("[data-open]");
    if (!button) return;
    const params = pickerParams(button.dataset.open);
    if (!params.cluster || (params.kind === "exec" && !params.pod)) {
      alert(gettext("Pick a cluster, and a pod for a pod terminal."));
      return;
    }
    open(params);
  });

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => active && active.fit.fit(), 100);
  });
  fontSize.addEventListener("change", () => {
    for (const s of sessions) s.term.options.fontSize = Number(fontSize.value) || 14;
    if (active) active.fit.fit();
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && active) {
      event.preventDefault();
      const found = event.shiftKey ? active.search.findPrevious(search.value)
        : active.search.findNext(search.value);
      search.classList.toggle("not-found", !found);
    }
  });

  // Arriving from a pod row: open that terminal at once.
  const wanted = picker.dataset;
  if (wanted.openCluster && (wanted.openPod || wanted.openKind === "terminal")) {
    const params = { kind: wanted.openKind === "terminal" ? "terminal" : "exec",
      cluster: wanted.openCluster };
    if (params.kind === "exec") {
      Object.assign(params, { namespace: wanted.openNamespace || "default", pod: wanted.openPod,
        container: wanted.openContainer });
      if (wanted.openCommand) params.command = wanted.openCommand;
    }
    window.addEventListener("load", () => open(params));
  }
})();
