/* Every plotly map of the pages: when its data changes (a filter, a period, a refresh), the map keeps showing
   the frame it has until the new data is ready, instead of drawing frames of half-loaded sources in between.
   Without a GPU (the command centre's PCs, the intranet's virtual desktops) the map is drawn in software, and one
   such frame costs 50-100 ms of the page's only thread, the thread that also has to take in the new data.

   A data change of a source (plotly's setData, or a source added; not a tile of a pan or zoom) holds the map's
   frames while its sources load, for at most HOLD_MS, after which a frame is drawn whatever has loaded; a held
   frame draws nothing, so the canvas keeps the last one. Never held: a pan or zoom, a frame after the canvas was
   resized (a resized canvas is blank), a frame after a source failed.

   Plotly fails on a map updated or resized while its style is still loading (it reads the style's layers, not
   there yet). A graph takes its size a while after its page or scene shows (the wall's next scene, a scroll bar
   appearing), and a refresh can bring new data, both later on a busy machine: such an update of a map (plotly's
   updateMap, which resizes also go through) waits for the map's load, for at most WAIT_MS (a style that does not
   load: the update is given up, the graph keeps what it has). */
(function () {
  var HOLD_MS = 400;
  var WAIT_MS = 10000;

  function wrapPainter(map, state) {
    var painter = map.painter;
    if (!painter || typeof painter.render !== "function" || painter.__cityopsWrapped) { return; }
    var render = painter.render;
    painter.render = function () {
      var canvas = map.getCanvas();
      var size = canvas.width + "x" + canvas.height;
      var waited = state.since === null ? 0 : performance.now() - state.since;
      if (state.since !== null && waited < HOLD_MS && size === state.size && !map.isMoving() && !map.isStyleLoaded()) {
        state.held += 1;
        return undefined;
      }
      state.since = null;
      state.size = size;
      return render.apply(this, arguments);
    };
    painter.__cityopsWrapped = true;
  }

  function hold(map) {
    if (map.__cityopsFrames || !map.painter) { return; }
    var state = { since: null, size: null, held: 0, timer: null };
    map.__cityopsFrames = state;
    map.on("sourcedataloading", function (event) {
      if (event.tile) { return; }
      state.since = performance.now();
      window.clearTimeout(state.timer);  /* a frame when the hold runs out, even if nothing else asks for one */
      state.timer = window.setTimeout(function () { map.triggerRepaint(); }, HOLD_MS);
    });
    ["error", "sourcedataabort"].forEach(function (name) {
      map.on(name, function () { state.since = null; map.triggerRepaint(); });
    });
    map.on("webglcontextrestored", function () { wrapPainter(map, state); });  /* a new painter */
    wrapPainter(map, state);
  }

  function styleLoading(map) {
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
      if (!self.map || !styleLoading(self.map)) { return update.apply(self, args); }
      loaded(self.map).then(function () {
        if (styleLoading(self.map)) { resolve(); } else { update.apply(self, args); }
      });
      return undefined;
    };
  }

  function holdMapsOf(graph) {
    var layout = graph._fullLayout || {};
    Object.keys(layout).forEach(function (key) {
      var subplot = /^map\d*$/.test(key) && layout[key] && layout[key]._subplot;
      if (subplot) { holdUpdates(subplot); }
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
