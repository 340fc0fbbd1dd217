//! planhost-guest: what a renderer plugin author builds on.
//!
//! A renderer plugin is a WebAssembly component (target `wasm32-wasip2`)
//! implementing the `renderer` world of `wit/renderer.wit`: the host asks it
//! for its [`PluginInfo`] once, then calls `render` with a [`RenderRequest`]
//! (a view name, the view's data as JSON text, string options) each time the
//! view changes, and shows the HTML fragment it returns. Options come only
//! from `planhost render --option KEY=VALUE`: views watched in the browser
//! are rendered with none. The fragment is trusted with the page's layout,
//! not with script: the server's pages carry a Content-Security-Policy under
//! which scripts and event handlers in it do not run.
//!
//! An author writes one [`Renderer`] impl and one [`export_renderer!`]:
//!
//! ```
//! use planhost_guest::model::WorkView;
//! use planhost_guest::{Html, PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};
//!
//! struct Names;
//!
//! impl Renderer for Names {
//!     fn info() -> PluginInfo {
//!         PluginInfo {
//!             name: "names".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             description: "The ranked work item names as a list".into(),
//!             views: vec!["work".into()],
//!         }
//!     }
//!
//!     fn render(request: RenderRequest) -> Result<String, RenderError> {
//!         if request.view != "work" {
//!             return Err(request.unknown_view());
//!         }
//!         let work: WorkView = request.data()?;
//!         let mut html = Html::new();
//!         html.open("ol", &[("id", "names")]);
//!         for item in &work.items {
//!             // Text and attribute values are escaped: plan data cannot inject markup.
//!             html.element("li", &[("data-key", &format!("item-{}", item.id))], &item.name);
//!         }
//!         html.close("ol");
//!         html.finish()
//!     }
//! }
//!
//! export_renderer!(Names);
//! # fn main() {
//! #     let data = r#"{"plan": {"name": "Q3", "weeks": 13, "cutline": 1},
//! #                   "items": [{"id": "7", "name": "<b>Sync</b>", "rank": 1}]}"#;
//! #     let request = RenderRequest { view: "work".into(), data: data.into(), options: vec![] };
//! #     assert_eq!(
//! #         Names::render(request).unwrap(),
//! #         r#"<ol id="names"><li data-key="item-7">&lt;b&gt;Sync&lt;/b&gt;</li></ol>"#
//! #     );
//! # }
//! ```
//!
//! Its `Cargo.toml` declares `crate-type = ["cdylib"]` and depends on this
//! crate; `cargo build --release --target wasm32-wasip2` then produces the
//! component (`plugins/README.md` has the whole recipe).
//!
//! - [`model`]: typed, serde-based shapes of the plan's view data.
//! - [`Html`]: an HTML builder that escapes text and attribute values;
//!   [`Html::isolated`] and [`isolate`] put plan data inside the renderer's
//!   own sentences in bidi isolation.
//! - [`RenderRequest::data`] and [`RenderRequest::option`]: typed access
//!   to a request, with errors that say what is wrong.
//! - [`format`](mod@format): numbers as the built-in renderers write them
//!   (`6`, `1.5`, `0.46`), and amounts in weeks or people as the `units`
//!   option asks.
//! - [`Keys`]: `data-key` values kept unique within a fragment (`item-7`,
//!   `item-7~2`), for data that repeats a name.
//!
//! Everything but the export itself compiles and tests on the host target
//! too, so a plugin's rendering logic is unit-tested with a plain
//! `cargo test`.

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code, missing_docs)]
pub mod bindings;
pub mod format;
mod html;
mod keys;
pub mod model;
mod request;

pub use bindings::{PluginInfo, RenderError, RenderRequest};
pub use html::{Html, escape_html, isolate};
pub use keys::Keys;

/// A renderer plugin: implement this on a unit struct and pass the struct to
/// [`export_renderer!`].
///
/// Both functions are called by the host; neither gets any state from a
/// previous call (the host may use a fresh instance per render).
pub trait Renderer {
    /// Describes the plugin: its name, version, one-line description and
    /// the views it draws.
    fn info() -> PluginInfo;

    /// Draws `request.view` from `request.data` as an HTML fragment.
    ///
    /// Return [`RenderError::UnknownView`] for a view not in
    /// [`PluginInfo::views`] ([`RenderRequest::unknown_view`]) and
    /// [`RenderError::InvalidData`] for data of the wrong shape
    /// ([`RenderRequest::data`] does this).
    fn render(request: RenderRequest) -> Result<String, RenderError>;
}

impl<T: Renderer> bindings::Guest for T {
    fn info() -> PluginInfo {
        <T as Renderer>::info()
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        <T as Renderer>::render(request)
    }
}

/// Exports a [`Renderer`] as the component's implementation of the
/// `renderer` world. Call it once per plugin crate, with the name of a type
/// in scope:
///
/// ```
/// # use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer};
/// struct Mine;
/// impl Renderer for Mine {
///     # fn info() -> PluginInfo { unimplemented!() }
///     # fn render(request: RenderRequest) -> Result<String, RenderError> { Err(request.unknown_view()) }
///     // ...
/// }
/// planhost_guest::export_renderer!(Mine);
/// # fn main() {}
/// ```
///
/// The wasm exports are generated only when compiling for `wasm32`; on other
/// targets the macro only checks that the type implements [`Renderer`], so
/// the plugin crate builds and tests natively.
#[macro_export]
macro_rules! export_renderer {
    ($ty:ident) => {
        const _: fn() = || {
            fn implements_renderer<T: $crate::Renderer>() {}
            implements_renderer::<$ty>();
        };
        #[cfg(target_arch = "wasm32")]
        $crate::bindings::export!($ty with_types_in $crate::bindings);
    };
}
