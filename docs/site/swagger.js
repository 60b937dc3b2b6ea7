// Swagger UI over the API's own document (the policy allows no inline script).
window.addEventListener('DOMContentLoaded', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // "Try it out" calls this same server; the key is entered with Authorize.
    persistAuthorization: false,
  });
});
