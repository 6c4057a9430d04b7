// After an inline (htmx) update, keyboard and screen-reader users land where the
// change happened: on the element the new markup marks with data-htmx-focus.
document.body.addEventListener("htmx:afterSettle", function () {
  var target = document.querySelector("[data-htmx-focus]");
  if (target) {
    target.removeAttribute("data-htmx-focus");
    target.focus();
  }
});
