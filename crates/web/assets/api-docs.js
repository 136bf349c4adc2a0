// Starts the vendored Swagger UI on the generated OpenAPI document.
// Kept in a file because the Content-Security-Policy forbids inline script.
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger" });
});
