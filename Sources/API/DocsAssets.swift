import Foundation

/// The interactive API reference at `GET /docs`: Swagger UI's files, read once at start from
/// `DOCS_DIRECTORY` (installed from PyPI by the scripts and the Docker build, never committed),
/// and the page and initializer written here. The page runs no inline script, so its
/// Content-Security-Policy allows scripts from this origin only.
struct DocsAssets: Sendable {
    let bundle: [UInt8]
    let stylesheet: [UInt8]
    let favicon: [UInt8]?

    init(directory: URL) throws {
        bundle = Array(try Data(contentsOf: directory.appendingPathComponent("swagger-ui-bundle.js")))
        stylesheet = Array(try Data(contentsOf: directory.appendingPathComponent("swagger-ui.css")))
        favicon = (try? Data(contentsOf: directory.appendingPathComponent("favicon-32x32.png"))).map(Array.init)
    }

    /// Scripts and connections to this origin only; Swagger UI sets inline styles and draws icons as data: URLs.
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Governance Platform API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css">
        <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
        </head>
        <body>
        <div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script src="/docs/swagger-initializer.js"></script>
        </body>
        </html>

        """

    /// Renders `/openapi.yaml` with the tags open and every operation folded, operation ids shown, deep links
    /// (`/docs#/incidents/listIncidents`), and the bearer token kept for the page's life only.
    static let initializer = """
        window.addEventListener("load", function () {
          window.ui = SwaggerUIBundle({
            url: "/openapi.yaml",
            dom_id: "#swagger-ui",
            deepLinking: true,
            displayOperationId: true,
            docExpansion: "list",
            defaultModelsExpandDepth: 0,
            persistAuthorization: false,
            presets: [SwaggerUIBundle.presets.apis],
            layout: "BaseLayout"
          });
        });

        """
}
