//! The settings: typed, with a default for every field, and validated field by field before
//! anything is saved. [`file`] reads and writes them (atomically, recovering from a bad file).

pub mod file;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;
pub use file::{LoadedSettings, SettingsProblem, load, save};

/// How the window picks light or dark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ThemePreference {
    /// Follow the operating system's appearance.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// How Graph reaches the receiver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TunnelKind {
    /// No public URL (the sandbox delivers to loopback).
    #[default]
    None,
    /// An ngrok session inside the app.
    Ngrok,
    /// The user's own public URL forwarding to the receiver's port.
    Url,
}

impl TunnelKind {
    /// The kind of a provider choice.
    pub fn of(choice: &studio_tunnel::TunnelChoice) -> TunnelKind {
        match choice {
            studio_tunnel::TunnelChoice::None => TunnelKind::None,
            studio_tunnel::TunnelChoice::Url { .. } => TunnelKind::Url,
            studio_tunnel::TunnelChoice::Ngrok { .. } => TunnelKind::Ngrok,
        }
    }
}

/// Everything the user can set. Missing fields take their defaults, so older files keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// Light, dark or follow the OS.
    pub theme: ThemePreference,
    /// The loopback port the webhook receiver listens on; 0 picks a free one at start.
    pub receiver_port: u16,
    /// Largest notification body the receiver accepts, in MiB (413 above).
    pub max_body_mib: u32,
    /// How many receptions to keep before the oldest are pruned.
    pub retention_max_receptions: u32,
    /// Where secrets go: the OS keyring, or (the user's explicit choice when there is none)
    /// this session's memory. Takes effect at the next start.
    pub secret_storage: crate::accounts::views::SecretStorage,
    /// How Graph reaches the receiver.
    pub tunnel: TunnelKind,
    /// The public base URL when `tunnel` is `url` (https).
    pub tunnel_url: String,
    /// A reserved ngrok domain (empty: a random one).
    pub ngrok_domain: String,
    /// Re-POST every notification to this URL (empty: off).
    pub forward_to: String,
    /// The most the database may use on disk, in MiB, before the oldest receptions are pruned
    /// (bodies, headers, items, decrypted copies and the search index all count).
    pub retention_max_mib: u32,
    /// How long a request's head may take to arrive, and how long an idle connection is kept,
    /// in seconds.
    pub header_timeout_seconds: u32,
    /// The most connections the receiver keeps open; at the cap the longest-idle one is closed.
    pub max_connections: u32,
    /// The largest request head (request line and headers), in KiB (431 above).
    pub max_header_kib: u32,
    /// How many refused or unexpected requests are recorded per second at most (the rest are
    /// counted).
    pub recorded_refusals_per_second: u32,
    /// Look for a new version when the app starts (off unless the user turns it on; never
    /// blocks the start).
    pub check_updates_at_start: bool,
    /// Tell the user with a desktop notification when Graph would slow down or drop their
    /// receiver, and when it recovers.
    pub desktop_notifications: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: ThemePreference::System,
            receiver_port: 0,
            max_body_mib: 4,
            retention_max_receptions: 100_000,
            secret_storage: crate::accounts::views::SecretStorage::Keyring,
            tunnel: TunnelKind::None,
            tunnel_url: String::new(),
            ngrok_domain: String::new(),
            forward_to: String::new(),
            retention_max_mib: 1024,
            header_timeout_seconds: 15,
            max_connections: 256,
            max_header_kib: 16,
            recorded_refusals_per_second: 20,
            check_updates_at_start: false,
            desktop_notifications: true,
        }
    }
}

/// A partial update from the window: only the fields that are set change.
///
/// Numbers are wider than the stored types so an out-of-range value reaches validation and gets a
/// sentence a person can act on, rather than a deserialization error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    /// New theme.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<ThemePreference>,
    /// New receiver port.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver_port: Option<u32>,
    /// New body limit in MiB.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_mib: Option<u32>,
    /// New retention count.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_max_receptions: Option<u32>,
    /// Where secrets go from the next start.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_storage: Option<crate::accounts::views::SecretStorage>,
    /// How Graph reaches the receiver.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelKind>,
    /// Your own public URL.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_url: Option<String>,
    /// A reserved ngrok domain.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngrok_domain: Option<String>,
    /// Forwarding target (empty: off).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_to: Option<String>,
    /// Disk space kept, MiB.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_max_mib: Option<u32>,
    /// Head and idle timeout, seconds.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_timeout_seconds: Option<u32>,
    /// Connection cap.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// Largest request head, KiB.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_header_kib: Option<u32>,
    /// Refused or unexpected requests recorded per second.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_refusals_per_second: Option<u32>,
    /// Look for a new version at start.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_updates_at_start: Option<bool>,
    /// Desktop notifications when delivery health changes.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_notifications: Option<bool>,
}

/// Allowed range for the head and idle timeout, in seconds.
pub const HEADER_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=300;
/// Allowed range for the connection cap.
pub const MAX_CONNECTIONS_RANGE: std::ops::RangeInclusive<u32> = 16..=4096;
/// Allowed range for the request head limit, in KiB (hyper needs at least 8).
pub const MAX_HEADER_KIB_RANGE: std::ops::RangeInclusive<u32> = 8..=256;
/// Allowed range for the refusals recorded per second.
pub const RECORDED_REFUSALS_RANGE: std::ops::RangeInclusive<u32> = 1..=1000;

/// Allowed range for the kept body bytes, in MiB.
pub const RETENTION_MIB_RANGE: std::ops::RangeInclusive<u32> = 16..=1_048_576;

/// Allowed range for the body limit, in MiB.
pub const MAX_BODY_MIB_RANGE: std::ops::RangeInclusive<u32> = 1..=64;
/// Allowed range for the retention count.
pub const RETENTION_RANGE: std::ops::RangeInclusive<u32> = 100..=10_000_000;

impl Settings {
    /// Applies a patch, validating every field; on error nothing changes.
    pub fn apply(&self, patch: &SettingsPatch) -> Result<Settings, CoreError> {
        let mut next = self.clone();
        if let Some(theme) = patch.theme {
            next.theme = theme;
        }
        if let Some(port) = patch.receiver_port {
            next.receiver_port = validate_port(port)?;
        }
        if let Some(mib) = patch.max_body_mib {
            next.max_body_mib = in_range("Maximum body size", mib, MAX_BODY_MIB_RANGE, "MiB")?;
        }
        if let Some(count) = patch.retention_max_receptions {
            next.retention_max_receptions =
                in_range("Receptions kept", count, RETENTION_RANGE, "receptions")?;
        }
        if let Some(storage) = patch.secret_storage {
            next.secret_storage = storage;
        }
        if let Some(kind) = patch.tunnel {
            next.tunnel = kind;
        }
        if let Some(url) = &patch.tunnel_url {
            next.tunnel_url = if url.trim().is_empty() {
                String::new()
            } else {
                studio_tunnel::check_public_url(url).map_err(|e| CoreError::InvalidSetting {
                    field: "Public URL",
                    problem: e.to_string(),
                    hint: "Give the https:// address your proxy or tunnel forwards to this computer's receiver port.".into(),
                })?
            };
        }
        if let Some(domain) = &patch.ngrok_domain {
            let domain = domain
                .trim()
                .trim_start_matches("https://")
                .trim_end_matches('/');
            let ok = domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !ok {
                return Err(CoreError::InvalidSetting {
                    field: "ngrok domain",
                    problem: format!("'{domain}' is not a domain name"),
                    hint: "Use the domain reserved in the ngrok dashboard, e.g. contoso-dev.ngrok.app, or leave it empty.".into(),
                });
            }
            next.ngrok_domain = domain.to_ascii_lowercase();
        }
        if let Some(target) = &patch.forward_to {
            next.forward_to = if target.trim().is_empty() {
                String::new()
            } else {
                crate::receiving::forward::check_target(target).map_err(|e| {
                    CoreError::InvalidSetting {
                        field: "Forward to",
                        problem: e.to_string(),
                        hint: "Use a full http:// or https:// URL, e.g. http://localhost:3000/api/notifications, or leave it empty.".into(),
                    }
                })?
            };
        }
        if let Some(mib) = patch.retention_max_mib {
            next.retention_max_mib = in_range("Disk space kept", mib, RETENTION_MIB_RANGE, "MiB")?;
        }
        if let Some(seconds) = patch.header_timeout_seconds {
            next.header_timeout_seconds =
                in_range("Header timeout", seconds, HEADER_TIMEOUT_RANGE, "seconds")?;
        }
        if let Some(count) = patch.max_connections {
            next.max_connections =
                in_range("Connections", count, MAX_CONNECTIONS_RANGE, "connections")?;
        }
        if let Some(kib) = patch.max_header_kib {
            next.max_header_kib = in_range("Request head", kib, MAX_HEADER_KIB_RANGE, "KiB")?;
        }
        if let Some(rate) = patch.recorded_refusals_per_second {
            next.recorded_refusals_per_second = in_range(
                "Refusals recorded",
                rate,
                RECORDED_REFUSALS_RANGE,
                "a second",
            )?;
        }
        if let Some(check) = patch.check_updates_at_start {
            next.check_updates_at_start = check;
        }
        if let Some(notify) = patch.desktop_notifications {
            next.desktop_notifications = notify;
        }
        if next.tunnel == TunnelKind::Url && next.tunnel_url.is_empty() && patch.tunnel.is_some() {
            return Err(CoreError::InvalidSetting {
                field: "Public URL",
                problem: "your own URL is chosen but none is given".into(),
                hint: "Enter the https:// address that forwards to this computer's receiver port."
                    .into(),
            });
        }
        Ok(next)
    }

    /// Checks a whole settings value, e.g. one just read from disk.
    pub fn validate(&self) -> Result<(), CoreError> {
        Settings::default()
            .apply(&SettingsPatch {
                theme: Some(self.theme),
                receiver_port: Some(u32::from(self.receiver_port)),
                max_body_mib: Some(self.max_body_mib),
                retention_max_receptions: Some(self.retention_max_receptions),
                secret_storage: Some(self.secret_storage),
                tunnel: Some(self.tunnel),
                tunnel_url: Some(self.tunnel_url.clone()),
                ngrok_domain: Some(self.ngrok_domain.clone()),
                forward_to: Some(self.forward_to.clone()),
                retention_max_mib: Some(self.retention_max_mib),
                header_timeout_seconds: Some(self.header_timeout_seconds),
                max_connections: Some(self.max_connections),
                max_header_kib: Some(self.max_header_kib),
                recorded_refusals_per_second: Some(self.recorded_refusals_per_second),
                check_updates_at_start: Some(self.check_updates_at_start),
                desktop_notifications: Some(self.desktop_notifications),
            })
            .map(|_| ())
    }
}

fn validate_port(port: u32) -> Result<u16, CoreError> {
    match u16::try_from(port) {
        Ok(0) => Ok(0),
        Ok(p) if p >= 1024 => Ok(p),
        _ => Err(CoreError::InvalidSetting {
            field: "Receiver port",
            problem: format!("{port} is not a port the receiver can listen on"),
            hint: "Use 0 to pick a free port at start, or a port from 1024 to 65535.".into(),
        }),
    }
}

fn in_range(
    field: &'static str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) -> Result<u32, CoreError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(CoreError::InvalidSetting {
            field,
            problem: format!("{value} {unit} is out of range"),
            hint: format!("Use {} to {} {unit}.", range.start(), range.end()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_validates_each_field() {
        let base = Settings::default();
        let bad_port = SettingsPatch {
            receiver_port: Some(70_000),
            ..SettingsPatch::default()
        };
        assert!(matches!(
            base.apply(&bad_port),
            Err(CoreError::InvalidSetting { .. })
        ));
        let privileged = SettingsPatch {
            receiver_port: Some(80),
            ..SettingsPatch::default()
        };
        assert!(base.apply(&privileged).is_err());
        let good = SettingsPatch {
            receiver_port: Some(0),
            max_body_mib: Some(16),
            ..SettingsPatch::default()
        };
        assert_eq!(base.apply(&good).ok().map(|s| s.max_body_mib), Some(16));
        let too_big = SettingsPatch {
            max_body_mib: Some(65),
            ..SettingsPatch::default()
        };
        assert!(base.apply(&too_big).is_err());
    }

    #[test]
    fn tunnel_forwarding_and_retention_are_checked_before_saving() {
        let base = Settings::default();
        let refused = |patch: SettingsPatch| match base.apply(&patch) {
            Err(CoreError::InvalidSetting { field, hint, .. }) => (field, hint),
            other => panic!("refused expected, got {other:?}"),
        };
        let (field, hint) = refused(SettingsPatch {
            tunnel: Some(TunnelKind::Url),
            tunnel_url: Some("http://plain.example.com".into()),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Public URL");
        assert!(hint.contains("https://"), "{hint}");
        let (field, _) = refused(SettingsPatch {
            tunnel: Some(TunnelKind::Url),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Public URL", "your own URL without a URL");
        let (field, _) = refused(SettingsPatch {
            forward_to: Some("ftp://files.example.com".into()),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Forward to");
        let (field, _) = refused(SettingsPatch {
            ngrok_domain: Some("my domain!".into()),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "ngrok domain");
        let (field, _) = refused(SettingsPatch {
            retention_max_mib: Some(1),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Disk space kept");
        let (field, _) = refused(SettingsPatch {
            max_header_kib: Some(4),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Request head", "hyper needs at least 8 KiB");
        let (field, _) = refused(SettingsPatch {
            max_connections: Some(1),
            ..SettingsPatch::default()
        });
        assert_eq!(field, "Connections");

        let saved = base
            .apply(&SettingsPatch {
                tunnel: Some(TunnelKind::Ngrok),
                ngrok_domain: Some(" https://Contoso-Dev.ngrok.app/ ".into()),
                forward_to: Some("http://localhost:3000/api".into()),
                ..SettingsPatch::default()
            })
            .expect("accepted");
        assert_eq!(saved.ngrok_domain, "contoso-dev.ngrok.app");
        assert_eq!(saved.forward_to, "http://localhost:3000/api");
        let cleared = saved
            .apply(&SettingsPatch {
                forward_to: Some("  ".into()),
                ..SettingsPatch::default()
            })
            .expect("empty turns forwarding off");
        assert_eq!(cleared.forward_to, "");
    }
}
