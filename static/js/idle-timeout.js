/* Idle timeout warning for staff (templates/admin/base_site.html, security/middleware.py).
   Shortly before an idle session ends, an alert offers "继续工作": one request to the server
   counts as activity and the session goes on. Without JavaScript the page header says when it ends. */
(function () {
  "use strict";
  var notice = document.querySelector(".idle-notice[data-keepalive]");
  if (!notice) return;
  var timer = null, countdown = null, alertBox = null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function endsAt() { return new Date(notice.querySelector("time").getAttribute("datetime")); }

  function remaining() {
    var seconds = Math.max(0, Math.round((endsAt() - new Date()) / 1000));
    return Math.floor(seconds / 60) + " 分 " + (seconds % 60) + " 秒";
  }

  function warn() {
    alertBox = document.createElement("div");
    alertBox.className = "idle-warning";
    alertBox.setAttribute("role", "alertdialog");
    alertBox.setAttribute("aria-labelledby", "idle-warning-text");
    var text = document.createElement("p");
    text.id = "idle-warning-text";
    text.textContent = "您已较长时间无操作，为保障账号安全，将于 " + notice.querySelector("time").textContent +
      " 自动退出登录（剩余 " + remaining() + "）。未保存的修改请先保存。";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = "继续工作";
    button.addEventListener("click", keepAlive);
    alertBox.appendChild(text);
    alertBox.appendChild(button);
    document.body.insertBefore(alertBox, document.body.firstChild);
    button.focus();
    countdown = setInterval(function () {
      text.textContent = text.textContent.replace(/剩余 [^）]+/, "剩余 " + remaining());
    }, 1000);
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(warn, seconds * 1000);
  }

  function keepAlive() {
    fetch(notice.getAttribute("data-keepalive"), {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}
    }).then(function (response) {
      if (!response.ok || response.status === 204) { window.location.reload(); return null; }
      return response.json();
    }).then(function (state) {
      if (!state) return;
      var time = notice.querySelector("time");
      time.setAttribute("datetime", state.ends_at);
      time.textContent = state.label;
      clearInterval(countdown);
      if (alertBox) { alertBox.remove(); alertBox = null; }
      schedule(state.warn_in);
    });
  }

  schedule(parseInt(notice.getAttribute("data-warn-in"), 10));
})();
