/* The wall's scene playlist (one scene visible at a time, chosen by the rotation counter, so nothing
   accumulates; the next one laid out but hidden, its figures drawn before it shows) and the scale of figure
   fonts to the screen (1 at 1920 px wide, 2 at 3840 px; in the URL). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cityopsWall: {
    rotate: function (n, prepared, playlist) {
      /* the scene of turn n is shown and, once the page is drawn, the one after it laid out but hidden */
      var active = (n || 0) % playlist.length;
      var next = n || prepared ? (active + 1) % playlist.length : active;
      var classes = playlist.map(function (_s, i) {
        return "wall-scene" + (i === active ? " active" : i === next ? " next" : "");
      });
      return [classes, playlist[active].name];
    },
    reveal: function (classes, playlist, deferred, graphIds, drawn) {
      /* the figures waiting since the page was drawn go to their graphs once their scene is laid out, after
         its graphs took their size; until the next scene change they stay in waiting as null, where a refresh
         puts its figure, sent then (Plotly fails on a map resized or updated before its style has loaded) */
      var waiting = deferred || {};
      var due = [];
      playlist.forEach(function (scene, i) { if (/active|next/.test(classes[i])) { due = due.concat(scene.panels); } });
      var panels = graphIds.map(function (id) { return id.panel; });
      if (!panels.some(function (p) { return p in waiting && due.indexOf(p) >= 0; })) {
        return window.dash_clientside.no_update;
      }
      var left = {};
      var figures = panels.map(function (p, i) {
        if (!(p in waiting)) { return window.dash_clientside.no_update; }
        if (due.indexOf(p) < 0) { left[p] = waiting[p]; return window.dash_clientside.no_update; }
        if (!drawn[i]) { left[p] = null; }
        return waiting[p] || window.dash_clientside.no_update;
      });
      return new Promise(function (resolve) { setTimeout(function () { resolve([figures, left]); }, 300); });
    },
    rescale: function (drawnScale) {
      /* the page is drawn for the scale in its URL; a screen of another width loads it again at its own */
      var scale = Math.min(4, Math.max(1, Math.round((window.innerWidth / 1920) * 100) / 100));
      if (scale === drawnScale) { return window.dash_clientside.no_update; }
      var params = new URLSearchParams(window.location.search);
      params.set("scale", String(scale));
      return window.location.pathname + "?" + params.toString();
    }
  }
});
