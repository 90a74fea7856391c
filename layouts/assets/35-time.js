/* The time picker (layouts/components/timepicker.py): a quick button or the form sets the time parameters of the
   current URL, keeping the others (language, theme, district...), and loads it, so the URL names the view. */
(function () {
  var TIME_KEYS = ["period", "from", "to", "as_of", "compare"];

  /* a new selection drops the parameters its picker names (a step within the old one) */
  function go(url, from) {
    var picker = from.closest("[data-time-resets]");
    if (picker) {
      picker.getAttribute("data-time-resets").split(",").forEach(function (k) { url.searchParams.delete(k); });
    }
    window.location.assign(url.toString());
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-time-period]");
    if (!link) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("period", link.getAttribute("data-time-period"));
    url.searchParams.delete("from");
    url.searchParams.delete("to");
    event.preventDefault();
    go(url, link);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-time-form]");
    if (!form) { return; }
    event.preventDefault();
    var url = new URL(window.location.href);
    var page = form.getAttribute("data-time-form");
    var value = function (name) { var field = form.elements[name]; return field ? field.value.trim() : ""; };
    var input = function (suffix) { var field = document.getElementById(page + "-time-" + suffix); return field ? field.value.trim() : ""; };
    var from = input("from"), to = input("to");
    if (from && to) {
      url.searchParams.delete("period");
      url.searchParams.set("from", from);
      url.searchParams.set("to", to);
    } else if (from || to) {
      url.searchParams.set("from", from || to);
      url.searchParams.set("to", to || from);
      url.searchParams.delete("period");
    }
    ["as_of", "compare"].forEach(function (name) {
      if (value(name)) { url.searchParams.set(name, value(name)); } else { url.searchParams.delete(name); }
    });
    go(url, form);
  });

  window.cityopsTimeKeys = TIME_KEYS;
})();
