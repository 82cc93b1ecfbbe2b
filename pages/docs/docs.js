// Starts Swagger UI on the document this service serves. A file of its own, as the page's
// Content-Security-Policy allows no inline script.
'use strict';
(function () {
  /* global SwaggerUIBundle */
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', document.baseURI).href,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    // No call to the public validator: the page works offline and sends the document nowhere.
    validatorUrl: null,
    // The token stays in memory (no localStorage).
    persistAuthorization: false,
    displayOperationId: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
  });
})();
