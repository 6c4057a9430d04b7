// The import's preview: with rows in error, "Import" stays disabled until "skip the rows with errors"
// is ticked. Without this script the button stays enabled and the server refuses the same way.
(function () {
  var form = document.querySelector("[data-testid=import-confirm]");
  if (!form) return;
  var skip = form.querySelector("input[name=skip_errors]");
  var button = form.querySelector("button[type=submit]");
  if (!skip || !button) return;
  function update() {
    button.disabled = !skip.checked;
  }
  skip.addEventListener("change", update);
  update();
})();
