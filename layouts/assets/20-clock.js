/* The wall's clock (each element with class "cityops-clock", in its data-timezone) and its periodic full
   reload (data-reload-ms on the page), which caps the browser's memory on screens left running for days. */
(function () {
  function tick() {
    document.querySelectorAll(".cityops-clock").forEach(function (el) {
      var zone = el.getAttribute("data-timezone") || undefined;
      var locale = el.getAttribute("data-lang") === "en" ? "en-GB" : "zh-CN";
      var now = new Date();
      var date = now.toLocaleDateString(locale, { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
      var weekday = now.toLocaleDateString(locale, { timeZone: zone, weekday: "short" });
      var time = now.toLocaleTimeString(locale, { timeZone: zone, hour12: false });
      /* "2026/11/22 周日 08:00:00", "Sun 22/11/2026 08:00:00" */
      el.textContent = (locale === "en-GB" ? [weekday, date, time] : [date, weekday, time]).join(" ");
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
