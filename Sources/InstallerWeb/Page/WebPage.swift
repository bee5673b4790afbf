/// The web installer's page, served from the binary: plain HTML, CSS and one ES module written by hand
/// (no build chain, no CDN, no external fonts: the bootstrap node may be offline). The assets are in
/// PageHTML.swift, PageStyle.swift and PageScript.swift.
enum WebPage {
    /// The page is public (it holds no data); everything it shows comes from the API, which needs the session.
    static func response(for path: String) -> WebResponse {
        let asset: (type: String, text: String)
        switch path {
        case "/": asset = ("text/html; charset=utf-8", html)
        case "/assets/app.js": asset = ("text/javascript; charset=utf-8", script)
        case "/assets/style.css": asset = ("text/css; charset=utf-8", style)
        default: return .error(404, "No such page: \(path).")
        }
        return WebResponse(
            status: 200,
            headers: [
                ("Content-Type", asset.type),
                (
                    "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
                ),
            ],
            body: .bytes(Array(asset.text.utf8))
        )
    }
}
