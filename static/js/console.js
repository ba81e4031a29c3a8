// Small behaviours every page shares; no inline handlers, so a strict CSP can forbid them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-autosubmit]")) target.form.requestSubmit();
});
