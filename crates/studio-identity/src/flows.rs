//! The OAuth flows, on the `oauth2` crate: authorization code + PKCE through the system browser
//! and a loopback redirect, the device code, client credentials with a secret or a signed client
//! assertion, and refresh. Each returns a [`Tokens`]; errors become [`IdentityError`]s with the
//! authority's own words and a fix.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    DeviceAuthorizationUrl, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};

use crate::account::AccountConfig;
use crate::certificate::AppCertificate;
use crate::loopback::{Loopback, Redirect};
use crate::{IdentityError, Sensitive};

/// How long a browser sign-in may take.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// What a flow hands out.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The bearer token for Graph.
    pub access_token: Sensitive<String>,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
    /// A new refresh token, when the authority rotated or issued one.
    pub refresh_token: Option<Sensitive<String>>,
}

/// Opens URLs in the user's browser (the real one uses the OS; tests and the sandbox answer the
/// authorize request themselves).
pub trait Browser: Send + Sync {
    /// Opens `url`; the sign-in continues when the browser reaches the redirect.
    fn open(&self, url: &str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn url<T>(
    make: impl FnOnce(String) -> Result<T, url::ParseError>,
    text: String,
) -> Result<T, IdentityError> {
    let shown = text.clone();
    make(text).map_err(|_| IdentityError::Invalid(format!("'{shown}' is not a valid URL")))
}

fn http() -> Result<reqwest::Client, IdentityError> {
    // Following redirects from the token endpoint would open the app to SSRF.
    Ok(studio_primitives::http::client(
        "the identity platform",
        Duration::from_secs(30),
        studio_primitives::http::Redirects::None,
    )?)
}

fn tokens(response: &BasicTokenResponse) -> Tokens {
    let lifetime = response
        .expires_in()
        .map_or(3600, |d| i64::try_from(d.as_secs()).unwrap_or(3600));
    Tokens {
        access_token: Sensitive::new(response.access_token().secret().clone()),
        expires_at: now() + lifetime,
        refresh_token: response
            .refresh_token()
            .map(|r| Sensitive::new(r.secret().clone())),
    }
}

fn failed<RE, T>(error: RequestTokenError<RE, T>, authority: &str) -> IdentityError
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponse + 'static,
{
    match error {
        RequestTokenError::ServerResponse(response) => {
            let body = serde_json::to_value(&response).unwrap_or_default();
            IdentityError::service(
                body["error"].as_str().unwrap_or("error"),
                body["error_description"].as_str().unwrap_or_default(),
            )
        }
        RequestTokenError::Request(_) => IdentityError::Network(authority.to_owned()),
        // The body may hold a token the parser did not expect: never repeat it (it reaches the
        // window and the log).
        RequestTokenError::Parse(_, body) => IdentityError::Invalid(format!(
            "{authority} answered something that is not an OAuth response ({} bytes, not shown)",
            body.len()
        )),
        RequestTokenError::Other(text) => IdentityError::Invalid(text),
    }
}

/// Authorization code + PKCE: opens the authorize URL in `browser`, waits for the loopback
/// redirect, redeems the code. `extra` adds authorize parameters (`prompt`, `login_hint`).
pub async fn sign_in_with_browser(
    account: &AccountConfig,
    browser: &dyn Browser,
    extra: &[(&str, &str)],
    timeout: Duration,
) -> Result<Tokens, IdentityError> {
    let loopback = Loopback::bind().await?;
    let client = BasicClient::new(ClientId::new(account.client_id.clone()))
        .set_auth_uri(url(AuthUrl::new, account.authorize_url())?)
        .set_token_uri(url(TokenUrl::new, account.token_url())?)
        .set_redirect_uri(url(RedirectUrl::new, loopback.redirect_uri.clone())?)
        .set_auth_type(AuthType::RequestBody);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(account.request_scopes().into_iter().map(Scope::new))
        .set_pkce_challenge(challenge);
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (authorize, state) = request.url();
    let waiting = tokio::spawn(loopback.wait_owned(state.secret().clone(), timeout));
    if let Err(why) = browser.open(authorize.as_str()).await {
        waiting.abort();
        return Err(IdentityError::Cancelled(format!(
            "The browser could not be opened: {why}"
        )));
    }
    let redirect = waiting
        .await
        .map_err(|_| IdentityError::Cancelled("The sign-in was interrupted.".into()))??;
    let code = match redirect {
        Redirect::Code(code) => code,
        Redirect::Error(error, description) => {
            return Err(IdentityError::service(&error, &description));
        }
    };
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http()?)
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    Ok(tokens(&response))
}

/// A device-code sign-in in progress: show `user_code` and `verification_uri` to the user.
#[derive(Debug)]
pub struct DeviceSignIn {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// Microsoft's sentence for people.
    pub message: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    details: StandardDeviceAuthorizationResponse,
}

/// Starts the device-code flow.
pub async fn start_device_code(account: &AccountConfig) -> Result<DeviceSignIn, IdentityError> {
    let client = BasicClient::new(ClientId::new(account.client_id.clone()))
        .set_device_authorization_url(url(DeviceAuthorizationUrl::new, account.device_code_url())?)
        .set_auth_type(AuthType::RequestBody);
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(account.request_scopes().into_iter().map(Scope::new))
        .request_async(&http()?)
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    Ok(DeviceSignIn {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        message: format!(
            "To sign in, open {} and enter the code {}.",
            details.verification_uri().as_str(),
            details.user_code().secret()
        ),
        expires_in: details.expires_in().as_secs(),
        details,
    })
}

/// Polls until the user finishes the device-code sign-in (or it expires or is declined).
/// `time_scale` divides the waits between polls (tests run the sandbox's clock faster).
pub async fn finish_device_code(
    account: &AccountConfig,
    sign_in: &DeviceSignIn,
    time_scale: f64,
) -> Result<Tokens, IdentityError> {
    let client = BasicClient::new(ClientId::new(account.client_id.clone()))
        .set_token_uri(url(TokenUrl::new, account.token_url())?)
        .set_auth_type(AuthType::RequestBody);
    let scale = if time_scale.is_finite() && time_scale > 0.0 {
        time_scale
    } else {
        1.0
    };
    let http = http()?;
    let response = client
        .exchange_device_access_token(&sign_in.details)
        .request_async(
            &http,
            move |wait: Duration| tokio::time::sleep(wait.div_f64(scale)),
            None,
        )
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    Ok(tokens(&response))
}

/// A refresh: new access token (and the rotated refresh token), optionally for other scopes.
pub async fn refresh(
    account: &AccountConfig,
    refresh_token: &Sensitive<String>,
) -> Result<Tokens, IdentityError> {
    let client = BasicClient::new(ClientId::new(account.client_id.clone()))
        .set_token_uri(url(TokenUrl::new, account.token_url())?)
        .set_auth_type(AuthType::RequestBody);
    let token = RefreshToken::new(refresh_token.expose().clone());
    let response = client
        .exchange_refresh_token(&token)
        .add_scopes(account.request_scopes().into_iter().map(Scope::new))
        .request_async(&http()?)
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    Ok(tokens(&response))
}

/// How an app-only account proves itself for one request.
#[derive(Debug)]
pub enum AppProof<'a> {
    /// The client secret.
    Secret(&'a Sensitive<String>),
    /// The certificate and its private key.
    Certificate(&'a AppCertificate),
}

/// Client credentials with a secret or a signed client assertion.
pub async fn client_credentials(
    account: &AccountConfig,
    proof: AppProof<'_>,
) -> Result<Tokens, IdentityError> {
    let mut client = BasicClient::new(ClientId::new(account.client_id.clone()))
        .set_token_uri(url(TokenUrl::new, account.token_url())?)
        .set_auth_type(AuthType::RequestBody);
    let assertion;
    if let AppProof::Secret(secret) = &proof {
        client = client.set_client_secret(ClientSecret::new(secret.expose().clone()));
    }
    let mut request = client
        .exchange_client_credentials()
        .add_scope(Scope::new(format!(
            "{}/.default",
            account.cloud.graph_resource()
        )));
    if let AppProof::Certificate(certificate) = &proof {
        assertion = certificate.assertion(&account.client_id, &account.token_url(), now())?;
        request = request
            .add_extra_param(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .add_extra_param("client_assertion", assertion.expose().clone());
    }
    let response = request
        .request_async(&http()?)
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    Ok(tokens(&response))
}
