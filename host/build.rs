//! Rebuilds the binary when the embedded browser client changes, including
//! files added to or removed from `web/`.

fn main() {
    println!("cargo:rerun-if-changed=../web");
}
