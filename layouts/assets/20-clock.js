/* The wall's clock (each element with class "cityops-clock", in its data-timezone) and its periodic full
   reload (data-reload-ms on the page), which caps the browser's memory on screens left running for days. */
(function () {
  function tick() {
    document.querySelectorAll(".cityops-clock").forEach(function (el) {
      var zone = el.getAttribute("data-timezone") || undefined;
      var locale = el.getAttribute("data-lang") === "en" ? "en-GB" : "zh-CN";
      var now = new Date();
      var date = now.toLocaleDateString(locale, { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        weekday: "short" });
      var time = now.toLocaleTimeString(locale, { timeZone: zone, hour12: false });
      el.textContent = date + " " + time;
    });
  }
  var reloadArmed = false;
  function armReload() {
    var page = document.querySelector("[data-reload-ms]");
    if (!page || reloadArmed) { return; }
    reloadArmed = true;
    setTimeout(function () { window.location.reload(); }, Number(page.getAttribute("data-reload-ms")));
  }
  setInterval(function () { tick(); armReload(); }, 1000);
})();
