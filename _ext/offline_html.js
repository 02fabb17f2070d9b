// Injected inline at the top of every page by _ext/offline_html.py.
(function () {
  "use strict";
  var root = new URL(document.documentElement.dataset.content_root || "./", location);

  // RequireJS reads a global `require` defined before it loads as its configuration.
  // The ipywidgets HTML manager finds its icon fonts relative to its module URL, which
  // would otherwise be the page's folder: point it at the vendored copy.
  window.require = {
    paths: {"@jupyter-widgets/html-manager/dist": new URL("vendor/html-manager", root).href}
  };

  document.addEventListener("DOMContentLoaded", function () {
    // ipywidgets typesets labels with MathJax 2's MathJax.Hub.Queue; the book loads
    // MathJax 3 (deferred, so it exists by now). Translate the one call it makes.
    if (window.MathJax && !window.MathJax.Hub) {
      window.MathJax.Hub = {
        Queue: function () {
          Array.prototype.forEach.call(arguments, function (job) {
            var element = job && job[2];
            if (element && MathJax.startup) {
              MathJax.startup.promise.then(function () { return MathJax.typesetPromise([element]); });
            }
          });
        }
      };
    }

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
      document.querySelectorAll(".search-button__button, .theme-switch-button")
        .forEach(function (button) {
          var visible = button.innerText.trim();
          var label = button.getAttribute("aria-label") || "";
          if (visible && label.indexOf(visible) < 0) name(button, label ? visible + " (" + label + ")" : visible);
        });
    }
    fix();
    new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  });
})();
