/* Plotly fails on a map resized while its style loads (it reads the style's layers, not there yet). A graph
   takes its size a while after its page or scene shows (the wall's next scene, a scroll bar appearing), later
   on a busy machine, when its map may already be loading: such a resize waits until the map's style has
   loaded. Dash loads Plotly after these assets; the hold is put in place as Plotly arrives. */
(function () {
  function loadingMaps(graph) {
    /* the graph's maps whose style has not loaded yet */
    var layout = graph && graph._fullLayout;
    var ids = (layout && layout._subplots && layout._subplots.map) || [];
    return ids
      .map(function (id) { return layout[id] && layout[id]._subplot && layout[id]._subplot.map; })
      .filter(function (map) { return map && map.getStyle() === undefined; });
  }

  function holdResizesOfLoadingMaps(Plotly) {
    if (!Plotly || !Plotly.Plots || Plotly.Plots.resize.holdsLoadingMaps) { return; }
    var resize = Plotly.Plots.resize;
    var held = function (gd) {
      var loading = loadingMaps(typeof gd === "string" ? document.getElementById(gd) : gd);
      if (!loading.length) { return resize.apply(this, arguments); }
      return new Promise(function (loaded) { loading[0].once("styledata", loaded); }).then(function () {
        return held(gd);
      });
    };
    held.holdsLoadingMaps = true;
    Plotly.Plots.resize = held;
  }

  var plotly = window.Plotly;
  if (plotly) {
    holdResizesOfLoadingMaps(plotly);
    return;
  }
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    enumerable: true,
    get: function () { return plotly; },
    set: function (value) { plotly = value; holdResizesOfLoadingMaps(value); }
  });
})();
