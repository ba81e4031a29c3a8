// Small behaviours every page shares; no inline handlers, so a strict CSP can forbid them.

// Pickers that apply themselves (region, language): a pointer's choice at once; from the
// keyboard, arrow keys only move the choice (on a closed select each one is a change), and
// Enter or leaving the picker applies it, so keyboard users can pass over options.
(() => {
  const picker = (element) => element instanceof HTMLSelectElement && element.matches("[data-autosubmit]");
  let keyboardOn = null;
  document.addEventListener("pointerdown", () => { keyboardOn = null; });
  document.addEventListener("keydown", (event) => {
    if (!picker(event.target)) return;
    keyboardOn = event.target;
    if (event.key === "Enter") {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  document.addEventListener("change", (event) => {
    if (!picker(event.target)) return;
    if (keyboardOn === event.target) event.target.dataset.pending = "true";
    else event.target.form.requestSubmit();
  });
  document.addEventListener("focusout", (event) => {
    if (picker(event.target) && event.target.dataset.pending) {
      delete event.target.dataset.pending;
      event.target.form.requestSubmit();
    }
  });
})();

// The header's menu button (shown on narrow screens): it opens and closes the controls
// it names in aria-controls; Escape closes them and gives the focus back to the button.
(() => {
  const button = document.getElementById("menu-button");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  const setOpen = (open) => button.setAttribute("aria-expanded", String(open));
  button.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    setOpen(false);
    button.focus();
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !button.contains(event.target) && !menu.contains(event.target)) setOpen(false);
  });
})();

// Repeating form rows (tags): add from a <template>, remove the row.
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const template = document.querySelector(add.dataset.addRow);
    document.querySelector(add.dataset.into).append(template.content.cloneNode(true));
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    const row = remove.closest(".tag-row");
    const form = row.closest("form");
    row.remove();
    form?.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// Copy buttons: data-copy="#element-id" copies that element's text.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = gettext("Copied");
  } catch {
    button.textContent = gettext("Select and copy (clipboard blocked)");
  }
});

// The server shows times in the browser's zone; it learns the zone from this cookie.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").includes(`tz=${encodeURIComponent(zone)}`)) {
    document.cookie = `tz=${encodeURIComponent(zone)}; path=/; max-age=31536000; SameSite=Lax`;
  }
})();
