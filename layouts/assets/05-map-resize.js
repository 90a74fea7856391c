/* Plotly fails on a map updated or resized while its style is still loading: it reads the style's layers,
   which are not there yet. A graph takes its size a while after its page or scene shows (the wall's next scene,
   a scroll bar appearing), and a refresh can bring new data, both later on a busy machine, when the map may be
   loading. Such an update of a map (plotly's updateMap, which resizes also go through) waits for the map's load,
   for at most WAIT_MS (a style that does not load: the update is given up, the graph keeps what it has). */
(function () {
  var WAIT_MS = 10000;

  function loading(map) {
    return map.getStyle() === undefined;
  }

  function loaded(map) {
    /* settles when the map has loaded, or after WAIT_MS */
    return new Promise(function (settle) {
      var timer = window.setTimeout(done, WAIT_MS);
      function done() {
        window.clearTimeout(timer);
        map.off("load", done);
        settle();
      }
      map.on("load", done);
    });
  }

  function holdUpdates(subplot) {
    if (subplot.__cityopsHeld || typeof subplot.updateMap !== "function") { return; }
    subplot.__cityopsHeld = true;
    var update = subplot.updateMap;
    subplot.updateMap = function (calcData, fullLayout, resolve) {
      var self = this, args = arguments;
      if (!self.map || !loading(self.map)) { return update.apply(self, args); }
      loaded(self.map).then(function () {
        if (loading(self.map)) { resolve(); } else { update.apply(self, args); }
      });
      return undefined;
    };
  }

  /* plotly creates a map's canvas inside a graph; the map is the graph's subplot's by the time this runs */
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1 || !node.matches("canvas.maplibregl-canvas")) { return; }
        var layout = (node.closest(".js-plotly-plot") || {})._fullLayout || {};
        Object.keys(layout).forEach(function (key) {
          var subplot = /^map\d*$/.test(key) && layout[key] && layout[key]._subplot;
          if (subplot) { holdUpdates(subplot); }
        });
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
