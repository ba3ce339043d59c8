//! The shape of a request preview: the exact `POST /subscriptions` as JSON, curl and HTTP.
//!
//! The preview is made by the same builder that makes the request the app sends
//! (`studio-core`'s `subscriptions::request`), so it lives there; this is only its type, kept
//! beside the check it travels with.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The request in three copyable forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RequestPreview {
    /// The request body, pretty-printed JSON.
    pub json: String,
    /// A curl command (the token comes from `$TOKEN`).
    pub curl: String,
    /// The raw HTTP request.
    pub http: String,
}
