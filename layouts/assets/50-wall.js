/* The wall's scene playlist (one scene visible at a time, chosen by the rotation counter, so nothing
   accumulates) and the scale of figure fonts to the screen (1 at 1920 px wide, 2 at 3840 px). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cityopsWall: {
    rotate: function (n, playlist) {
      var active = (n || 0) % playlist.length;
      var classes = playlist.map(function (_s, i) { return "wall-scene" + (i === active ? " active" : ""); });
      return [classes, playlist[active].name];
    },
    scale: function () {
      /* set once at load; its change triggers the wall's first refresh, drawn at the right size */
      return Math.max(1, Math.round((window.innerWidth / 1920) * 100) / 100);
    }
  }
});
