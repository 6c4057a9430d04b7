// Rows of a Django formset that the user adds, removes and reorders in the page.
//
// Markup: an element with data-formset="<prefix>" holding the management form, a
// [data-formset-rows] container of [data-formset-row] rows, a <template
// data-formset-empty> with the empty form (its fields named <prefix>-__prefix__-…) and
// buttons with data-formset-action: "add" anywhere in the formset; "remove", "up" and
// "down" inside a row. A formset with can_delete marks a removed row's DELETE; one with
// can_order numbers ORDER as the rows stand, which is the order the server stores.
// "Add" is disabled once the formset holds MAX_NUM_FORMS rows.
(function () {
  "use strict";

  function rows(container) {
    return Array.from(container.querySelectorAll(":scope > [data-formset-row]"));
  }

  function renumber(container) {
    let position = 1;
    rows(container).forEach(function (row) {
      const order = row.querySelector("input[name$='-ORDER']");
      const deleted = row.querySelector("input[name$='-DELETE']");
      if (deleted && deleted.checked) {
        if (order) order.value = "";
        return;
      }
      if (order) order.value = position;
      const label = row.querySelector("[data-formset-position]");
      if (label) label.textContent = position;
      position += 1;
    });
  }

  function setUp(formset) {
    const prefix = formset.dataset.formset;
    const container = formset.querySelector("[data-formset-rows]");
    const template = formset.querySelector("template[data-formset-empty]");
    const total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    const max = formset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    if (!container || !template || !total) return;

    function refresh() {
      renumber(container);
      const full = max && parseInt(total.value, 10) >= parseInt(max.value, 10);
      formset.querySelectorAll("[data-formset-action='add']").forEach(function (button) {
        button.disabled = Boolean(full);
      });
    }

    formset.addEventListener("click", function (event) {
      const button = event.target.closest("[data-formset-action]");
      if (!button || button.closest("[data-formset]") !== formset) return;
      event.preventDefault();
      const action = button.dataset.formsetAction;
      const row = button.closest("[data-formset-row]");
      if (action === "add") {
        const index = parseInt(total.value, 10);
        container.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
        total.value = String(index + 1);
        const added = rows(container).pop();
        const first = added && added.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      } else if (action === "remove" && row) {
        const deleted = row.querySelector("input[name$='-DELETE']");
        if (deleted) deleted.checked = true;
        row.hidden = true;
      } else if (action === "up" && row) {
        let previous = row.previousElementSibling;
        while (previous && previous.hidden) previous = previous.previousElementSibling;
        if (previous) container.insertBefore(row, previous);
      } else if (action === "down" && row) {
        let next = row.nextElementSibling;
        while (next && next.hidden) next = next.nextElementSibling;
        if (next) container.insertBefore(next, row);
      }
      refresh();
    });
    refresh();
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
})();
