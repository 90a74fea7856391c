/* Client-side glue of the map explorer: zoom bucket, URL state (replaceState: no page reload, no router
   round trip) and the step-by-step replay (hours, days or months). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cityopsMap: {
    zoomBucket: function (relayout, current) {
      var nc = window.dash_clientside.no_update;
      if (!relayout || relayout["map.zoom"] === undefined) { return nc; }
      var bucket = relayout["map.zoom"] >= 12.5 ? "near" : "far";
      return bucket === current ? nc : bucket;
    },
    syncUrl: function (period, district, category, status, department, layers, mode, kpi, hour, hourMax, prefs) {
      var params = new URLSearchParams();
      var current = new URLSearchParams(window.location.search);
      params.set("lang", prefs.lang);
      params.set("theme", prefs.theme);
      /* a custom range keeps its dates; every period keeps the as-of moment and the comparison */
      if (period === "custom") {
        ["from", "to"].forEach(function (k) { if (current.get(k)) { params.set(k, current.get(k)); } });
      } else {
        params.set("period", period);
      }
      ["as_of", "compare"].forEach(function (k) { if (current.get(k)) { params.set(k, current.get(k)); } });
      var filters = { district: district, category: category, status: status, department: department };
      Object.keys(filters).forEach(function (k) { if (filters[k]) { params.set(k, filters[k]); } });
      params.set("layers", (layers || []).join(","));
      params.set("mode", mode);
      params.set("kpi", kpi);
      if (hour !== null && hour !== undefined && hour < hourMax) { params.set("hour", String(hour)); }
      /* after the callbacks of this change went out: replacing the URL takes a while */
      var url = window.location.pathname + "?" + params.toString();
      window.setTimeout(function () { window.history.replaceState(window.history.state, "", url); }, 0);
      return params.toString();
    },
    resetHour: function (period, hoursByPeriod) {
      /* a new period shows all of it: the slider at its end (its steps: hours, days or months), without a
         round trip to the server */
      var hours = hoursByPeriod[period] || hoursByPeriod["7d"];
      return [hours, hours];
    },
    clearRange: function (period) {
      /* a period button leaves the custom range: the picker's dates no longer name the view */
      var nc = window.dash_clientside.no_update;
      return period === "custom" ? [nc, nc] : [null, null];
    },
    togglePlay: function (_clicks, disabled) {
      return !disabled;
    },
    step: function (_n, hour, hourMax, paused) {
      /* only the last step stops the replay; a tick that was on its way when the replay was paused moves
         nothing (re-enabling here would undo the pause, as a busy page runs a tick after the click) */
      var nc = window.dash_clientside.no_update;
      if (paused) { return [nc, nc]; }
      if (hour === hourMax - 1) { return [hourMax, true]; }
      if (hour === null || hour >= hourMax) { return [0, nc]; }
      return [hour + 1, nc];
    }
  }
});
