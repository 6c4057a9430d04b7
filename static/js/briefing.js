// Inline rows of the briefing editor: add, remove and reorder pitch points,
// objections and concessions. Works on Django formsets with can_order and
// can_delete; the server stores the rows in the ORDER the user leaves them.
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

  function setup(formset) {
    const prefix = formset.dataset.formset;
    const container = formset.querySelector("[data-formset-rows]");
    const template = formset.querySelector("template[data-formset-empty]");
    const total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");

    formset.addEventListener("click", function (event) {
      const button = event.target.closest("[data-formset-action]");
      if (!button) return;
      event.preventDefault();
      const action = button.dataset.formsetAction;
      const row = button.closest("[data-formset-row]");
      if (action === "add") {
        const index = parseInt(total.value, 10);
        const html = template.innerHTML.replace(/__prefix__/g, String(index));
        container.insertAdjacentHTML("beforeend", html);
        total.value = index + 1;
        const added = rows(container).pop();
        const first = added.querySelector("input:not([type=hidden]), textarea");
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
      renumber(container);
    });
    renumber(container);
  }

  document.querySelectorAll("[data-formset]").forEach(setup);
})();
