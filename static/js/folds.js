// The deal page's sections fold on a phone (<details class="np-fold">). Loaded without "defer" right
// after the sections, so that on a phone they are folded before the page is first painted, except
// one that the address points into (#consultation-12). A wide screen shows them all, and a link into
// a folded section unfolds it first.
(function () {
  var folds = document.querySelectorAll("details.np-fold");
  if (!folds.length) return;
  var wide = window.matchMedia("(min-width: 992px)");
  function target() {
    try {
      return location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (e) {
      return null;
    }
  }
  function unfoldAll() {
    if (wide.matches) folds.forEach(function (fold) { fold.open = true; });
  }
  function unfoldTarget() {
    var element = target();
    var fold = element && element.closest("details.np-fold");
    if (fold && !fold.open) {
      fold.open = true;
      element.scrollIntoView();
    }
  }
  if (!wide.matches) {
    var start = target();
    folds.forEach(function (fold) {
      if (!start || !fold.contains(start)) fold.open = false;
    });
  }
  wide.addEventListener("change", unfoldAll);
  window.addEventListener("hashchange", unfoldTarget);
  unfoldAll();
  unfoldTarget();
})();
