//! Routes: which request gets which answer. Handlers here are thin; the
//! hub, the assets and the WebSocket handshake do the work.

use futures_lite::AsyncReadExt;
use http_types::{Method, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;

use super::request_stream::DeclaredTooLarge;
use super::{Edge, Reply, pages, ws};
use crate::hub::Delivery;
use crate::protocol::check_topic;

/// Answers one request; `target` is its request target as sent.
pub async fn route(edge: &Edge, request: &mut Request, target: Option<&str>) -> Reply {
    // The URL routed is built from the Host field and the target: a Host
    // holding a path would move the request elsewhere as `..` does.
    let host = request.header("Host");
    if host.is_some_and(|host| host.as_str().contains(['/', '\\', '?', '#', '@'])) {
        return Reply::Http(error_response(StatusCode::BadRequest, "malformed Host field"));
    }
    if target.is_some_and(resolves_elsewhere) {
        let message = "not found: a path with `.` or `..` segments or a backslash names nothing";
        return Reply::Http(error_response(StatusCode::NotFound, message));
    }
    let path = request.url().path().to_owned();
    let method = request.method();
    let response = match (method, path.as_str()) {
        (Method::Get, "/ws") => return ws::handshake(request),
        (Method::Get | Method::Head, "/healthz") => {
            json(StatusCode::Ok, &serde_json::json!({"status": "ok"}))
        }
        (Method::Get | Method::Head, "/api/topics") => topics(edge).await,
        (Method::Get | Method::Head, "/api/plugins") => {
            json(StatusCode::Ok, &edge.plan.renderers.list())
        }
        (Method::Get | Method::Head, "/api/views") => views(edge).await,
        (Method::Get | Method::Head, p) if p.starts_with("/view/") => {
            pages::view_page(edge, request, p).await
        }
        (Method::Post, p) if p.starts_with("/api/publish/") => publish(edge, request, p).await,
        (Method::Post, "/api/console") => console(edge, request).await,
        (_, "/ws") => method_not_allowed("GET"),
        (_, "/healthz" | "/api/topics" | "/api/plugins" | "/api/views") => {
            method_not_allowed("GET, HEAD")
        }
        (_, "/api/console") => method_not_allowed("POST"),
        (_, p) if p.starts_with("/api/publish/") => method_not_allowed("POST"),
        (_, p) if p.starts_with("/api/") => {
            error_response(StatusCode::NotFound, "no such endpoint")
        }
        (Method::Get | Method::Head, p) => static_file(edge, request, p),
        _ => method_not_allowed("GET, HEAD"),
    };
    Reply::Http(response)
}

/// Whether a request target's path has parts the URL parser resolves away
/// (`.` and `..` segments, also as `%2e`, and `\` read as `/`), so that the
/// path routed would not be the one the client wrote: `/api/publish/a/../b`
/// would publish to `b`.
fn resolves_elsewhere(target: &str) -> bool {
    let path = match target.find("://") {
        // Absolute form: the path starts after the authority.
        Some(scheme_end) if !target.starts_with('/') => {
            let rest = &target[scheme_end + 3..];
            rest.find(['/', '\\', '?', '#']).map_or("", |start| &rest[start..])
        }
        _ => target,
    };
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    path.contains('\\')
        || path.split('/').any(|segment| {
            segment.len() <= 6 && {
                let dots = segment.to_ascii_lowercase().replace("%2e", ".");
                dots == "." || dots == ".."
            }
        })
}

pub fn static_file(edge: &Edge, request: &Request, path: &str) -> Response {
    let Some(asset) = edge.assets.get(path) else {
        return error_response(StatusCode::NotFound, "not found");
    };
    let fresh = request.header("If-None-Match").is_some_and(|tags| {
        tags.as_str().split(',').any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == asset.etag
        })
    });
    let mut response = Response::new(if fresh { StatusCode::NotModified } else { StatusCode::Ok });
    response.insert_header("ETag", asset.etag.as_str());
    response.insert_header("Cache-Control", "no-cache");
    // Documents (HTML, or SVG opened on its own) run under the pages'
    // policy; a 304 carries it too, as it updates the headers cached.
    let document = ["text/html", "image/svg+xml"].iter().any(|t| asset.content_type.starts_with(t));
    if document {
        response.insert_header("Content-Security-Policy", pages::CONTENT_SECURITY_POLICY);
    }
    if !fresh {
        response.insert_header("Content-Type", asset.content_type.as_str());
        response.insert_header("X-Content-Type-Options", "nosniff");
        response.set_body(asset.body.into_owned());
    }
    response
}

async fn topics(edge: &Edge) -> Response {
    match edge.hub.topics().await {
        Ok(list) => json(StatusCode::Ok, &list),
        Err(e) => error_response(StatusCode::ServiceUnavailable, &e.to_string()),
    }
}

/// `GET /api/views`: the plan's views, each with the renderers that can
/// draw it.
async fn views(edge: &Edge) -> Response {
    let registry = edge.plan.renderers.current();
    let views: Vec<serde_json::Value> = edge
        .plan
        .lua
        .views()
        .await
        .into_iter()
        .map(|name| {
            let renderers = registry.renderers_of(&name);
            serde_json::json!({"name": name, "renderers": renderers})
        })
        .collect();
    json(StatusCode::Ok, &views)
}

/// `POST /api/console`: the body is a console line (Lua); the answer says
/// what it printed and whether it ran, failed or needs more lines.
async fn console(edge: &Edge, request: &mut Request) -> Response {
    if let Some(response) = unauthorised(edge, request) {
        return response;
    }
    let limit = edge.limits.max_body_bytes.min(MAX_CONSOLE_CHUNK);
    let chunk = match read_body(edge, request, limit).await {
        Ok(chunk) => chunk,
        Err(response) => return response,
    };
    json(StatusCode::Ok, &edge.plan.console.run(&chunk).await)
}

/// The 401 answer for a request that changes something without the right
/// bearer token; `None` when the token is right.
fn unauthorised(edge: &Edge, request: &Request) -> Option<Response> {
    // The scheme's name is case-insensitive (RFC 9110, 11.1).
    let authorised = request
        .header("Authorization")
        .and_then(|v| v.as_str().trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .is_some_and(|(_, presented)| edge.token.matches(presented.trim()));
    if authorised {
        return None;
    }
    let mut response = error_response(StatusCode::Unauthorized, "missing or wrong token");
    response.insert_header("WWW-Authenticate", "Bearer");
    Some(response)
}

/// `POST /api/publish/TOPIC`: the body, UTF-8 text, becomes the topic's
/// next message. `?delivery=latest-wins` marks the topic latest-wins.
async fn publish(edge: &Edge, request: &mut Request, path: &str) -> Response {
    if let Some(response) = unauthorised(edge, request) {
        return response;
    }
    let raw_topic = &path["/api/publish/".len()..];
    let Ok(topic) = percent_decode_str(raw_topic).decode_utf8() else {
        return error_response(StatusCode::BadRequest, "topic is not UTF-8");
    };
    if let Err(reason) = check_topic(&topic) {
        return error_response(StatusCode::BadRequest, &reason);
    }
    let delivery = match request.url().query_pairs().find(|(k, _)| k == "delivery") {
        None => Delivery::Every,
        Some((_, v)) if v == "every" => Delivery::Every,
        Some((_, v)) if v == "latest-wins" => Delivery::LatestWins,
        Some(_) => {
            return error_response(StatusCode::BadRequest, "delivery must be every or latest-wins");
        }
    };
    let data = match read_body(edge, request, edge.limits.max_body_bytes).await {
        Ok(data) => data,
        Err(response) => return response,
    };
    match edge.hub.publish(&topic, data, delivery).await {
        Ok(published) => json(StatusCode::Ok, &published),
        Err(e) => error_response(StatusCode::ServiceUnavailable, &e.to_string()),
    }
}

/// The largest console chunk: far more than anyone types or pastes, and
/// small enough that compiling it stays cheap (piccolo's compiler, outside
/// the Lua memory budget, takes about 225 MB and half a second for 1 MiB
/// of the simplest statements, 3.6 GB and 8 s for 16 MiB).
pub const MAX_CONSOLE_CHUNK: usize = 1 << 20;

/// The request's body as UTF-8 text, at most `limit` bytes, within the
/// I/O timeout.
async fn read_body(edge: &Edge, request: &mut Request, limit: usize) -> Result<String, Response> {
    let too_large = || {
        let message = format!("request body too large (limit {limit} bytes)");
        let mut response = error_response(StatusCode::PayloadTooLarge, &message);
        response.insert_header("Connection", "close");
        response
    };
    if request.len().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    let mut body = request.take_body().take(limit as u64 + 1);
    let read = body.read_to_end(&mut bytes);
    let outcome = futures_lite::FutureExt::or(read, async {
        smol::Timer::after(edge.limits.io_timeout).await;
        Err(std::io::ErrorKind::TimedOut.into())
    })
    .await;
    if let Err(e) = outcome {
        if DeclaredTooLarge::is(&e) {
            return Err(too_large());
        }
        let mut response = error_response(StatusCode::BadRequest, &format!("reading body: {e}"));
        response.insert_header("Connection", "close");
        return Err(response);
    }
    if bytes.len() > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| error_response(StatusCode::BadRequest, "body is not UTF-8"))
}

fn method_not_allowed(allow: &str) -> Response {
    let mut response = error_response(StatusCode::MethodNotAllowed, "method not allowed");
    response.insert_header("Allow", allow);
    response
}

/// A JSON response.
pub fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    let mut response = Response::new(status);
    response.insert_header("Content-Type", "application/json");
    response.insert_header("Cache-Control", "no-store");
    // Errors echo names from the request: never to be sniffed as HTML.
    response.insert_header("X-Content-Type-Options", "nosniff");
    response.set_body(serde_json::to_vec(value).unwrap_or_default());
    response
}

/// An error as `{"error": message}`.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}
