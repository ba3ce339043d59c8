//! The body of `POST /subscriptions`, built in one place. The explorer's preview and the request
//! `subscription_create` sends both come from [`build`], so what the screen shows is what Graph
//! receives: the same resource string (its query kept), API version, lifetime and fields. Only
//! what the app makes at creation (the clientState, the certificate, the receiver's URLs) is a
//! stand-in in the preview, named as such.

use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_catalog::preview::RequestPreview;
use studio_graph::NewSubscription;
use studio_primitives::clock::rfc3339;

/// Every notification needs TLS 1.2 or later on the endpoint; said explicitly so the request
/// shows it.
const TLS: &str = "v1_2";

/// What the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<'a> {
    /// The resource string as typed (placeholders filled, `$select` and other options kept).
    pub resource: &'a str,
    /// `created,updated`.
    pub change_type: &'a str,
    /// Whole minutes from now; the resource's longest lifetime less a minute when absent.
    pub expiration_minutes: Option<u32>,
    /// Rich notifications.
    pub include_resource_data: bool,
    /// Lifecycle notifications at the receiver.
    pub include_lifecycle_url: bool,
    /// Universal Print's `notificationQueryOptions`.
    pub notification_query_options: Option<&'a str>,
}

/// What the app supplies at creation; the preview passes stand-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'a> {
    /// `notificationUrl`.
    pub notification_url: &'a str,
    /// `lifecycleNotificationUrl`, used when the choice asks for it.
    pub lifecycle_url: &'a str,
    /// `clientState`.
    pub client_state: &'a str,
    /// The certificate's base64 DER and id, for rich notifications.
    pub certificate: Option<(&'a str, &'a str)>,
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// The API version it goes to (the catalog's first for the path).
    pub api: ApiVersion,
    /// The body.
    pub body: NewSubscription,
}

/// The resource's longest lifetime in minutes (60 when the catalog does not know it).
pub fn longest_minutes(catalog: Option<&Catalog>, resource: &str, rich: bool) -> u32 {
    catalog
        .and_then(|c| c.resolve(resource).and_then(|r| c.resource(&r.resource_id)))
        .map_or(60, |r| r.max_minutes_for(rich))
}

/// The API version a resource's subscriptions go to: the catalog's first for its path.
pub fn api_for(catalog: Option<&Catalog>, resource: &str) -> ApiVersion {
    catalog
        .and_then(|c| {
            let resolved = c.resolve(resource)?;
            let (entry, path) = c.path(&resolved.template)?;
            entry.api_for(path).first().copied()
        })
        .unwrap_or(ApiVersion::V1)
}

/// The request for `choice`, delivered as `delivery` says, expiring counted from `now`.
pub fn build(
    catalog: Option<&Catalog>,
    choice: &Choice<'_>,
    delivery: &Delivery<'_>,
    now: i64,
) -> SubscriptionRequest {
    let resolved = catalog.and_then(|c| c.resolve(choice.resource));
    let resource = resolved.as_ref().map_or_else(
        || choice.resource.trim().to_owned(),
        |r| r.canonical.clone(),
    );
    let api = api_for(catalog, choice.resource);
    let minutes = choice.expiration_minutes.unwrap_or_else(|| {
        longest_minutes(catalog, choice.resource, choice.include_resource_data).saturating_sub(1)
    });
    let rich = choice.include_resource_data;
    SubscriptionRequest {
        api,
        body: NewSubscription {
            change_type: choice.change_type.trim().to_owned(),
            notification_url: delivery.notification_url.to_owned(),
            resource,
            expiration_date_time: rfc3339(now + i64::from(minutes.max(1)) * 60),
            client_state: Some(delivery.client_state.to_owned()),
            lifecycle_notification_url: choice
                .include_lifecycle_url
                .then(|| delivery.lifecycle_url.to_owned()),
            include_resource_data: rich.then_some(true),
            encryption_certificate: delivery
                .certificate
                .filter(|_| rich)
                .map(|(der, _)| der.to_owned()),
            encryption_certificate_id: delivery
                .certificate
                .filter(|_| rich)
                .map(|(_, id)| id.to_owned()),
            latest_supported_tls_version: Some(TLS.to_owned()),
            notification_url_app_id: None,
            notification_query_options: choice.notification_query_options.map(str::to_owned),
        },
    }
}

/// The request as the window shows it: the JSON body (the value that is sent, pretty-printed),
/// and the same request as curl and as raw HTTP.
pub fn render(graph_base: &str, request: &SubscriptionRequest) -> RequestPreview {
    let json = serde_json::to_value(&request.body)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or_default();
    let url = format!(
        "{}/{}/subscriptions",
        graph_base.trim_end_matches('/'),
        request.api.as_str()
    );
    let curl = format!(
        "curl -X POST '{url}' \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{}'",
        json.replace('\'', r"'\''")
    );
    let http = format!(
        "POST {url}\nAuthorization: Bearer {{token}}\nContent-Type: application/json\n\n{json}"
    );
    RequestPreview { json, curl, http }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn delivery() -> Delivery<'static> {
        Delivery {
            notification_url: "https://example.test/n",
            lifecycle_url: "https://example.test/l",
            client_state: "cs",
            certificate: Some(("DER", "cert-1")),
        }
    }

    fn choice(resource: &str) -> Choice<'_> {
        Choice {
            resource,
            change_type: "created",
            expiration_minutes: Some(60),
            include_resource_data: false,
            include_lifecycle_url: false,
            notification_query_options: None,
        }
    }

    #[test]
    fn the_query_and_the_users_choices_are_kept() {
        let catalog = Catalog::get().ok();
        let mut rich = choice("/me/messages?$select=subject,from");
        rich.include_resource_data = true;
        let request = build(catalog, &rich, &delivery(), NOW);
        assert_eq!(request.body.resource, "/me/messages?$select=subject,from");
        assert_eq!(
            request.body.encryption_certificate_id.as_deref(),
            Some("cert-1")
        );
        assert_eq!(
            request.body.lifecycle_notification_url, None,
            "unchecked: none sent"
        );
        assert_eq!(request.body.expiration_date_time, rfc3339(NOW + 3600));
        let plain = build(catalog, &choice("/me/messages"), &delivery(), NOW);
        assert_eq!(plain.body.encryption_certificate, None);
    }

    #[test]
    fn a_beta_only_path_goes_to_beta_and_the_preview_says_so() {
        let catalog = Catalog::get().ok();
        let beta = catalog.and_then(|c| {
            c.templates()
                .find(|(resource, path, _)| {
                    resource.api_for(path).first() == Some(&ApiVersion::Beta)
                })
                .map(|(_, path, _)| path.template.clone())
        });
        assert!(beta.is_some(), "the catalog has beta-only paths");
        let request = build(
            catalog,
            &choice("/teams/t1/schedule/shifts"),
            &delivery(),
            NOW,
        );
        assert_eq!(request.api, ApiVersion::Beta);
        let shown = render("https://graph.microsoft.com", &request);
        assert!(shown.curl.contains("/beta/subscriptions"), "{}", shown.curl);
    }

    #[test]
    fn the_resource_is_written_as_graph_documents_it() {
        let mut two = choice("/Me/Messages/");
        two.change_type = "created,updated";
        let request = build(Catalog::get().ok(), &two, &delivery(), NOW);
        assert_eq!(request.body.resource, "/me/messages");
        assert_eq!(request.body.change_type, "created,updated");
        let shown = render("https://graph.microsoft.com", &request);
        assert!(
            shown
                .curl
                .starts_with("curl -X POST 'https://graph.microsoft.com/v1.0/subscriptions'")
        );
        assert!(
            shown
                .http
                .starts_with("POST https://graph.microsoft.com/v1.0/subscriptions\n")
        );
    }

    #[test]
    fn single_quotes_survive_the_shell() {
        let alerts = choice("/security/alerts?$filter=status eq 'newAlert'");
        let request = build(Catalog::get().ok(), &alerts, &delivery(), NOW);
        let shown = render("https://graph.microsoft.com", &request);
        assert!(
            shown.curl.contains(r"status eq '\''newAlert'\''"),
            "{}",
            shown.curl
        );
    }

    #[test]
    fn the_preview_is_the_value_sent() {
        let request = build(Catalog::get().ok(), &choice("/me/events"), &delivery(), NOW);
        let shown = render("https://graph.microsoft.com", &request);
        let sent = serde_json::to_value(&request.body).unwrap_or_default();
        let previewed: serde_json::Value = serde_json::from_str(&shown.json).unwrap_or_default();
        assert_eq!(previewed, sent);
        assert!(shown.http.ends_with(&shown.json));
    }
}
