import HTTPTypes
import Hummingbird
import NIOCore

/// The memory browser (docs/ui.md): `GET /ui` and its assets (script, style sheet, icon), embedded in the binary at build
/// time (`Sources/AegisHTTP/UI/Assets`, SwiftPM `embedInCode`). Open routes: the page holds no
/// data; it asks for a key and calls the JSON API with it like any client, so it sees exactly
/// what that key may see.
extension AegisRoutes {
    /// `default-src 'self'`: no inline script or style, no eval, no other origin (fetch included).
    static let uiContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func uiRoutes() -> [Route] {
        [
            Route(.get, "/ui", auth: .open) { _ in AegisRoutes.uiAsset(PackageResources.index_html, "text/html; charset=utf-8") },
            Route(.get, "/ui/app.js", auth: .open) { _ in AegisRoutes.uiAsset(PackageResources.app_js, "text/javascript; charset=utf-8") },
            Route(.get, "/ui/app.css", auth: .open) { _ in AegisRoutes.uiAsset(PackageResources.app_css, "text/css; charset=utf-8") },
            Route(.get, "/ui/icon.svg", auth: .open) { _ in AegisRoutes.uiAsset(PackageResources.icon_svg, "image/svg+xml") },
        ]
    }

    static func uiAsset(_ bytes: [UInt8], _ contentType: String) -> RouteResponse {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.contentSecurityPolicy] = uiContentSecurityPolicy
        h[.cacheControl] = "no-cache"
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return RouteResponse(status: .ok, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
