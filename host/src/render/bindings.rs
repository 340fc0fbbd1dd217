//! The one place the renderer world's host bindings are generated, from
//! `guest-sdk/wit/renderer.wit`.

wasmtime::component::bindgen!({
    world: "renderer",
    path: "../guest-sdk/wit",
    // The request is lowered straight from the caller's strings.
    ownership: Borrowing { duplicate_if_necessary: false },
});
