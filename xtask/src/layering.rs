//! The dependency direction, checked: every workspace crate sits on a layer and may depend (for
//! its library and binaries, not its tests) only on crates of lower layers; only the shell
//! depends on tauri. `docs/architecture.md` draws the same graph.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Each workspace crate's layer: a crate may only depend on crates of a lower layer.
pub const LAYERS: &[(&str, u8)] = &[
    ("studio-primitives", 0),
    ("studio-catalog", 1),
    ("studio-receiver", 1),
    ("studio-tunnel", 1),
    ("studio-identity", 1),
    ("studio-emulator", 2),
    ("studio-graph", 2),
    ("studio-store", 2),
    ("studio-conform", 3),
    ("studio-core", 4),
    ("studio-mcp", 5),
    ("studio-cli", 6),
    ("webhook-studio", 7),
    ("studio-tests", 7),
    ("xtask", 7),
];

/// The one crate that may depend on tauri.
pub const SHELL: &str = "webhook-studio";

/// What is wrong with the workspace's dependency graph (nothing, when it is right).
pub fn violations() -> Result<Vec<String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .map_err(|e| format!("cargo metadata did not run: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata is not JSON: {e}"))?;
    Ok(check(&metadata))
}

/// The violations in a `cargo metadata` document.
pub fn check(metadata: &Value) -> Vec<String> {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut found = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(&layer) = layers.get(name) else {
            found.push(format!("{name} has no layer in xtask/src/layering.rs"));
            continue;
        };
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let kind = dependency["kind"].as_str();
            if kind == Some("dev") {
                continue;
            }
            let target = dependency["name"].as_str().unwrap_or_default();
            if target.starts_with("tauri") && !target.starts_with("tauri-build") && name != SHELL {
                found.push(format!("{name} depends on {target}; only {SHELL} may"));
            }
            if let Some(&below) = layers.get(target)
                && below >= layer
            {
                found.push(format!(
                    "{name} (layer {layer}) depends on {target} (layer {below}): dependencies point down"
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_points_down_and_only_the_shell_uses_tauri() {
        assert_eq!(violations(), Ok(Vec::new()));
    }

    #[test]
    fn an_upward_edge_is_caught() {
        let metadata = serde_json::json!({"packages": [
            {"name": "studio-receiver", "dependencies": [{"name": "studio-store", "kind": null}]},
            {"name": "studio-store", "dependencies": [{"name": "studio-receiver", "kind": null}]},
            {"name": "studio-core", "dependencies": [{"name": "tauri", "kind": null}, {"name": "studio-cli", "kind": "dev"}]},
        ]});
        let found = check(&metadata);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("studio-receiver (layer 1) depends on studio-store"));
        assert!(found[1].contains("only webhook-studio"));
    }
}
