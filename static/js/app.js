// The only htmx glue: send the CSRF token with every htmx request.
// Keep every htmx-specific line in this file so that a later htmx upgrade stays small.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.content;
  }
});

// After an htmx swap the keyboard stays where it was: the control that had focus inside the swapped element is
// followed by the one at the same place in the new content (a vote button by its withdraw button), instead of
// focus falling back to the top of the page. What changed is said by the fragment itself, into #messages.
const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
let focusBefore = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const active = document.activeElement;
  focusBefore = target && target.id && active && target.contains(active)
    ? { id: target.id, index: Array.from(target.querySelectorAll(FOCUSABLE)).indexOf(active) } : null;
});
document.addEventListener("htmx:afterSettle", () => {
  const swapped = focusBefore && document.getElementById(focusBefore.id);
  if (swapped) {
    const candidates = Array.from(swapped.querySelectorAll(FOCUSABLE));
    const next = candidates[Math.min(Math.max(focusBefore.index, 0), candidates.length - 1)];
    if (next) next.focus();
  }
  focusBefore = null;
});
