//! TypeScript bindings for the window, generated from the Rust types.
//!
//! We use ts-rs: it derives TypeScript from the same serde-annotated types the backend
//! serializes, needs no runtime, and lets us emit one self-contained file (`ui/src/ipc/bindings.ts`)
//! that is committed. `cargo xtask bindings --check` and a unit test fail when that file is stale,
//! so the window can never drift from the backend.

use std::collections::BTreeMap;

use ts_rs::{Config, TS, TypeVisitor};

use studio_core::{
    COMMAND_NAMES, CoreEvent, EVENT_CHANNEL, IpcError, commands_interface, visit_command_types,
};

/// Where the bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/ipc/bindings.ts";

struct Declarations<'a> {
    cfg: &'a Config,
    found: BTreeMap<String, String>,
    owners: BTreeMap<String, std::any::TypeId>,
    collisions: Vec<String>,
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_some() {
            let name = T::ident(self.cfg);
            match self.owners.get(&name) {
                Some(owner) if *owner == std::any::TypeId::of::<T>() => return,
                Some(_) => {
                    self.collisions.push(name);
                    return;
                }
                None => {
                    self.owners
                        .insert(name.clone(), std::any::TypeId::of::<T>());
                }
            }
            let docs = T::docs()
                .map(|d| format!("{}\n", d.trim_end()))
                .unwrap_or_default();
            self.found
                .insert(name, format!("{docs}export {}\n", T::decl(self.cfg)));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// Names that two different Rust types would both declare in TypeScript (one would silently win):
/// give one of them `#[ts(rename = "…")]`.
pub fn name_collisions() -> Vec<String> {
    let cfg = Config::default();
    every_declaration(&cfg).collisions
}

/// Visits every type the window sees: the commands' requests and responses, errors and events.
fn every_declaration(cfg: &Config) -> Declarations<'_> {
    let mut declarations = Declarations {
        cfg,
        found: BTreeMap::new(),
        owners: BTreeMap::new(),
        collisions: Vec::new(),
    };
    visit_command_types(&mut declarations);
    declarations.visit::<IpcError>();
    declarations.visit::<CoreEvent>();
    declarations
}

/// The whole bindings file, deterministic byte for byte.
pub fn typescript_bindings() -> String {
    let cfg = Config::default();
    let declarations = every_declaration(&cfg);

    let mut out = String::from(
        "// Generated from the Rust command surface (studio-core). Do not edit by hand:\n\
         // run `make bindings` after changing a command or a type it uses.\n\n",
    );
    for declaration in declarations.found.values() {
        out.push_str(declaration);
        out.push('\n');
    }
    out.push_str(&commands_interface(&cfg));
    out.push_str("\n/** The names of every command, in declaration order. */\n");
    out.push_str("export const COMMAND_NAMES = [");
    out.push_str(
        &COMMAND_NAMES
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("] as const;\n");
    out.push_str("\n/** The event name the shell forwards core events under. */\n");
    out.push_str(&format!(
        "export const EVENT_CHANNEL = \"{EVENT_CHANNEL}\";\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_bindings_are_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(BINDINGS_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == typescript_bindings(),
            "{} is stale: run `make bindings` and commit the result",
            path.display()
        );
    }

    #[test]
    fn no_two_types_share_a_typescript_name() {
        assert_eq!(name_collisions(), Vec::<String>::new());
    }

    #[test]
    fn every_type_the_window_needs_is_declared() {
        let text = typescript_bindings();
        for name in [
            "AppInfo",
            "Settings",
            "SettingsPatch",
            "IpcError",
            "ErrorCode",
            "CoreEvent",
            "StatusSnapshot",
            "ReceptionKind",
            "TokenVerdict",
            "ClientStateVerdict",
            "TunnelStatus",
        ] {
            assert!(
                text.contains(&format!("export type {name} ")),
                "{name} missing"
            );
        }
    }
}
