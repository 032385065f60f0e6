/* Names for Django's select2 autocomplete boxes (templates/admin/base_site.html). select2 hides
   the labelled <select> and shows a combobox named only by the chosen value, nothing when empty:
   name it by the field's own label, then by the value. Runs after autocomplete.js (both on
   django.jQuery's ready queue, this one later) and for inline rows added later. */
(function () {
  "use strict";
  if (!window.django || !django.jQuery) return;

  function name(root) {
    var selects = root.querySelectorAll("select.admin-autocomplete");
    Array.prototype.forEach.call(selects, function (select) {
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) return;
      if (!label.id) label.id = select.id + "_label";
      var combo = box.querySelector(".select2-selection");
      var shown = box.querySelector(".select2-selection__rendered");  // role=textbox: the value
      if (combo) combo.setAttribute("aria-labelledby", label.id + (shown && shown.id ? " " + shown.id : ""));
      if (shown) shown.setAttribute("aria-labelledby", label.id);
      var typed = box.querySelector(".select2-search__field");  // a multiple choice's search box
      if (typed) typed.setAttribute("aria-labelledby", label.id);
    });
  }

  django.jQuery(function () { name(document); });
  document.addEventListener("formset:added", function (event) { name(event.target); });
})();
