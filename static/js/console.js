// Small behaviours every page shares; no inline handlers, so a strict CSP can forbid them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-autosubmit]")) target.form.requestSubmit();
});

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
