// Plays an asciicast v2 recording into xterm.js: play, pause, speed. Output and resize
// events are shown; input events carry only timing and are skipped.
(() => {
  "use strict";
  const root = document.getElementById("player");
  if (!root) return;
  const term = new Terminal({ cols: Number(root.dataset.cols) || 80,
    rows: Number(root.dataset.rows) || 24, disableStdin: true, scrollback: 5000 });
  term.open(document.getElementById("player-screen"));
  const position = document.getElementById("position");
  const speed = document.getElementById("speed");
  let events = [];
  let index = 0;
  let clock = 0; // seconds of recording already played
  let timer = null;

  const ready = fetch(root.dataset.cast, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); })
    .then((text) => {
      events = text.split("\n").slice(1).filter((l) => l.trim()).map((l) => JSON.parse(l));
    })
    .catch((err) => {
      position.textContent = interpolate(gettext("Could not load the recording: %s"), [err.message]);
    });

  function step() {
    timer = null;
    while (index < events.length && events[index][0] <= clock + 1e-6) {
      const [, kind, data] = events[index++];
      if (kind === "o") term.write(data);
      else if (kind === "r") {
        const [cols, rows] = data.split("x").map(Number);
        if (cols && rows) term.resize(cols, rows);
      }
    }
    const at = `${clock.toFixed(1)} s`;
    position.textContent = index >= events.length ? interpolate(gettext("%s (end)"), [at]) : at;
    if (index >= events.length) return;
    const wait = Math.min(events[index][0] - clock, 2); // long pauses are shortened
    clock = events[index][0];
    timer = setTimeout(step, (wait * 1000) / Number(speed.value));
  }

  document.getElementById("play").addEventListener("click", () => {
    ready.then(() => {
      if (timer) return;
      if (index >= events.length) { term.reset(); index = 0; clock = 0; }
      step();
    });
  });
  document.getElementById("pause").addEventListener("click", () => {
    clearTimeout(timer);
    timer = null;
  });
})();
