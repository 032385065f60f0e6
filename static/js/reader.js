// 长者模式 and the 无障碍浏览 toolbar, applied in place; on a phone, Escape closes 导航菜单.
//
// The server has already rendered the page from the `reader` cookie (portal/preferences.py),
// and every control is a plain button in a POST form to /preferences/, so the page is complete
// without this file. Here we only save the round trip (same cookie, same classes) and add what
// needs script: speech through the browser's own speechSynthesis and the 十字线 guide lines
// (纯文本's alt text is written by the server). Keep the cookie format and limits in step with preferences.py.
(function () {
  "use strict";

  var COOKIE = "reader";
  var MAX_AGE = 365 * 24 * 3600;
  var FONT_MIN = -2;
  var FONT_MAX = 4;
  var FIELDS = ["elder", "font_step", "contrast", "big_cursor", "guide", "text_only", "speech", "toolbar"];
  var FLAG_CLASSES = { elder: "elder", big_cursor: "big-cursor", guide: "reading-guide", text_only: "text-only", speech: "speech-point" };
  var root = document.documentElement;
  var headerForm = document.querySelector(".reader-switches[data-reader-form]");
  var toolbar = document.getElementById("a11y-toolbar");
  if (!headerForm || !toolbar) return;
  var toolbarToggle = headerForm.querySelector('button[name="toolbar"]');

  // --- state and cookie -------------------------------------------------------------
  function defaults() {
    return { elder: false, font_step: 0, contrast: "", big_cursor: false, guide: false, text_only: false, speech: false, toolbar: false };
  }

  function readState() {
    var state = defaults();
    var raw = "";
    document.cookie.split(";").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > -1 && part.slice(0, i).trim() === COOKIE) raw = part.slice(i + 1).trim();
    });
    if (raw.charAt(0) === '"') raw = raw.slice(1, -1); // Django quotes values that contain "=".
    new URLSearchParams(raw).forEach(function (value, key) {
      if (key === "font_step") {
        var step = parseInt(value, 10);
        if (step >= FONT_MIN && step <= FONT_MAX) state.font_step = step;
      } else if (key === "contrast") {
        if (value === "yb" || value === "wb") state.contrast = value;
      } else if (key in state) {
        state[key] = value === "1" || value === "true" || value === "on";
      }
    });
    return state;
  }

  function writeState(state) {
    var base = defaults();
    var params = new URLSearchParams();
    FIELDS.forEach(function (key) {
      if (state[key] !== base[key]) params.append(key, typeof state[key] === "boolean" ? "1" : String(state[key]));
    });
    var value = params.toString();
    var attrs = "; path=/; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    document.cookie = COOKIE + "=" + (value ? value + attrs + "; max-age=" + MAX_AGE : attrs + "; max-age=0");
  }

  function minStep(state) { return state.elder ? 0 : FONT_MIN; }
  function effectiveStep(state) { return Math.max(state.font_step, minStep(state)); }

  // --- applying a state to the page ---------------------------------------------------
  function applyClasses(state) {
    var keep = root.className.split(/\s+/).filter(function (name) {
      return name && !/^(elder|font-step-.*|contrast-.*|big-cursor|reading-guide|text-only|speech-point)$/.test(name);
    });
    Object.keys(FLAG_CLASSES).forEach(function (key) { if (state[key]) keep.push(FLAG_CLASSES[key]); });
    var step = effectiveStep(state);
    if (step) keep.push(("font-step-" + step).replace("--", "-minus-"));
    if (state.contrast) keep.push("contrast-" + state.contrast);
    root.className = keep.join(" ");
  }

  function applyControls(state) {
    var elderButton = headerForm.querySelector('button[name="elder"]');
    if (elderButton) {
      elderButton.setAttribute("aria-pressed", String(state.elder));
      elderButton.value = state.elder ? "0" : "1";
      var label = elderButton.querySelector(".switch-state");
      if (label) label.textContent = state.elder ? label.getAttribute("data-on") : label.getAttribute("data-off");
    }
    if (toolbarToggle) {
      toolbarToggle.setAttribute("aria-expanded", String(state.toolbar));
      toolbarToggle.value = state.toolbar ? "0" : "1";
    }
    toolbar.hidden = !state.toolbar;
    toolbar.querySelectorAll("button[data-on]").forEach(function (button) {
      var on = button.getAttribute("data-on");
      var pressed = button.name === "contrast" ? state.contrast === on : state[button.name];
      button.setAttribute("aria-pressed", String(pressed));
      button.value = pressed ? (button.name === "contrast" ? "" : "0") : on;
    });
    var step = effectiveStep(state);
    toolbar.querySelectorAll("button[data-delta]").forEach(function (button) {
      var delta = parseInt(button.getAttribute("data-delta"), 10);
      var limit = delta > 0 ? step >= FONT_MAX : delta < 0 ? step <= minStep(state) : false;
      if (limit) button.setAttribute("aria-disabled", "true"); else button.removeAttribute("aria-disabled");
      button.value = String(delta === 0 ? 0 : Math.min(FONT_MAX, Math.max(minStep(state), step + delta)));
    });
  }

  function setStatus(text, group) {
    var status = toolbar.querySelector('[data-status="' + (group || "size") + '"]');
    if (status) status.textContent = text;
  }

  function percent(state) { return (100 + 12.5 * effectiveStep(state)) + "%"; }

  function apply(state) {
    applyClasses(state);
    applyControls(state);
    guide.enable(state.guide);
    if (!state.speech) speech.stopPointing();
  }

  // --- the forms: handle the button that was pressed ----------------------------------
  function change(button) {
    var state = readState();
    var name = button.name;
    if (button.hasAttribute("data-reset")) {
      state = defaults();
      state.toolbar = true;
      speech.stop();
      setStatus("已全部重置，当前 100%");
    } else if (name === "font_step") {
      if (button.getAttribute("aria-disabled") === "true") {
        setStatus((button.getAttribute("data-delta") === "1" ? "已是最大字号" : "已是最小字号") + "，当前 " + percent(state));
        return;
      }
      var delta = parseInt(button.getAttribute("data-delta"), 10);
      state.font_step = delta === 0 ? 0 : Math.min(FONT_MAX, Math.max(minStep(state), effectiveStep(state) + delta));
      setStatus("当前 " + percent(state));
    } else if (name === "contrast") {
      var on = button.getAttribute("data-on");
      state.contrast = state.contrast === on ? "" : on;
    } else if (name in state) {
      state[name] = !state[name];
      if (name === "elder") setStatus("当前 " + percent(state));
    } else {
      return;
    }
    writeState(state);
    apply(state);
    if (name === "toolbar" && !state.toolbar && toolbar.contains(document.activeElement)) toolbarToggle.focus();
  }

  // A page form that holds what the reader typed owns the buttons while it is shown
  // (components/reader_button_target.html): its own submit button goes on as usual.
  document.querySelectorAll("form[data-reader-form], form[data-reader-page-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || button.form !== form) return; // an old browser: let the server do it
      if (form.hasAttribute("data-reader-page-form") && !button.hasAttribute("data-reader-button")) return;
      event.preventDefault();
      change(button);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (speech.busy()) { speech.stop(); setStatus("已停止朗读", "speech"); return; }
    if (!toolbar.hidden && toolbar.contains(document.activeElement)) change(toolbarToggle);
    if (nav && navToggle.offsetWidth && nav.contains(document.activeElement)) { navToggle.setAttribute("aria-expanded", "false"); navToggle.focus(); }
  });

  // --- 导航菜单: on a phone the main navigation folds behind it ---------------------------
  // Folded and opened without this file (site.css under html.js, static/js/head.js): here
  // Escape closes it, from inside the navigation.
  var navToggle = document.querySelector(".nav-toggle");
  var nav = navToggle && navToggle.closest("nav");

  // --- 十字线: a horizontal and a vertical line through the pointer or the focus ----------
  var guide = (function () {
    var lines = null;
    var frame = 0;
    var x = -10;
    var y = -10;
    function draw() {
      frame = 0;
      if (!lines) return;
      lines.h.style.top = y + "px";
      lines.v.style.left = x + "px";
    }
    function moveTo(nx, ny) {
      x = nx; y = ny;
      if (!frame) frame = window.requestAnimationFrame(draw);
    }
    function onMove(event) { moveTo(event.clientX, event.clientY); }
    function onFocus(event) {
      var box = event.target.getBoundingClientRect && event.target.getBoundingClientRect();
      if (box && (box.width || box.height)) moveTo(box.left, box.bottom + 2);
    }
    function make(kind) {
      var line = document.createElement("div");
      line.className = "reading-guide-line " + kind;
      line.setAttribute("aria-hidden", "true");
      document.body.appendChild(line);
      return line;
    }
    return {
      enable: function (on) {
        if (on && !lines) {
          lines = { h: make("horizontal"), v: make("vertical") };
          draw();
          document.addEventListener("mousemove", onMove, { passive: true });
          document.addEventListener("focusin", onFocus);
        } else if (!on && lines) {
          lines.h.remove(); lines.v.remove(); lines = null;
          document.removeEventListener("mousemove", onMove);
          document.removeEventListener("focusin", onFocus);
        }
      }
    };
  })();

  // --- 指读 and 连读: the browser's own speech synthesis, nothing sent anywhere -----------
  var speech = (function () {
    var synth = window.speechSynthesis;
    var supported = !!(synth && window.SpeechSynthesisUtterance);
    var readAllButton = toolbar.querySelector('[data-action="read-all"]');
    var BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, dt, dd, caption, th, td, figcaption, blockquote, pre, label, legend, summary";
    var current = null;
    var queue = [];
    var reading = false;
    var pointTimer = 0;

    function voice() {
      var voices = synth.getVoices();
      for (var i = 0; i < voices.length; i++) if (/^zh[-_](CN|Hans)/i.test(voices[i].lang)) return voices[i];
      for (var j = 0; j < voices.length; j++) if (/^zh/i.test(voices[j].lang)) return voices[j];
      return null;
    }
    function mark(element) {
      if (current) current.classList.remove("speaking");
      current = element;
      if (current) current.classList.add("speaking");
    }
    function textOf(element) {
      var text = element.getAttribute("aria-label") || element.innerText || element.textContent || "";
      if (element.getAttribute("aria-pressed") === "true") text += "，已开启";
      return text.replace(/\s+/g, " ").trim();
    }
    // Long passages are cut at sentence ends: some engines stop after about 15 seconds.
    function sentences(text) {
      var parts = text.match(/[^。！？；!?;]+[。！？；!?;]*/g) || [text];
      var chunks = [];
      parts.forEach(function (part) {
        var last = chunks.length - 1;
        if (last >= 0 && chunks[last].length + part.length <= 120) chunks[last] += part; else chunks.push(part);
      });
      return chunks;
    }
    function say(text, onEnd) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      var v = voice();
      if (v) utterance.voice = v;
      utterance.onend = onEnd || null;
      utterance.onerror = function (event) {
        // Our own cancel() interrupts; anything else means this browser cannot speak.
        if (event.error === "interrupted" || event.error === "canceled") return;
        stop();
        setStatus("本浏览器没有可用的中文语音，无法朗读（" + event.error + "）", "speech");
      };
      synth.speak(utterance);
    }
    function stop() {
      if (!supported) return;
      queue = [];
      reading = false;
      synth.cancel();
      mark(null);
      if (readAllButton) readAllButton.setAttribute("aria-pressed", "false");
    }
    function next() {
      if (!reading) return;
      var item = queue.shift();
      if (!item) { stop(); setStatus("朗读完毕", "speech"); return; }
      if (item.element !== current) {
        mark(item.element);
        item.element.scrollIntoView({ block: "nearest" });
      }
      say(item.text, next);
    }
    function readAll() {
      if (reading) { stop(); setStatus("已停止朗读", "speech"); return; }
      stop();
      var main = document.getElementById("main");
      var blocks = Array.prototype.filter.call(main.querySelectorAll(BLOCKS), function (element) {
        // Leaves only (a <p> inside an <li> is read once), only what is shown, no breadcrumbs.
        return !element.querySelector(BLOCKS) && !element.closest("nav") && element.getClientRects().length > 0;
      });
      blocks.forEach(function (element) {
        var text = textOf(element);
        if (text) sentences(text).forEach(function (part) { queue.push({ element: element, text: part }); });
      });
      reading = true;
      readAllButton.setAttribute("aria-pressed", "true");
      setStatus("正在朗读，按 Esc 键或再按“连读”停止", "speech");
      next();
    }
    function point(element) {
      if (!element || element === current || reading) return;
      synth.cancel();
      mark(element);
      var text = textOf(element);
      if (text) say(text, function () { if (current === element) mark(null); });
    }
    function target(node) {
      if (!node || !node.closest || toolbar.contains(node) && !node.closest("button, a")) return null;
      return node.closest("a, button, " + BLOCKS);
    }
    function onOver(event) {
      if (!root.classList.contains("speech-point")) return;
      window.clearTimeout(pointTimer);
      var element = target(event.target);
      pointTimer = window.setTimeout(function () { point(element); }, 250);
    }
    function onFocus(event) {
      if (root.classList.contains("speech-point")) point(target(event.target));
    }

    if (supported) {
      document.querySelectorAll("[data-requires-speech]").forEach(function (group) { group.hidden = false; });
      if (readAllButton) readAllButton.addEventListener("click", readAll);
      document.addEventListener("mouseover", onOver);
      document.addEventListener("focusin", onFocus);
      window.addEventListener("pagehide", stop);
    }
    return {
      busy: function () { return supported && (reading || !!current); },
      stop: stop,
      stopPointing: function () { if (supported && !reading) stop(); }
    };
  })();

  // --- errors: move focus to the summary so it is read first --------------------------
  var errors = document.querySelector(".error-summary[tabindex]");
  if (errors) errors.focus();

  apply(readState());
})();

// A scroll region is a tab stop while it scrolls, so keyboard users can move it (WCAG 2.1.1);
// where everything fits it was one more stop with nothing to do. Without script each region
// stays a stop. Re-checked as the page, the font step or the 长者模式 change its width.
(function () {
  "use strict";
  var regions = document.querySelectorAll(".table-scroll[role=region], .chart-scroll[role=region]");
  if (!regions.length || !window.ResizeObserver) return;
  function update(region) {
    if (region.scrollWidth > region.clientWidth + 1) region.setAttribute("tabindex", "0");
    else if (region !== document.activeElement) region.removeAttribute("tabindex");
  }
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { update(entry.target.closest("[role=region]")); });
  });
  regions.forEach(function (region) {
    update(region);
    observer.observe(region);
    if (region.firstElementChild) observer.observe(region.firstElementChild);
  });
})();
