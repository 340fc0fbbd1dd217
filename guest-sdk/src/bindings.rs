//! The one place the renderer world's guest bindings are generated, from
//! `wit/renderer.wit`. Plugin authors do not use this module directly: they
//! implement [`crate::Renderer`] and call [`crate::export_renderer!`]; the
//! WIT types are re-exported at the crate root.

wit_bindgen::generate!({
    world: "renderer",
    path: "wit",
    // The export macro is expanded in the plugin crate, which names this
    // module through `$crate` (see `export_renderer!`).
    pub_export_macro: true,
    export_macro_name: "export",
    default_bindings_module: "::planhost_guest::bindings",
    additional_derives: [PartialEq],
});
