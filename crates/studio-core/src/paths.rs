//! Where the app keeps its files.
//!
//! One place decides the data, config and log directories so the GUI, the CLI and the tests agree.
//! An override (`--data-dir`, which the CLI also takes from `WEBHOOK_STUDIO_DATA_DIR`) puts
//! everything below one folder, which is how tests stay hermetic: they never touch the user's real
//! app-data directory.

use std::path::{Path, PathBuf};

use crate::error::CoreError;

/// The reverse-DNS identifier shared with `tauri.conf.json`; it names the OS folders.
pub const APP_IDENTIFIER: &str = "dev.graphwebhookstudio.app";

/// The directories the app reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    /// Durable app data: the database, certificates' public parts, exports.
    pub data_dir: PathBuf,
    /// The settings file lives here.
    pub config_dir: PathBuf,
    /// Rolling log files.
    pub log_dir: PathBuf,
}

impl AppPaths {
    /// Everything below one folder: used for `--data-dir`, the env override and tests.
    pub fn under(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            config_dir: root.join("config"),
            log_dir: root.join("logs"),
            data_dir: root,
        }
    }

    /// The OS-conventional folders, as Tauri would choose them for [`APP_IDENTIFIER`].
    pub fn platform_default() -> Result<Self, CoreError> {
        let data = dirs::data_dir().ok_or(CoreError::NoHomeDirectory)?;
        let config = dirs::config_dir().ok_or(CoreError::NoHomeDirectory)?;
        let data_dir = data.join(APP_IDENTIFIER);
        let log_dir = if cfg!(target_os = "macos") {
            dirs::home_dir()
                .map(|home| home.join("Library/Logs").join(APP_IDENTIFIER))
                .unwrap_or_else(|| data_dir.join("logs"))
        } else {
            data_dir.join("logs")
        };
        Ok(Self {
            data_dir,
            config_dir: config.join(APP_IDENTIFIER),
            log_dir,
        })
    }

    /// The override if one is given, else the OS folders.
    pub fn resolve(dir: Option<&Path>) -> Result<Self, CoreError> {
        match dir {
            Some(dir) if !dir.as_os_str().is_empty() => Ok(Self::under(dir)),
            _ => Self::platform_default(),
        }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("settings.toml")
    }

    /// Where exports go.
    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Creates every directory, private to the user (0700: the database holds decrypted resource
    /// data), so later writes only fail for real reasons. Folders an older build made readable by
    /// others are made private.
    pub fn create_all(&self) -> Result<(), CoreError> {
        for dir in [&self.data_dir, &self.config_dir, &self.log_dir] {
            create_private_dir(dir).map_err(|source| CoreError::Io {
                action: "create directory",
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Creates a folder (and its parents) readable by its owner only; an existing one is made so.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Creates (or truncates) a file readable and writable by its owner only.
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_puts_everything_below_one_folder() {
        let paths = AppPaths::under("/tmp/x");
        assert_eq!(paths.data_dir, PathBuf::from("/tmp/x"));
        assert!(paths.config_dir.starts_with("/tmp/x"));
        assert!(paths.log_dir.starts_with("/tmp/x"));
        assert_eq!(
            paths.settings_file(),
            PathBuf::from("/tmp/x/config/settings.toml")
        );
    }

    #[test]
    fn flag_wins_over_everything() {
        let paths = AppPaths::resolve(Some(Path::new("/tmp/flag"))).ok();
        assert_eq!(paths.map(|p| p.data_dir), Some(PathBuf::from("/tmp/flag")));
    }
}
