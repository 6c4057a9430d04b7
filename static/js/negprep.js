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
