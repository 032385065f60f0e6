// Progressive enhancement for the 无障碍浏览 toolbar: the page is complete without it.
(function () {
  "use strict";
  var toggle = document.querySelector("[data-toolbar-toggle]");
  var toolbar = document.getElementById("a11y-toolbar");
  if (!toggle || !toolbar) return;
  toggle.setAttribute("role", "button");
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    var open = toolbar.hidden;
    toolbar.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) { var first = toolbar.querySelector("a, button"); if (first) first.focus(); }
  });
})();
