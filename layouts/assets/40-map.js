/* Client-side glue of the map explorer: zoom bucket, URL state (replaceState: no page reload, no router
   round trip) and the hour-by-hour replay. */
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
      params.set("lang", prefs.lang);
      params.set("theme", prefs.theme);
      params.set("period", period);
      var filters = { district: district, category: category, status: status, department: department };
      Object.keys(filters).forEach(function (k) { if (filters[k]) { params.set(k, filters[k]); } });
      params.set("layers", (layers || []).join(","));
      params.set("mode", mode);
      params.set("kpi", kpi);
      if (hour !== null && hour !== undefined && hour < hourMax) { params.set("hour", String(hour)); }
      window.history.replaceState(window.history.state, "", window.location.pathname + "?" + params.toString());
      return params.toString();
    },
    togglePlay: function (_clicks, disabled) {
      return !disabled;
    },
    step: function (_n, hour, hourMax) {
      if (hour === hourMax - 1) { return [hourMax, true]; }
      if (hour === null || hour >= hourMax) { return [0, false]; }
      return [hour + 1, false];
    }
  }
});
