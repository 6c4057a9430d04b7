// After an inline (htmx) update, keyboard and screen-reader users land where the
// change happened: on the element the new markup marks with data-htmx-focus.
document.body.addEventListener("htmx:afterSettle", function () {
  var target = document.querySelector("[data-htmx-focus]");
  if (target) {
    target.removeAttribute("data-htmx-focus");
    target.focus();
  }
});

// A page opened from a notification has posted it back as read (teams/notifications/links.py):
// take the notification's marker out of the address bar, so a reload or a copied link does not
// carry it, and keep the part after "#" the link pointed to.
document.body.addEventListener("htmx:afterRequest", function (event) {
  var cleanUrl = event.detail.elt.getAttribute("data-clean-url");
  if (cleanUrl !== null) {
    history.replaceState(history.state, "", cleanUrl + window.location.hash);
  }
});

// A button marked data-print prints the page (the meeting brief).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// Someone who types before the page's scripts are ready (a slow phone, a busy server) still gets
// the live check or filter: once htmx has set the page up, a field that no longer holds what the
// page was served with is announced as changed, so its hx-trigger runs as if typed now.
if (window.htmx) htmx.onLoad(function (root) {
  if (root !== document.body) return;
  var fields = document.querySelectorAll("[hx-trigger] input, [hx-trigger] select, [hx-trigger] textarea, input[hx-trigger], select[hx-trigger], textarea[hx-trigger]");
  fields.forEach(function (field) {
    if (edited(field)) field.dispatchEvent(new Event("change", { bubbles: true }));
  });
});

function edited(field) {
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  if (field.tagName !== "SELECT") return field.value !== field.defaultValue;
  var options = Array.prototype.slice.call(field.options);
  if (field.multiple) return options.some(function (option) { return option.selected !== option.defaultSelected; });
  // A single choice with no option marked selected shows its first one.
  var served = options.map(function (option) { return option.defaultSelected; }).lastIndexOf(true);
  return field.selectedIndex !== Math.max(served, 0);
}
