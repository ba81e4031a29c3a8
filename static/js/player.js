// Plays an asciicast v2 recording into xterm.js, as asciinema's player does: play/pause,
// a seek bar with time elapsed/total, speed, and keys (Space, ←/→, Home/End, 0-9, < and >).
// Output and resize events are shown; input events carry only timing and are skipped.
// Pauses longer than IDLE_LIMIT are shortened on the timeline (asciinema's idle limit).
(() => {
  "use strict";
  const IDLE_LIMIT = 2; // seconds
  const STEP = 5; // seconds an arrow key moves
  const root = document.getElementById("player");
  if (!root) return;
  const cols = Number(root.dataset.cols) || 80;
  const rows = Number(root.dataset.rows) || 24;
  const term = new Terminal({ cols, rows, disableStdin: true, scrollback: 5000 });
  term.open(document.getElementById("player-screen"));
  const playButton = document.getElementById("play");
  const seek = document.getElementById("seek");
  const position = document.getElementById("position");
  const speed = document.getElementById("speed");

  let frames = []; // [time on the shortened timeline, kind, data]
  let total = 0;
  let index = 0; // the next frame to show
  let clock = 0; // seconds of the timeline shown
  let playing = false;
  let anchorWall = 0; // performance.now() when clock was anchorClock
  let anchorClock = 0;
  let timer = null;
  let loaded = false;

  const rate = () => Number(speed.value) || 1;
  const clamp = (t) => Math.min(Math.max(t, 0), total);

  function format(seconds) {
    const s = Math.floor(seconds + 1e-6);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  }

  function load(text) {
    let last = 0;
    let shifted = 0;
    for (const line of text.split("\n").slice(1)) {
      if (!line.trim()) continue;
      const [at, kind, data] = JSON.parse(line);
      shifted += Math.min(Math.max(at - last, 0), IDLE_LIMIT);
      last = at;
      if (kind === "o" || kind === "r") frames.push([shifted, kind, data]);
    }
    total = frames.length ? frames[frames.length - 1][0] : 0;
    seek.max = String(total);
    loaded = true;
    show();
  }

  function show() {
    seek.value = String(clock);
    position.textContent = `${format(clock)} / ${format(total)}`;
    playButton.textContent = playing ? gettext("Pause") : gettext("Play");
    playButton.setAttribute("aria-pressed", String(playing));
    root.dataset.state = playing ? "playing" : clock >= total && loaded ? "ended" : "paused";
  }

  function drawUpTo(t) {
    while (index < frames.length && frames[index][0] <= t + 1e-6) {
      const [, kind, data] = frames[index++];
      if (kind === "o") term.write(data);
      else {
        const [c, r] = String(data).split("x").map(Number);
        if (c && r) term.resize(c, r);
      }
    }
  }

  function seekTo(t) {
    if (!loaded) return;
    t = clamp(t);
    if (t < clock || index === 0) { // going back means drawing again from the start
      term.reset();
      term.resize(cols, rows);
      index = 0;
    }
    clock = t;
    drawUpTo(clock);
    anchorClock = clock;
    anchorWall = performance.now();
    if (playing && clock >= total) setPlaying(false);
    show();
  }

  function tick() {
    timer = null;
    clock = clamp(anchorClock + ((performance.now() - anchorWall) / 1000) * rate());
    drawUpTo(clock);
    if (clock >= total) {
      setPlaying(false);
      return;
    }
    show();
    const next = index < frames.length ? frames[index][0] : total;
    // Wake for the next frame, and at least four times a second for the seek bar.
    const wait = Math.min((next - clock) / rate(), 0.25);
    timer = setTimeout(tick, Math.max(wait * 1000, 10));
  }

  function setPlaying(on) {
    if (on && !loaded) return;
    clearTimeout(timer);
    timer = null;
    if (on && clock >= total) seekTo(0); // play at the end starts over
    playing = on;
    anchorClock = clock;
    anchorWall = performance.now();
    show();
    if (playing) tick();
  }

  fetch(root.dataset.cast, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); })
    .then(load)
    .catch((err) => {
      position.textContent = interpolate(gettext("Could not load the recording: %s"), [err.message]);
    });

  playButton.addEventListener("click", () => setPlaying(!playing));
  seek.addEventListener("input", () => seekTo(Number(seek.value)));
  speed.addEventListener("change", () => {
    anchorClock = clock;
    anchorWall = performance.now();
  });

  function changeSpeed(by) {
    const next = speed.selectedIndex + by;
    if (next < 0 || next >= speed.options.length) return;
    anchorClock = clock;
    anchorWall = performance.now();
    speed.selectedIndex = next;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const xterm = target.classList?.contains("xterm-helper-textarea");
    // Form controls keep their own keys (the seek bar's arrows seek already).
    if (!xterm && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
    if (target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
    const key = event.key;
    if (key === " " || key === "k") setPlaying(!playing);
    else if (key === "ArrowLeft") seekTo(clock - (event.shiftKey ? total / 10 : STEP));
    else if (key === "ArrowRight") seekTo(clock + (event.shiftKey ? total / 10 : STEP));
    else if (key === "Home") seekTo(0);
    else if (key === "End") seekTo(total);
    else if (/^[0-9]$/.test(key)) seekTo((total * Number(key)) / 10);
    else if (key === "<") changeSpeed(-1);
    else if (key === ">") changeSpeed(1);
    else return;
    event.preventDefault();
  });
})();
