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

// The deal page's sections fold on a phone (<details class="np-fold">). A wide screen shows
// them all, and a link into a folded section (#consultation-12) unfolds it first.
(function () {
  var folds = document.querySelectorAll("details.np-fold");
  if (!folds.length) return;
  var wide = window.matchMedia("(min-width: 992px)");
  function unfoldAll() {
    if (wide.matches) folds.forEach(function (fold) { fold.open = true; });
  }
  function unfoldTarget() {
    var target = null;
    try { target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))); } catch (e) {}
    var fold = target && target.closest("details.np-fold");
    if (fold && !fold.open) {
      fold.open = true;
      target.scrollIntoView();
    }
  }
  wide.addEventListener("change", unfoldAll);
  window.addEventListener("hashchange", unfoldTarget);
  unfoldAll();
  unfoldTarget();
})();
