//! `/subscriptions`: the typed model (every property in the reference) and the calls: create,
//! list (following `@odata.nextLink`), get, renew, move the notification URL, replace the
//! certificate, delete, reauthorize.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use studio_catalog::model::ApiVersion;
use ts_rs::TS;

use crate::client::GraphClient;
use crate::error::GraphError;

/// A subscription as Graph returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// The watched resource.
    pub resource: String,
    /// Comma-separated `created`, `updated`, `deleted`.
    pub change_type: String,
    /// Where notifications go.
    pub notification_url: String,
    /// RFC 3339.
    pub expiration_date_time: String,
    /// Echoed in every notification.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_state: Option<String>,
    /// Where lifecycle notifications go.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_notification_url: Option<String>,
    /// The app that created it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// The user or service principal that created it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// Rich notifications.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_resource_data: Option<bool>,
    /// The app's id for its encryption certificate.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate_id: Option<String>,
    /// `v1_0` … `v1_3`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_supported_tls_version: Option<String>,
    /// The app id the endpoint expects in validation tokens.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url_app_id: Option<String>,
    /// Universal Print's filter.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_query_options: Option<String>,
    /// Always `application/json`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_content_type: Option<String>,
}

/// What creating a subscription sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewSubscription {
    /// Comma-separated change types.
    pub change_type: String,
    /// Where notifications go (HTTPS).
    pub notification_url: String,
    /// The resource path.
    pub resource: String,
    /// RFC 3339, UTC.
    pub expiration_date_time: String,
    /// Up to 128 characters, echoed in notifications.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_state: Option<String>,
    /// Where lifecycle notifications go.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_notification_url: Option<String>,
    /// Rich notifications.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_resource_data: Option<bool>,
    /// base64 DER of the certificate (public key only).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate: Option<String>,
    /// The app's id for that certificate.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate_id: Option<String>,
    /// `v1_0` … `v1_3`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_supported_tls_version: Option<String>,
    /// The app id the endpoint expects in validation tokens.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url_app_id: Option<String>,
    /// Universal Print's filter.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_query_options: Option<String>,
}

/// Subscription ids are GUIDs; anything else never reaches a URL path.
fn checked(id: &str) -> Result<&str, GraphError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(id)
    } else {
        Err(GraphError::Decode(format!(
            "'{}' is not a subscription id",
            id.chars().take(64).collect::<String>()
        )))
    }
}

fn parse(body: Value) -> Result<Subscription, GraphError> {
    serde_json::from_value(body).map_err(|e| GraphError::Decode(format!("a subscription: {e}")))
}

/// The most subscriptions a list reads.
pub const LIST_LIMIT: usize = 10_000;

impl GraphClient {
    /// `POST /subscriptions` (Graph validates the notification URL before answering).
    pub async fn create_subscription(
        &self,
        api: ApiVersion,
        new: &NewSubscription,
    ) -> Result<Subscription, GraphError> {
        let body = serde_json::to_value(new).map_err(|e| GraphError::Decode(e.to_string()))?;
        parse(
            self.send(Method::POST, api, "/subscriptions", Some(&body))
                .await?
                .body,
        )
    }

    /// `GET /subscriptions`, every page: only this app's subscriptions.
    pub async fn list_subscriptions(
        &self,
        api: ApiVersion,
    ) -> Result<Vec<Subscription>, GraphError> {
        self.list(api, "/subscriptions", LIST_LIMIT)
            .await?
            .into_iter()
            .map(parse)
            .collect()
    }

    /// `GET /subscriptions/{id}`.
    pub async fn get_subscription(
        &self,
        api: ApiVersion,
        id: &str,
    ) -> Result<Subscription, GraphError> {
        parse(
            self.send(
                Method::GET,
                api,
                &format!("/subscriptions/{}", checked(id)?),
                None,
            )
            .await?
            .body,
        )
    }

    async fn patch(
        &self,
        api: ApiVersion,
        id: &str,
        body: Value,
    ) -> Result<Subscription, GraphError> {
        parse(
            self.send(
                Method::PATCH,
                api,
                &format!("/subscriptions/{}", checked(id)?),
                Some(&body),
            )
            .await?
            .body,
        )
    }

    /// Renews: a new `expirationDateTime` (RFC 3339).
    pub async fn renew_subscription(
        &self,
        api: ApiVersion,
        id: &str,
        expiration: &str,
    ) -> Result<Subscription, GraphError> {
        self.patch(api, id, json!({ "expirationDateTime": expiration }))
            .await
    }

    /// Moves notifications to another URL (Graph validates it first).
    pub async fn move_subscription(
        &self,
        api: ApiVersion,
        id: &str,
        notification_url: &str,
    ) -> Result<Subscription, GraphError> {
        self.patch(api, id, json!({ "notificationUrl": notification_url }))
            .await
    }

    /// Replaces the encryption certificate (base64 DER) and its id.
    pub async fn replace_certificate(
        &self,
        api: ApiVersion,
        id: &str,
        certificate: &str,
        certificate_id: &str,
    ) -> Result<Subscription, GraphError> {
        self.patch(api, id, json!({ "encryptionCertificate": certificate, "encryptionCertificateId": certificate_id })).await
    }

    /// `DELETE /subscriptions/{id}`.
    pub async fn delete_subscription(&self, api: ApiVersion, id: &str) -> Result<(), GraphError> {
        self.send(
            Method::DELETE,
            api,
            &format!("/subscriptions/{}", checked(id)?),
            None,
        )
        .await
        .map(|_| ())
    }

    /// `POST /subscriptions/{id}/reauthorize`.
    pub async fn reauthorize_subscription(
        &self,
        api: ApiVersion,
        id: &str,
    ) -> Result<(), GraphError> {
        self.send(
            Method::POST,
            api,
            &format!("/subscriptions/{}/reauthorize", checked(id)?),
            None,
        )
        .await
        .map(|_| ())
    }
}
