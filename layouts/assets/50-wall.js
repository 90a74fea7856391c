/* The wall's scene playlist (one scene visible at a time, chosen by the rotation counter, so nothing
   accumulates) and the scale of figure fonts to the screen (1 at 1920 px wide, 2 at 3840 px; in the URL). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cityopsWall: {
    rotate: function (n, playlist) {
      var active = (n || 0) % playlist.length;
      var classes = playlist.map(function (_s, i) { return "wall-scene" + (i === active ? " active" : ""); });
      return [classes, playlist[active].name];
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
