//! One subscription as the sandbox keeps it and as Graph answers it: every documented property
//! (`null` where not set), plus what only the sandbox needs (expiry in seconds, the certificate,
//! whether `reauthorizationRequired` went out). Kept apart from the `/subscriptions` handlers so
//! each stays readable.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use studio_catalog::model::ApiVersion;

/// A subscription as Graph returns it (the certificate itself is never echoed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// The watched resource, as given.
    pub resource: String,
    /// The creating app.
    pub application_id: String,
    /// Comma-separated change types.
    pub change_type: String,
    /// Echoed in every notification.
    pub client_state: Option<String>,
    /// Where notifications go.
    pub notification_url: String,
    /// Where lifecycle notifications go.
    pub lifecycle_notification_url: Option<String>,
    /// RFC 3339, UTC.
    pub expiration_date_time: String,
    /// The user or service principal that created it.
    pub creator_id: String,
    /// Rich notifications.
    pub include_resource_data: bool,
    /// `v1_2` unless set.
    pub latest_supported_tls_version: String,
    /// The app's certificate id.
    pub encryption_certificate_id: Option<String>,
    /// Universal Print's filter of which changes notify (`null` when not set, as Graph answers).
    pub notification_query_options: Option<String>,
    /// The app id that the notification endpoint expects in validation tokens (`null` when not
    /// set).
    pub notification_url_app_id: Option<String>,
    /// Always `application/json`.
    pub notification_content_type: String,
    /// `v1.0` or `beta` (not part of Graph's body).
    #[serde(skip)]
    pub api: Option<ApiVersion>,
    /// The certificate, base64 DER (kept, and saved with the sandbox's state; Graph's answers
    /// carry `encryptionCertificate: null`, see [`Subscription::answer`]).
    #[serde(default)]
    pub encryption_certificate: Option<String>,
    /// Expiry as Unix seconds (not part of Graph's body).
    #[serde(skip)]
    pub expires_at: i64,
    /// `reauthorizationRequired` was sent for the current expiry (reset on renewal).
    #[serde(skip)]
    pub reauthorization_sent: bool,
}

impl Subscription {
    /// The subscription as Graph answers it: every documented property, the certificate itself
    /// not echoed (`encryptionCertificate: null`).
    pub fn answer(&self) -> Value {
        let mut out = serde_json::to_value(self).unwrap_or(Value::Null);
        out["encryptionCertificate"] = Value::Null;
        out
    }
}
