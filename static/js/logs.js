// The log page: keyword chips, the time range, wrap, and auto-scroll for the live tail.
(() => {
  const form = document.getElementById("log-form");
  if (!form) return;
  const scroller = () => document.getElementById("log-scroll");
  const atBottom = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  // Lines off screen are laid out only when shown (content-visibility), so the height
  // grows as the bottom renders: scroll again on the next frames until it settles.
  const toBottom = (frames = 3) => {
    const box = scroller();
    if (!box) return;
    box.scrollTop = box.scrollHeight;
    if (frames > 0) requestAnimationFrame(() => toBottom(frames - 1));
  };

  function addChip(input) {
    const word = input.value;
    if (!word.trim()) return false;
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.append(word); // text, never markup
    const hidden = Object.assign(document.createElement("input"), { type: "hidden", name: input.name, value: word });
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "chip-x", textContent: "×" });
    remove.setAttribute("aria-label", interpolate(gettext("Remove %s"), [word]));
    chip.append(hidden, remove);
    input.before(chip);
    input.value = "";
    return true;
  }

  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches(".chip-input") && addChip(event.target)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("click", (event) => {
    const remove = event.target.closest(".chip-x");
    if (!remove) return;
    remove.closest(".chip").remove();
    form.requestSubmit();
  });

  const range = document.getElementById("log-range");
  const showCustom = () => form.querySelectorAll(".custom-range").forEach((el) => {
    el.hidden = range.value !== "custom";
  });
  showCustom();
  form.addEventListener("change", (event) => {
    const field = event.target;
    if (field === range) {
      showCustom();
      if (range.value === "custom") document.getElementById("log-since").focus();
      else form.requestSubmit();
    } else if (field.id === "log-tail" || field.name === "level") {
      form.requestSubmit();
    } else if (field.id === "log-wrap") {
      // Wrapping is only a view: change it in place and in the address, without a search.
      scroller()?.classList.toggle("wrap", field.checked);
      const url = new URL(window.location.href);
      if (field.checked) url.searchParams.set("wrap", "1"); else url.searchParams.delete("wrap");
      history.replaceState(history.state, "", url);
    }
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("#log-since, #log-until") && event.target.value) range.value = "custom";
  });

  // Live tail: follow new lines while the reader is at the bottom; when they have
  // scrolled up to read, keep their place and offer a jump instead.
  // Poll only while the tab is visible (here, not as an htmx trigger filter: those are
  // evaluated code, which the Content-Security-Policy forbids).
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.id === "tail-poller" && document.hidden) event.preventDefault();
  });
  // The polling tail's lines land at the end of the list; loglist.js then keeps the
  // document to a window of them.
  let following = true;
  let shownBefore = 0;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id !== "log-lines") return;
    following = atBottom(scroller());
    shownBefore = event.detail.target.children.length;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "results") { window.logList.reset(); toBottom(); return; }
    if (target.id !== "log-lines") return;
    window.logList.adopt(shownBefore, following);
    if (target.children.length) document.getElementById("no-lines")?.remove();
    if (following) toBottom();
    else if (event.detail.xhr.responseText.includes("<li")) document.getElementById("jump-new").hidden = false;
  });
  document.addEventListener("click", (event) => {
    if (event.target.id !== "jump-new") return;
    event.target.hidden = true;
    window.logList.toNewest();
    toBottom();
  });
  document.addEventListener("scroll", (event) => {
    if (event.target.id === "log-scroll" && atBottom(event.target) && !window.logList.hasNewer()) {
      const jump = document.getElementById("jump-new");
      if (jump) jump.hidden = true;
    }
  }, true);
  toBottom();
})();
