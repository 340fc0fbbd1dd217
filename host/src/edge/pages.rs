//! `GET /view/<name>?renderer=<r>`: a view as a complete HTML page, the
//! browser client's page with the view's current HTML already in it. It is
//! the first paint, and all there is without JavaScript. Also the
//! Content-Security-Policy every HTML document the server sends carries,
//! and the page `planhost render --page` writes, to be opened from disk.

use http_types::{Request, Response, StatusCode};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::Edge;
use super::routes::error_response;
use crate::live::{Envelope, Pair, Shown, ViewError, view_topic};
use crate::lua::api::valid_view_name;
use crate::lua::thread::no_view_named;

/// In the client's `index.html`: replaced by a `<base>` so relative URLs
/// resolve from the site root under `/view/`.
pub const BASE_MARKER: &str = "<!--planhost:base-->";
/// In the client's `index.html`: replaced by the view's HTML.
pub const VIEW_MARKER: &str = "<!--planhost:view-->";
/// In the client's `index.html`, for readers without JavaScript: replaced
/// by links to every view with each renderer that draws it.
pub const LINKS_MARKER: &str = "<!--planhost:links-->";
/// The client's own title, which the page replaces by the view's.
const TITLE: &str = "<title>planhost</title>";

/// The Content-Security-Policy of every HTML document the server sends.
/// Renderer plugins are trusted with a view's layout, not with script nor
/// with the viewers' privacy: their HTML goes into the page as it is (and
/// through `innerHTML` on every update), so a `<script>`, an event handler
/// attribute or a `javascript:` URL in it must not run, and an image,
/// stylesheet, font or frame from elsewhere must not load (it would tell
/// another server who watches the plan, and when). Everything comes from
/// the server itself (its WebSocket too), images also as `data:` URLs;
/// inline `style` is allowed, as renderers lay views out with it (the chart
/// does). `base-uri` is `'self'`, not `'none'`: pages under `/view/` carry
/// the server's own `<base>` (which a renderer's `<base>`, further down,
/// cannot replace).
pub const CONTENT_SECURITY_POLICY: &str = concat!(
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; ",
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; ",
    "frame-ancestors 'none'"
);

pub async fn view_page(edge: &Edge, request: &Request, path: &str) -> Response {
    // Percent-decoded, as a browser may send any letter encoded; a name
    // that is no UTF-8 is no view's.
    let raw = &path["/view/".len()..];
    let name = percent_decode_str(raw).decode_utf8().unwrap_or(std::borrow::Cow::Borrowed(raw));
    let name = name.as_ref();
    let declared = valid_view_name(name) && edge.plan.lua.views().await.iter().any(|v| v == name);
    // A plan that failed to load may not have declared its views yet: the
    // page shows why, and the view once the plan is fixed.
    let plan_error = if declared { None } else { edge.plan.live.plan_error() };
    if !declared && (plan_error.is_none() || !valid_view_name(name)) {
        return not_found_page(edge, path, &no_view_named(name)).await;
    }
    // An empty `renderer=` asks for the default, as in the client's URL.
    let asked = request.url().query_pairs().find(|(k, v)| k == "renderer" && !v.is_empty());
    let asked = asked.map(|(_, v)| v);
    let renderer = match asked {
        Some(renderer) => renderer.into_owned(),
        None => match edge.plan.renderers.current().renderers_of(name).into_iter().next() {
            Some(renderer) => renderer,
            None => {
                let message = format!("no renderer can draw view '{name}'");
                return not_found_page(edge, path, &message).await;
            }
        },
    };
    let listing =
        edge.plan.renderers.list().into_iter().find(|p| p.name == renderer && p.status == "ok");
    let Some(listing) = listing.filter(|_| valid_view_name(&renderer)) else {
        return not_found_page(edge, path, &format!("no renderer named '{renderer}'")).await;
    };
    // A loaded renderer asked for a view it does not draw names nothing
    // either: rendering it could only fail.
    if !listing.views.iter().any(|v| v == name) {
        let draws = if listing.views.is_empty() {
            "it draws no view".to_owned()
        } else {
            format!("it draws: {}", listing.views.join(", "))
        };
        let message = format!("renderer '{renderer}' does not draw view '{name}' ({draws})");
        return not_found_page(edge, path, &message).await;
    }
    let pair = Pair { view: name.to_owned(), renderer };
    let (shown, status) = match plan_error {
        Some(message) => {
            let envelope = Envelope { html: None, error: Some(ViewError::lua(message)) };
            (Shown { envelope, rev: 0, text: "".into() }, StatusCode::ServiceUnavailable)
        }
        None => match edge.plan.live.show(pair.clone()).await {
            Some(shown) => (shown, StatusCode::Ok),
            None => {
                let message = "the view could not be published";
                return error_response(StatusCode::ServiceUnavailable, message);
            }
        },
    };
    let mut view = String::new();
    if let Some(error) = &shown.envelope.error {
        let (source, message) = (escape(&error.source), escape(&error.message));
        view += &format!(
            "<div id=\"plan-view-error\" class=\"view-error\" role=\"alert\" \
             data-source=\"{source}\" data-message=\"{message}\">{source} error: {message}</div>"
        );
    }
    view += &format!(
        "<div id=\"plan-view\" tabindex=\"0\" data-topic=\"{}\" data-rev=\"{}\">{}</div>",
        escape(&view_topic(&pair.view, &pair.renderer)),
        shown.rev,
        shown.envelope.html.as_deref().unwrap_or_default()
    );
    let title =
        format!("<title>{} · {} · planhost</title>", escape(&pair.view), escape(&pair.renderer));
    let links = view_links(edge, Some(&pair)).await;
    client_page(edge, status, "../", Some(&title), &view, &links)
}

/// The client's page for a view address that names no view or renderer:
/// with JavaScript, the client reads the address and says what is wrong
/// over its picker; without, the message and the links to the views are
/// the page.
async fn not_found_page(edge: &Edge, path: &str, message: &str) -> Response {
    let error = format!(
        "<noscript><div class=\"view-error\" role=\"alert\">{}</div></noscript>",
        escape(message)
    );
    // Up to the site's root from wherever under /view/ the address went
    // (`/view/work/` is a folder deeper than `/view/work`).
    let base = "../".repeat(path.matches('/').count().saturating_sub(1).max(1));
    let links = view_links(edge, None).await;
    client_page(edge, StatusCode::NotFound, &base, None, &error, &links)
}

/// The client's `index.html` with its markers filled: `base` the way up to
/// the site's root, `title` (if any) in place of its own, `view` in its
/// main element, `links` for readers without JavaScript.
fn client_page(
    edge: &Edge,
    status: StatusCode,
    base: &str,
    title: Option<&str>,
    view: &str,
    links: &str,
) -> Response {
    let Some(template) = edge.assets.get("/index.html") else {
        return error_response(StatusCode::NotFound, "the browser client is missing");
    };
    let page = String::from_utf8_lossy(&template.body)
        .replacen(BASE_MARKER, &format!("<base href=\"{base}\">"), 1)
        .replacen(TITLE, title.unwrap_or(TITLE), 1)
        .replacen(VIEW_MARKER, view, 1)
        .replacen(LINKS_MARKER, links, 1);
    let mut response = Response::new(status);
    response.insert_header("Content-Type", "text/html; charset=utf-8");
    response.insert_header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.insert_header("Cache-Control", "no-store");
    response.insert_header("X-Content-Type-Options", "nosniff");
    response.set_body(page);
    response
}

/// Links to every declared view with each renderer that draws it, `shown`
/// marked as the current page (what the picker offers with JavaScript).
async fn view_links(edge: &Edge, shown: Option<&Pair>) -> String {
    let registry = edge.plan.renderers.current();
    let mut links = String::new();
    for view in edge.plan.lua.views().await {
        for renderer in registry.renderers_of(&view) {
            let current = shown.is_some_and(|s| s.view == view && s.renderer == renderer);
            let href = format!(
                "view/{}?renderer={}",
                utf8_percent_encode(&view, NON_ALPHANUMERIC),
                utf8_percent_encode(&renderer, NON_ALPHANUMERIC)
            );
            links += &format!(
                "<li><a href=\"{}\"{}>{} · {}</a></li>",
                escape(&href),
                if current { " aria-current=\"page\"" } else { "" },
                escape(&view),
                escape(&renderer)
            );
        }
    }
    if links.is_empty() {
        return links;
    }
    format!("<nav class=\"view-links\" aria-label=\"Views\"><ul>{links}</ul></nav>")
}

/// The policy of a view exported as a file: nothing but its own styles and
/// `data:` images (no server to load anything from, and no script).
const STANDALONE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// A view's HTML as a complete document that stands alone (`planhost
/// render --page`): its charset said, the client's stylesheet inlined, the
/// view where the client puts it, so a file opened from disk looks as the
/// view does in the browser (without the live client around it).
pub fn standalone_page(view: &str, renderer: &str, html: &str) -> String {
    let style = super::assets::Assets::Embedded.get("/style.css").map(|css| css.body);
    let style = style.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
    let (view, renderer) = (escape(view), escape(renderer));
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{STANDALONE_POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{view} · {renderer} · planhost</title>\n<style>\n{style}</style>\n</head>\n\
         <body>\n<main><div id=\"plan-view\" tabindex=\"0\" data-view=\"{view}\" \
         data-renderer=\"{renderer}\">\
         {html}</div></main>\n</body>\n</html>\n"
    )
}

/// Escapes text for HTML content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
