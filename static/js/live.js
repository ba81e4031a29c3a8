// Live updates: the server pushes "cluster X changed" over /ws/live/, and each part of
// the page that shows X re-reads itself: a "live" event on its [data-live] elements, whose
// hx-trigger is "live".
// Without a socket (blocked, or the server restarting) the parts that are waiting for a
// change ([data-live-poll]) are refreshed on a timer instead, as before push existed.
(() => {
  const POLL_MS = 2500;
  const pending = new Map();
  let socket = null;
  let retryMs = 1000;
  let pollTimer = null;
  let wasLive = false;

  const watching = () => document.querySelector("[data-live]") !== null;

  // Which data-live words an event concerns.
  function wordsFor(event) {
    if (event.kind === "cluster") {
      const words = [`cluster:${event.cluster}`, "clusters"];
      if (event.change !== "changed") words.push("cluster-set");
      return words;
    }
    if (event.kind === "supernode") return [`nodes:${event.cluster}`, `cluster:${event.cluster}`, "clusters"];
    if (event.kind === "objects") return [`objects:${event.cluster}`];
    return [];
  }

  // Someone typing in a part, or with a confirmation open in it, keeps it until done.
  function inUse(element) {
    const focused = document.activeElement;
    const typing = focused && element.contains(focused) && focused.matches("input, select, textarea");
    return typing || element.querySelector("details[open]") !== null;
  }

  // Coalesce bursts: one refresh per element, a moment after the last event.
  function refresh(element) {
    clearTimeout(pending.get(element));
    pending.set(element, setTimeout(() => {
      pending.delete(element);
      if (inUse(element)) {
        refresh(element);
        return;
      }
      // Not bubbling: a row's refresh must not also refresh the table around it.
      if (element.isConnected) element.dispatchEvent(new CustomEvent("live", { bubbles: false }));
    }, 150));
  }

  // After a lost socket (a worker or Redis restarted): every live part, outermost only,
  // since the events that named them are gone.
  function refreshMissed() {
    document.querySelectorAll("[data-live]").forEach((element) => {
      if (!element.parentElement.closest("[data-live]")) refresh(element);
    });
  }

  function refreshWaiting() {
    document.querySelectorAll("[data-live-poll]").forEach(refresh);
  }

  function showState(state) {
    const badge = document.getElementById("live-state");
    if (!badge) return;
    badge.hidden = false;
    badge.dataset.state = state;
    badge.textContent = state === "live" ? gettext("Live") : gettext("Refreshing every few seconds");
    badge.title = state === "live"
      ? gettext("Changes appear here as they happen.")
      : gettext("No live connection; changes in progress are checked every few seconds.");
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(() => { if (!document.hidden) refreshWaiting(); }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/live/`);
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.kind === "hello") {
        retryMs = 1000;
        stopPolling();
        showState("live");
        // Workload pages: ask for the cluster's objects to be watched from the version shown.
        document.querySelectorAll("[data-live-objects]").forEach((element) => {
          socket.send(JSON.stringify({
            watch: "objects", cluster: element.dataset.liveObjects, since: element.dataset.liveSince,
          }));
        });
        if (wasLive) refreshMissed(); // events sent while no socket was open are lost
        else refreshWaiting(); // catch up with what changed before the socket opened
        wasLive = true;
        return;
      }
      const words = wordsFor(event);
      document.querySelectorAll("[data-live]").forEach((element) => {
        const wanted = element.dataset.live.split(/\s+/);
        if (words.some((word) => wanted.includes(word))) refresh(element);
      });
    });
    socket.addEventListener("close", (closed) => {
      socket = null;
      showState("polling");
      startPolling();
      if (closed.code === 4401) return; // logged out: the next page asks for a login
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!watching()) return;
    showState("polling");
    startPolling();
    connect();
  });
})();
