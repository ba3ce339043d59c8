//! Declares the app's one IPC command to Tauri's ACL so capabilities can grant exactly it, and
//! makes sure a fresh UI build is always embedded.

fn main() {
    // `generate_context!` embeds ui/dist at compile time. Vite rewrites index.html on every
    // build, so depending on it re-embeds the UI whenever it was rebuilt.
    println!("cargo:rerun-if-changed=../ui/dist/index.html");
    let manifest = tauri_build::AppManifest::new().commands(&["rpc"]);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        // A build script reports failure by panicking; there is no other channel.
        #[allow(clippy::panic, reason = "build scripts fail by panicking")]
        {
            panic!("tauri-build failed: {error:#}");
        }
    }
}
