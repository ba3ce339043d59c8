//! The settings file: atomic writes, and recovery from a bad file.
//!
//! A settings file that cannot be read or parsed must never keep the app from starting. It is
//! moved aside as `settings.toml.bad-<time>` (so nothing the user wrote is lost), the defaults
//! are used, and the problem is reported to the window, which shows it until dismissed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_primitives::clock::Clock;
use ts_rs::TS;

use super::Settings;
use crate::error::CoreError;

/// What went wrong with the settings file at start, shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsProblem {
    /// What was wrong, in a sentence.
    pub message: String,
    /// Where the bad file was moved, if it could be moved.
    pub backup_path: Option<String>,
}

/// The outcome of reading the settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSettings {
    /// The settings to use.
    pub settings: Settings,
    /// Set when the file was bad and the defaults are in use.
    pub problem: Option<SettingsProblem>,
}

/// Reads the settings file; a missing file gives the defaults, a bad one is moved aside.
pub fn load(path: &Path, clock: &dyn Clock) -> LoadedSettings {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return LoadedSettings {
                settings: Settings::default(),
                problem: None,
            };
        }
        Err(error) => return recover(path, clock, format!("cannot be read: {error}")),
    };
    let parsed = toml::from_str::<Settings>(&text)
        .map_err(|error| format!("is not valid: {}", error.message()))
        .and_then(|settings| {
            settings
                .validate()
                .map(|()| settings)
                .map_err(|error| format!("has a bad value: {error}"))
        });
    match parsed {
        Ok(settings) => LoadedSettings {
            settings,
            problem: None,
        },
        Err(reason) => recover(path, clock, reason),
    }
}

fn recover(path: &Path, clock: &dyn Clock, reason: String) -> LoadedSettings {
    let backup = backup_path(path, clock);
    let backup_path = match std::fs::rename(path, &backup) {
        Ok(()) => Some(backup.display().to_string()),
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "could not move the bad settings file aside");
            None
        }
    };
    let kept = match &backup_path {
        Some(p) => format!(" It was kept as {p}."),
        None => String::new(),
    };
    tracing::warn!(path = %path.display(), %reason, "settings file rejected; using defaults");
    LoadedSettings {
        settings: Settings::default(),
        problem: Some(SettingsProblem {
            message: format!(
                "The settings file {} {reason}. The defaults are in use.{kept}",
                path.display()
            ),
            backup_path,
        }),
    }
}

fn backup_path(path: &Path, clock: &dyn Clock) -> PathBuf {
    let stamp = clock.now_utc().unix_timestamp();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".bad-{stamp}"));
    path.with_file_name(name)
}

/// Writes the settings atomically: a temp file in the same folder, then a rename.
pub fn save(path: &Path, settings: &Settings) -> Result<(), CoreError> {
    let text = toml::to_string_pretty(settings).map_err(|error| CoreError::Encode {
        what: "settings",
        source: Box::new(error),
    })?;
    let io = |action: &'static str| {
        let path = path.to_path_buf();
        move |source| CoreError::Io {
            action,
            path,
            source,
        }
    };
    if let Some(dir) = path.parent() {
        crate::paths::create_private_dir(dir).map_err(io("create the settings folder"))?;
    }
    let temp = path.with_extension("toml.tmp");
    let header = "# Graph Webhook Studio settings. Edited by the app; safe to edit by hand.\n\n";
    {
        use std::io::Write;
        let mut file = crate::paths::create_private_file(&temp).map_err(io("write settings"))?;
        file.write_all(format!("{header}{text}").as_bytes())
            .map_err(io("write settings"))?;
    }
    std::fs::rename(&temp, path).map_err(io("replace settings"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ThemePreference;
    use studio_primitives::clock::FixedClock;

    fn clock() -> FixedClock {
        FixedClock::at_unix(1_700_000_000)
    }

    #[test]
    fn missing_file_gives_defaults_without_problem() {
        let dir = tempfile::tempdir().ok();
        let path = dir
            .as_ref()
            .map(|d| d.path().join("settings.toml"))
            .unwrap_or_default();
        let loaded = load(&path, &clock());
        assert_eq!(loaded.settings, Settings::default());
        assert_eq!(loaded.problem, None);
    }

    #[test]
    fn saved_settings_load_back() -> Result<(), CoreError> {
        let dir = tempfile::tempdir().map_err(|source| CoreError::Io {
            action: "make temp dir",
            path: PathBuf::new(),
            source,
        })?;
        let path = dir.path().join("config/settings.toml");
        let settings = Settings {
            theme: ThemePreference::Dark,
            receiver_port: 8123,
            ..Settings::default()
        };
        save(&path, &settings)?;
        assert_eq!(load(&path, &clock()).settings, settings);
        Ok(())
    }

    #[test]
    fn corrupt_file_is_kept_aside_and_defaults_used() {
        let dir = tempfile::tempdir().ok();
        let root = dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .unwrap_or_default();
        let path = root.join("settings.toml");
        assert!(std::fs::write(&path, "theme = [not toml").is_ok());
        let loaded = load(&path, &clock());
        assert_eq!(loaded.settings, Settings::default());
        let problem = loaded.problem.unwrap_or(SettingsProblem {
            message: String::new(),
            backup_path: None,
        });
        assert!(
            problem.message.contains("is not valid"),
            "{}",
            problem.message
        );
        let backup = root.join("settings.toml.bad-1700000000");
        assert_eq!(problem.backup_path, Some(backup.display().to_string()));
        assert_eq!(
            std::fs::read_to_string(backup).ok().as_deref(),
            Some("theme = [not toml")
        );
        assert!(!path.exists());
    }

    #[test]
    fn out_of_range_value_on_disk_is_rejected() {
        let dir = tempfile::tempdir().ok();
        let path = dir
            .as_ref()
            .map(|d| d.path().join("settings.toml"))
            .unwrap_or_default();
        assert!(std::fs::write(&path, "maxBodyMib = 9999\n").is_ok());
        let loaded = load(&path, &clock());
        assert!(loaded.problem.is_some());
        assert_eq!(loaded.settings, Settings::default());
    }
}
