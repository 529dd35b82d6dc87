// A signed-in page restored from the browser's back/forward cache (after signing out, say) is
// fetched again, so the server decides what may be shown.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    window.location.reload();
  }
});
