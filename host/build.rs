//! Build script: rebuilds the binary when the embedded browser client in
//! `web/` changes, and compiles the built-in renderer plugins in `plugins/`
//! for wasm32-wasip2 so the binary can embed them.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=../web");
    println!("cargo:rerun-if-changed=../plugins");
    println!("cargo:rerun-if-changed=../guest-sdk");
    // The `plugin` profile the components are built with.
    println!("cargo:rerun-if-changed=../Cargo.toml");
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("host/ sits in the workspace");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let mut list = String::from("/// Built-in plugins: (folder name, component bytes).\n");
    list.push_str("pub const PLUGINS: &[(&str, &[u8])] = &[\n");
    for (name, wasm) in build_plugins(root, &plugin_target_dir(&out_dir)) {
        writeln!(list, "    ({name:?}, include_bytes!({:?})),", wasm.display().to_string())
            .unwrap();
    }
    list.push_str("];\n");
    fs::write(out_dir.join("builtin_plugins.rs"), list).expect("writing builtin_plugins.rs");
}

/// A target folder of its own beside the workspace's (`target/wasm-plugins`),
/// so the nested cargo never waits on the lock of the build that runs us.
fn plugin_target_dir(out_dir: &Path) -> PathBuf {
    // OUT_DIR is target/<profile>/build/<crate>-<hash>/out.
    out_dir
        .ancestors()
        .nth(4)
        .map_or_else(|| out_dir.join("wasm-plugins"), |target| target.join("wasm-plugins"))
}

/// Builds every crate under `plugins/` for wasm32-wasip2 (profile `plugin`);
/// returns (folder name, path of the component).
fn build_plugins(root: &Path, target_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(root.join("plugins")) else { return Vec::new() };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    folders.sort();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    folders
        .into_iter()
        .map(|folder| {
            let name = folder.file_name().expect("a folder").to_string_lossy().into_owned();
            let status = Command::new(&cargo)
                .args(["build", "--profile", "plugin", "--quiet", "--target", "wasm32-wasip2"])
                .arg("--manifest-path")
                .arg(folder.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(target_dir)
                // Settings meant for the host build must not leak into the guest's.
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env_remove("CARGO_BUILD_TARGET")
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_MAKEFLAGS")
                .status()
                .expect("running cargo for a plugin");
            assert!(
                status.success(),
                "building plugin {name} failed; is the wasm32-wasip2 target installed? \
                 (rustup target add wasm32-wasip2)"
            );
            let package = package_name(&folder.join("Cargo.toml"));
            let wasm = target_dir
                .join("wasm32-wasip2/plugin")
                .join(format!("{}.wasm", package.replace('-', "_")));
            assert!(wasm.is_file(), "{} was not produced", wasm.display());
            (name, wasm)
        })
        .collect()
}

/// The `name` of a plugin's `[package]`.
fn package_name(manifest: &Path) -> String {
    let text = fs::read_to_string(manifest).expect("reading a plugin's Cargo.toml");
    text.lines()
        .map(str::trim)
        .find_map(|line| {
            let value = line.strip_prefix("name")?.trim_start().strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_owned())
        })
        .expect("a plugin's Cargo.toml names its package")
}
