// Injected inline at the top of every page by _ext/offline_html.py.
(function () {
  "use strict";
  var root = new URL(document.documentElement.dataset.content_root || "./", location);

  // RequireJS reads a global `require` defined before it loads as its configuration.
  // The ipywidgets HTML manager finds its icon fonts relative to its modules' URLs, which
  // would otherwise be the page's folder: point every @jupyter-widgets module (they are
  // all defined inside embed-amd.js) at the vendored copy.
  var manager = new URL("vendor/html-manager", root).href;
  window.require = {
    paths: {"@jupyter-widgets/html-manager/dist": manager, "@jupyter-widgets": manager}
  };

  // The ipywidgets HTML manager (3.6 MB) is loaded only when the reader scrolls near a
  // saved widget (about a screen away), so that a page is light until its widgets are
  // wanted, even where a widget sits in the third screen, as in chapter 02, whose Chinese
  // text is shorter. It renders every widget of the page once loaded.
  // `dlbookLoadWidgets` is also what the tests call.
  var widgetsRequested = false;
  function loadScript(src, then) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = then;
    document.head.appendChild(script);
  }
  // The saved widget state is in scripts of its own (offline_html.py moves it there, as
  // it weighs up to 0.2 MB): each calls dlbookWidgetState with it, which puts it back
  // into the page's state tag, where the widget manager reads it. (A script, not a JSON
  // file to fetch: a page opened from disk may load scripts but not fetch files.)
  function loadStates(then) {
    var pending = Array.prototype.slice.call(document.querySelectorAll(
      "script[type='application/vnd.jupyter.widget-state+json'][data-src]"));
    (function next() {
      var tag = pending.shift();
      if (!tag) return then();
      window.dlbookWidgetState = function (state) {
        tag.textContent = JSON.stringify(state);
        tag.removeAttribute("data-src");
      };
      loadScript(new URL(tag.dataset.src, location).href, next);
    })();
  }
  window.dlbookLoadWidgets = function () {
    if (widgetsRequested) return;
    widgetsRequested = true;
    loadStates(function () {
      loadScript(new URL("vendor/requirejs/require.js", root).href, function () {
        loadScript(new URL("vendor/html-manager/embed-amd.js", root).href);
      });
    });
  };
  function loadWidgetsWhenNear() {
    var views = document.querySelectorAll("script[type='application/vnd.jupyter.widget-view+json']");
    if (!views.length || !document.querySelector(
      "script[type='application/vnd.jupyter.widget-state+json']")) return;
    if (!("IntersectionObserver" in window)) return window.dlbookLoadWidgets();
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        window.dlbookLoadWidgets();
      }
    }, {rootMargin: "1000px 0px"});
    views.forEach(function (view) { observer.observe(view.parentElement); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    loadWidgetsWhenNear();
    // The language switch keeps the reader's place: the anchor the reader followed while
    // it is still in view, else the section at the top of the screen (ids are the same in
    // both editions: Sphinx gives them before it translates), and a search page's query.
    document.querySelectorAll("a.btn-language-switch").forEach(function (link) {
      link.addEventListener("click", function () {
        var target = new URL(link.getAttribute("href"), location);
        var anchored = location.hash &&
          document.getElementById(decodeURIComponent(location.hash.slice(1)));
        var here = null;
        document.querySelectorAll("article section[id]:has(> :is(h1, h2, h3, h4, h5, h6))")
          .forEach(function (section, i) {
            if (i > 0 && section.getBoundingClientRect().top <= 100) here = section;
          });
        target.search = location.search;
        if (anchored && Math.abs(anchored.getBoundingClientRect().top) < 150) {
          target.hash = location.hash;
        } else {
          target.hash = here ? here.id : "";
        }
        link.href = target.href;
      });
    });
    // Landmarks: the book's title atop the sidebar is the one part of a page outside
    // every landmark (axe's "region" rule); it is the way home, so it is navigation.
    document.querySelectorAll(".sidebar-primary-item:has(> .navbar-brand)")
      .forEach(function (item) {
        item.setAttribute("role", "navigation");
        name(item, /^zh/.test(document.documentElement.lang) ? "书名" : "Book title");
      });
    // Phone drawers (the theme's <dialog>s for the navigation and the page's contents)
    // close when the reader taps a link in them, so that the page shows where it led.
    document.querySelectorAll("#pst-primary-sidebar-modal, #pst-secondary-sidebar-modal")
      .forEach(function (dialog) {
        dialog.addEventListener("click", function (event) {
          if (dialog.open && event.target.closest("a[href]")) dialog.close();
        });
      });

    // Accessible names. Widget sliders: the handle is the focusable control, but its
    // label is a separate element. Theme buttons: the accessible name must contain the
    // visible text (WCAG 2.5.3, "label in name").
    function name(element, text) {
      if (text) element.setAttribute("aria-label", text.replace(/\s+/g, " ").trim());
    }
    function fix() {
      document.querySelectorAll(".noUi-handle:not([aria-label])").forEach(function (handle) {
        var slider = handle.closest(".widget-slider");
        var label = slider && slider.querySelector(".widget-label");
        name(handle, label && label.textContent);
      });
      // the colour-mode button's icons carry titles ("Light", "Dark", ...) that count as
      // its text; they are decorative, the button's own label says what it does. (Font
      // Awesome has turned each <i> into an <svg> with a <title> by now.)
      document.querySelectorAll(".theme-switch-button svg, .theme-switch-button i")
        .forEach(function (icon) {
          if (icon.getAttribute("aria-hidden") === "true") return;
          ["title", "role", "aria-labelledby"].forEach(function (a) { icon.removeAttribute(a); });
          icon.querySelectorAll("title").forEach(function (t) { t.remove(); });
          icon.setAttribute("aria-hidden", "true");
        });
      // Folded boxes (errata, solutions): sphinx-togglebutton names every button "Toggle
      // hidden content"; name each by the title of the box it opens.
      document.querySelectorAll(".admonition-title > button.toggle-button").forEach(
        function (button) {
          var title = button.parentElement.textContent;
          if (button.getAttribute("aria-label") !== title.replace(/\s+/g, " ").trim()) {
            name(button, title);
          }
        });
      // Sliders: the handle announces its value; a log-scale slider's value is the
      // exponent (3 for 0.001), so announce the readout the reader sees instead.
      document.querySelectorAll(".widget-slider").forEach(function (slider) {
        var handle = slider.querySelector(".noUi-handle");
        var readout = slider.querySelector(".widget-readout");
        var text = readout && (readout.value || readout.textContent || "").trim();
        if (handle && text && handle.getAttribute("aria-valuetext") !== text) {
          handle.setAttribute("aria-valuetext", text);
        }
      });
      document.querySelectorAll(".search-button__button, .theme-switch-button")
        .forEach(function (button) {
          var visible = button.innerText.trim();
          var label = button.getAttribute("aria-label") || "";
          if (visible && label.indexOf(visible) < 0) name(button, label ? visible + " (" + label + ")" : visible);
        });
    }
    fix();
    new MutationObserver(fix).observe(document.body, {childList: true, subtree: true,
      characterData: true, attributes: true, attributeFilter: ["aria-valuenow"]});
  });
})();
