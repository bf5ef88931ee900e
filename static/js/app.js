// The only htmx glue: send the CSRF token with every htmx request.
// Keep every htmx-specific line in this file so that a later htmx upgrade stays small.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.content;
  }
});
