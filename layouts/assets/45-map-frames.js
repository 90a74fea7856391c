/* Every plotly map of the pages: when its data changes (a filter, a period, a refresh), the map keeps showing
   the frame it has until the new data is ready, instead of drawing frames of half-loaded sources in between.
   Without a GPU (the command centre's PCs, the intranet's virtual desktops) the map is drawn in software, and one
   such frame costs 50-100 ms of the page's only thread, the thread that also has to take in the new data.

   A data change of a source (plotly's setData, or a source added; not a tile of a pan or zoom) holds the map's
   frames while its sources load, for at most HOLD_MS; a held frame draws nothing, so the canvas keeps the last
   one. A pan or zoom is never held. */
(function () {
  var HOLD_MS = 400;

  function hold(map) {
    if (map.__cityopsFrames || !map.painter || typeof map.painter.render !== "function") { return; }
    map.__cityopsFrames = { since: null, held: 0 };
    var state = map.__cityopsFrames;
    var render = map.painter.render;
    map.on("sourcedataloading", function (event) {
      if (!event.tile) { state.since = performance.now(); }
    });
    map.painter.render = function () {
      var loading = state.since !== null && !map.isStyleLoaded() && !map.isMoving();
      if (loading && performance.now() - state.since < HOLD_MS) {
        state.held += 1;
        return undefined;
      }
      state.since = null;
      return render.apply(this, arguments);
    };
  }

  function holdMapsOf(graph) {
    var layout = graph._fullLayout || {};
    Object.keys(layout).forEach(function (key) {
      var subplot = /^map\d*$/.test(key) && layout[key] && layout[key]._subplot;
      if (subplot && subplot.map) { hold(subplot.map); }
    });
  }

  /* plotly creates a map's canvas inside a graph; the map is the graph's subplot's by the time this runs */
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1 || !node.matches("canvas.maplibregl-canvas")) { return; }
        var graph = node.closest(".js-plotly-plot");
        if (graph) { holdMapsOf(graph); }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
