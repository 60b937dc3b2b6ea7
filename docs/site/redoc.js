// ReDoc over the API's own document (the policy allows no inline script).
window.addEventListener('DOMContentLoaded', () => {
  window.Redoc.init('/openapi.json', { hideDownloadButton: false }, document.getElementById('redoc'));
});
