// Starts Swagger UI from our own vendored copy (no inline script, no CDN).
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui" });
