//! The OAuth flows, on the `oauth2` crate: authorization code + PKCE through the system browser
//! and a loopback redirect, the device code, client credentials with a secret or a signed client
//! assertion, and refresh. Each returns a [`Tokens`]; errors become [`IdentityError`]s with the
//! authority's own words and a fix.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    DeviceAuthorizationUrl, ExtraTokenFields, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardDeviceAuthorizationResponse, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::account::{AccountConfig, AccountIdentity};
use crate::certificate::AppCertificate;
use crate::loopback::{Loopback, Redirect};
use crate::openid::{self, Authority};
use crate::{IdentityError, Sensitive};

/// The OpenID Connect field of a token response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// An OAuth client whose token responses may carry an ID token.
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

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
    /// The scopes granted, as the token response's `scope` lists them (`None` when it has none:
    /// then they are the ones asked for).
    pub granted: Option<Vec<String>>,
    /// Who signed in: set by the delegated sign-ins (from the checked ID token, or `/me`) and by
    /// client credentials (the app); `None` after a refresh.
    pub identity: Option<AccountIdentity>,
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

fn client(account: &AccountConfig) -> OidcClient {
    OidcClient::new(ClientId::new(account.client_id.clone())).set_auth_type(AuthType::RequestBody)
}

fn tokens(response: &OidcTokenResponse) -> Tokens {
    let lifetime = response
        .expires_in()
        .map_or(3600, |d| i64::try_from(d.as_secs()).unwrap_or(3600));
    Tokens {
        access_token: Sensitive::new(response.access_token().secret().clone()),
        expires_at: now() + lifetime,
        refresh_token: response
            .refresh_token()
            .map(|r| Sensitive::new(r.secret().clone())),
        granted: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.to_string()).collect()),
        identity: None,
    }
}

/// Finishes a delegated sign-in: a refresh token is required (without one the account would
/// stop working when the app quits), and who signed in comes from the ID token, checked against
/// the authority, or from `/me` when there is none.
async fn delegated(
    response: &OidcTokenResponse,
    account: &AccountConfig,
    authority: &Authority,
    nonce: Option<&str>,
) -> Result<Tokens, IdentityError> {
    let mut tokens = tokens(response);
    if tokens.refresh_token.is_none() {
        return Err(IdentityError::NoRefreshToken);
    }
    let openid_granted = tokens
        .granted
        .as_ref()
        .is_none_or(|granted| granted.iter().any(|s| s == "openid"));
    let identity = match &response.extra_fields().id_token {
        Some(id_token) => authority.verify(id_token, &account.client_id, nonce, now())?,
        // `openid` granted and no ID token: something between the app and the authority took it.
        None if openid_granted => {
            return Err(IdentityError::IdToken(
                "the authority granted openid but sent no ID token".into(),
            ));
        }
        None => openid::from_graph_me(account, tokens.access_token.expose(), &http()?).await?,
    };
    tokens.identity = Some(identity);
    Ok(tokens)
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
    let http = http()?;
    let authority = Authority::discover(account, &http).await?;
    let loopback = Loopback::bind().await?;
    let client = client(account)
        .set_auth_uri(url(AuthUrl::new, account.authorize_url())?)
        .set_token_uri(url(TokenUrl::new, account.token_url())?)
        .set_redirect_uri(url(RedirectUrl::new, loopback.redirect_uri.clone())?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = openid::new_nonce();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(account.request_scopes().into_iter().map(Scope::new))
        .add_extra_param("nonce", nonce.clone())
        .set_pkce_challenge(challenge);
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (authorize, state) = request.url();
    // RFC 9207: an authority that says it names itself in the redirect must, or it is a mix-up.
    let issuer = authority
        .discovery
        .authorization_response_iss_parameter_supported
        .then(|| authority.discovery.issuer.clone());
    let waiting = tokio::spawn(loopback.wait_owned(state.secret().clone(), issuer, timeout));
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
        .request_async(&http)
        .await
        .map_err(|e| failed(e, account.cloud.authority_host()))?;
    delegated(&response, account, &authority, Some(&nonce)).await
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
    authority: Authority,
}

/// Starts the device-code flow.
pub async fn start_device_code(account: &AccountConfig) -> Result<DeviceSignIn, IdentityError> {
    let http = http()?;
    let authority = Authority::discover(account, &http).await?;
    let client = client(account)
        .set_device_authorization_url(url(DeviceAuthorizationUrl::new, account.device_code_url())?);
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(account.request_scopes().into_iter().map(Scope::new))
        .request_async(&http)
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
        authority,
    })
}

/// Polls until the user finishes the device-code sign-in (or it expires or is declined).
/// `time_scale` divides the waits between polls (tests run the sandbox's clock faster).
pub async fn finish_device_code(
    account: &AccountConfig,
    sign_in: &DeviceSignIn,
    time_scale: f64,
) -> Result<Tokens, IdentityError> {
    let client = client(account).set_token_uri(url(TokenUrl::new, account.token_url())?);
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
    // The device code has no authorization request, so no nonce.
    delegated(&response, account, &sign_in.authority, None).await
}

/// A refresh: a new access token (and the rotated refresh token) for the scopes granted.
pub async fn refresh(
    account: &AccountConfig,
    refresh_token: &Sensitive<String>,
) -> Result<Tokens, IdentityError> {
    refresh_for(account, refresh_token, account.refresh_scopes()).await
}

/// A refresh asking for `scopes`: Microsoft identity redeems one refresh token for any resource
/// the app was consented to (`https://<namespace>.servicebus.windows.net/.default` for Event
/// Hubs), and rotates it all the same.
pub async fn refresh_for(
    account: &AccountConfig,
    refresh_token: &Sensitive<String>,
    scopes: Vec<String>,
) -> Result<Tokens, IdentityError> {
    let client = client(account).set_token_uri(url(TokenUrl::new, account.token_url())?);
    let token = RefreshToken::new(refresh_token.expose().clone());
    let response = client
        .exchange_refresh_token(&token)
        .add_scopes(scopes.into_iter().map(Scope::new))
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

/// Client credentials with a secret or a signed client assertion, for Graph.
pub async fn client_credentials(
    account: &AccountConfig,
    proof: AppProof<'_>,
) -> Result<Tokens, IdentityError> {
    client_credentials_for(account, proof, account.cloud.graph_resource()).await
}

/// Client credentials for `resource` (its `/.default` scope: the app roles granted on it, or for
/// Azure resources what its role assignments allow).
pub async fn client_credentials_for(
    account: &AccountConfig,
    proof: AppProof<'_>,
    resource: &str,
) -> Result<Tokens, IdentityError> {
    let mut client = client(account).set_token_uri(url(TokenUrl::new, account.token_url())?);
    let assertion;
    if let AppProof::Secret(secret) = &proof {
        client = client.set_client_secret(ClientSecret::new(secret.expose().clone()));
    }
    let mut request = client
        .exchange_client_credentials()
        .add_scope(Scope::new(format!(
            "{}/.default",
            resource.trim_end_matches('/')
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
    let mut tokens = tokens(&response);
    tokens.identity = Some(openid::of_app(account, tokens.access_token.expose()));
    Ok(tokens)
}
