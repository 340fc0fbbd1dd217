//! Build script: as a wasm component, the plugin starts with 16 MiB of
//! linear memory, about what the table of a 10,000-item plan needs (the
//! view data, the parsed items and the HTML), so a large render does not
//! grow its memory step by step, each step a call into the host. Pages that
//! are never written cost nothing.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32") {
        println!("cargo::rustc-link-arg-cdylib=--initial-memory={}", 16 << 20);
    }
}
