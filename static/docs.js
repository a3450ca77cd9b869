// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's CSP
// allows scripts from 'self' only. validatorUrl: null keeps the page from sending the
// document to swagger.io's validator (and from loading its badge).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
