// "Add another" for Django formsets: clones the empty form kept in a <template>.
//
// Markup: an element with data-formset and data-formset-prefix="<prefix>" holding
// the management form, a [data-formset-rows] container, a <template
// data-formset-template> with the empty form (its fields named <prefix>-__prefix__-…)
// and a [data-formset-add] button.
(function () {
  "use strict";

  function setUp(formset) {
    var prefix = formset.dataset.formsetPrefix;
    var total = formset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = formset.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var rows = formset.querySelector("[data-formset-rows]");
    var template = formset.querySelector("template[data-formset-template]");
    var button = formset.querySelector("[data-formset-add]");
    if (!total || !rows || !template || !button) return;

    function refresh() {
      var full = max && parseInt(total.value, 10) >= parseInt(max.value, 10);
      button.disabled = Boolean(full);
    }

    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input, select, textarea");
      if (first) first.focus();
      refresh();
    });
    refresh();
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
})();
