// The upload form's label names the chosen file (without JavaScript it says that a file is chosen).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains("file-input")) return;
  const chosen = input.form && input.form.querySelector(`label[for="${input.id}"] .file-chosen`);
  if (chosen && input.files.length) chosen.textContent = input.files[0].name;
});
