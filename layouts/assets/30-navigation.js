/* Language and theme switches keep the page's other URL parameters (a shared map view stays the same view). */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-set-param]");
  if (!link) { return; }
  var url = new URL(window.location.href);
  url.searchParams.set(link.getAttribute("data-set-param"), link.getAttribute("data-value"));
  event.preventDefault();
  window.location.assign(url.toString());
});
