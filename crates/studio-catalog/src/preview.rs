//! The exact `POST /subscriptions` a choice in the explorer produces, as JSON, curl and HTTP.
//!
//! Pure: the caller passes the expiration as an RFC 3339 string (from its injected clock) and
//! the notification URL it will use, so the preview is exactly what would be sent.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use crate::catalog::Catalog;
use crate::model::ApiVersion;
use crate::validate::Proposal;

/// What the preview needs besides the proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewContext<'a> {
    /// `https://graph.microsoft.com` or a national cloud / emulator host.
    pub graph_base: &'a str,
    /// The notification URL (the tunnel's), or a stand-in until there is one.
    pub notification_url: &'a str,
    /// The lifecycle URL, when the proposal asks for one.
    pub lifecycle_url: &'a str,
    /// `expirationDateTime`, RFC 3339 in UTC.
    pub expiration: &'a str,
}

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

/// Builds the preview. Change types keep the user's order; `clientState` is a stand-in because
/// the real one is generated, and kept secret, at creation.
pub fn preview(catalog: &Catalog, proposal: &Proposal, ctx: &PreviewContext<'_>) -> RequestPreview {
    let resolved = catalog.resolve(&proposal.resource);
    let resource_text = resolved.as_ref().map_or_else(
        || proposal.resource.trim().to_owned(),
        |r| r.canonical.clone(),
    );
    let catalog_entry = resolved.as_ref().and_then(|r| catalog.path(&r.template));
    let version = proposal.api_version.unwrap_or_else(|| {
        catalog_entry
            .map(|(resource, path)| resource.api_for(path))
            .and_then(|versions| versions.first().copied())
            .unwrap_or(ApiVersion::V1)
    });

    let mut body = Map::new();
    body.insert("changeType".into(), json!(proposal.change_types.join(",")));
    body.insert("notificationUrl".into(), json!(ctx.notification_url));
    if proposal.has_lifecycle_url {
        body.insert("lifecycleNotificationUrl".into(), json!(ctx.lifecycle_url));
    }
    body.insert("resource".into(), json!(resource_text));
    body.insert("expirationDateTime".into(), json!(ctx.expiration));
    body.insert(
        "clientState".into(),
        json!("<generated when the subscription is created>"),
    );
    if proposal.include_resource_data {
        body.insert("includeResourceData".into(), json!(true));
    }
    if proposal.include_resource_data || proposal.has_encryption_certificate {
        body.insert(
            "encryptionCertificate".into(),
            json!("<base64 DER of your certificate>"),
        );
        body.insert(
            "encryptionCertificateId".into(),
            json!("<your certificate id>"),
        );
    }
    body.insert("latestSupportedTlsVersion".into(), json!("v1_2"));
    let json = serde_json::to_string_pretty(&Value::Object(body)).unwrap_or_default();

    let url = format!(
        "{}/{}/subscriptions",
        ctx.graph_base.trim_end_matches('/'),
        version.as_str()
    );
    let extra_headers: Vec<(String, String)> = catalog_entry
        .map(|(resource, _)| {
            resource
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        })
        .unwrap_or_default();

    let mut curl = format!(
        "curl -X POST '{url}' \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n  -H 'Content-Type: application/json' \\\n"
    );
    for (name, value) in &extra_headers {
        curl.push_str(&format!(
            "  -H '{}: {}' \\\n",
            shell_quote_inner(name),
            shell_quote_inner(value)
        ));
    }
    curl.push_str(&format!("  --data-raw '{}'", shell_quote_inner(&json)));

    let mut http =
        format!("POST {url}\nAuthorization: Bearer {{token}}\nContent-Type: application/json\n");
    for (name, value) in &extra_headers {
        http.push_str(&format!("{name}: {value}\n"));
    }
    http.push('\n');
    http.push_str(&json);

    RequestPreview { json, curl, http }
}

/// Escapes text for use inside single quotes in a POSIX shell.
fn shell_quote_inner(text: &str) -> String {
    text.replace('\'', r"'\''")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PreviewContext<'static> {
        PreviewContext {
            graph_base: "https://graph.microsoft.com",
            notification_url: "https://example.ngrok.app/n",
            lifecycle_url: "https://example.ngrok.app/l",
            expiration: "2026-11-23T12:00:00Z",
        }
    }

    #[test]
    fn body_has_graph_field_names_and_the_canonical_resource() {
        let catalog = Catalog::get().expect("catalog");
        let proposal = Proposal {
            resource: "/Me/Messages/".into(),
            change_types: vec!["created".into(), "updated".into()],
            ..Proposal::default()
        };
        let p = preview(catalog, &proposal, &ctx());
        let body: Value = serde_json::from_str(&p.json).expect("json");
        assert_eq!(body["changeType"], "created,updated");
        assert_eq!(body["resource"], "/me/messages");
        assert_eq!(body["expirationDateTime"], "2026-11-23T12:00:00Z");
        assert!(body.get("lifecycleNotificationUrl").is_none());
        assert!(
            p.curl
                .starts_with("curl -X POST 'https://graph.microsoft.com/v1.0/subscriptions'")
        );
        assert!(
            p.http
                .starts_with("POST https://graph.microsoft.com/v1.0/subscriptions\n")
        );
    }

    #[test]
    fn beta_only_resources_go_to_beta_and_headers_are_added() {
        let catalog = Catalog::get().expect("catalog");
        let beta = Proposal {
            resource: "/teams/t1/schedule/shifts".into(),
            change_types: vec!["created".into()],
            ..Proposal::default()
        };
        assert!(
            preview(catalog, &beta, &ctx())
                .http
                .starts_with("POST https://graph.microsoft.com/beta/subscriptions")
        );
        let drive = Proposal {
            resource: "/drives/d1/root".into(),
            change_types: vec!["updated".into()],
            ..Proposal::default()
        };
        let p = preview(catalog, &drive, &ctx());
        assert!(p.curl.contains("-H 'Prefer: includesecuritywebhooks'"));
        assert!(p.http.contains("\nPrefer: includesecuritywebhooks\n"));
    }

    #[test]
    fn single_quotes_survive_the_shell() {
        let catalog = Catalog::get().expect("catalog");
        let alerts = Proposal {
            resource: "/security/alerts?$filter=status eq 'newAlert'".into(),
            change_types: vec!["updated".into()],
            ..Proposal::default()
        };
        let p = preview(catalog, &alerts, &ctx());
        assert!(p.curl.contains(r"status eq '\''newAlert'\''"), "{}", p.curl);
    }
}
