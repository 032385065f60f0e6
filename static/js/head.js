document.documentElement.classList.add("js");
document.addEventListener("click", function (e) {
  var b = e.target.closest(".nav-toggle");
  if (b) b.setAttribute("aria-expanded", b.getAttribute("aria-expanded") == "false");
});
