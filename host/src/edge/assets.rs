//! The browser client's files: embedded in the binary, or read from a
//! directory with `--web DIR`. Owns the rule that no request path can reach
//! a byte outside that directory.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "../web/"]
struct Embedded;

/// Where the client's files come from.
#[derive(Debug, Clone)]
pub enum Assets {
    /// The copy built into the binary.
    Embedded,
    /// A directory on disk (canonical path), read on every request.
    Disk(PathBuf),
}

/// A file ready to serve.
#[derive(Debug, Clone)]
pub struct Asset {
    pub body: Cow<'static, [u8]>,
    pub content_type: String,
    /// Strong entity tag, quoted.
    pub etag: String,
}

impl Assets {
    /// Serves from `dir`, which must exist.
    pub fn from_dir(dir: &Path) -> std::io::Result<Assets> {
        let root = fs::canonicalize(dir)?;
        if !root.is_dir() {
            return Err(std::io::Error::other(format!("{} is not a directory", dir.display())));
        }
        Ok(Assets::Disk(root))
    }

    /// Looks up the file for a request path (as it appears in the URL,
    /// percent-encoded). `None` for anything missing or not allowed.
    pub fn get(&self, url_path: &str) -> Option<Asset> {
        let key = asset_key(url_path)?;
        let (body, etag) = match self {
            Assets::Embedded => {
                let file = Embedded::get(&key)?;
                let etag = hex_tag(&file.metadata.sha256_hash());
                (file.data, etag)
            }
            Assets::Disk(root) => {
                let body = read_inside(root, &key)?;
                let etag = hex_tag(&Sha256::digest(&body).into());
                (Cow::Owned(body), etag)
            }
        };
        Some(Asset { body, content_type: content_type(&key), etag })
    }
}

/// Turns a URL path into a relative file key, or refuses it. Every segment
/// is percent-decoded and must be a plain name: no `.`/`..`, no hidden
/// files, no slashes, backslashes or NUL hiding inside an encoding.
pub fn asset_key(url_path: &str) -> Option<String> {
    let path = url_path.strip_prefix('/')?;
    let mut segments = Vec::new();
    for raw in path.split('/') {
        let segment = percent_decode_str(raw).decode_utf8().ok()?;
        let bad = segment.is_empty()
            || segment.starts_with('.')
            || segment.contains(['/', '\\', '\0', ':'])
            || segment.chars().any(char::is_control);
        if bad {
            // An empty last segment means a directory: serve its index.
            if segment.is_empty() && segments.len() + 1 == path.split('/').count() {
                break;
            }
            return None;
        }
        segments.push(segment.into_owned());
    }
    if path.is_empty() || path.ends_with('/') {
        segments.push("index.html".to_owned());
    }
    Some(segments.join("/"))
}

/// Reads `root/key` only if, with every symlink resolved, it is a file
/// inside `root`.
fn read_inside(root: &Path, key: &str) -> Option<Vec<u8>> {
    let real = fs::canonicalize(root.join(key)).ok()?;
    if !real.starts_with(root) || !real.is_file() {
        return None;
    }
    fs::read(real).ok()
}

fn hex_tag(hash: &[u8; 32]) -> String {
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn content_type(key: &str) -> String {
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let textual = mime.type_() == "text"
        || matches!(mime.subtype().as_str(), "javascript" | "json" | "svg" | "xml");
    if textual { format!("{mime}; charset=utf-8") } else { mime.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_for_ordinary_paths() {
        assert_eq!(asset_key("/").as_deref(), Some("index.html"));
        assert_eq!(asset_key("/app.js").as_deref(), Some("app.js"));
        assert_eq!(asset_key("/img/a%20b.png").as_deref(), Some("img/a b.png"));
        assert_eq!(asset_key("/img/").as_deref(), Some("img/index.html"));
    }

    #[test]
    fn keys_refuse_escapes() {
        for bad in [
            "",
            "app.js",
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%2fetc",
            "/a%2f..%2f..%2fb",
            "/..\\etc\\passwd",
            "/%5c..%5cetc",
            "/a%00.html",
            "/.git/config",
            "/.",
            "//etc/passwd",
            "/C:%5cwindows",
            "/%ff",
        ] {
            assert_eq!(asset_key(bad), None, "{bad:?} was accepted");
        }
    }

    #[test]
    fn content_types_carry_charset_for_text() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("logo.png"), "image/png");
        assert_eq!(content_type("blob"), "application/octet-stream");
    }

    #[test]
    fn embedded_client_is_present() {
        let index = Assets::Embedded.get("/").expect("index.html is embedded");
        assert!(index.content_type.starts_with("text/html"));
        assert!(index.etag.starts_with('"') && index.etag.len() == 34);
    }
}
