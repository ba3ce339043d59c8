//! One Graph client per account: the cloud's base URL, `v1.0` or `beta`, a bearer token from
//! the account's session, a `client-request-id` on every call, a timeout, `Retry-After` honoured
//! on 429 and 503 (a bounded number of times, waits capped), and every exchange logged with the
//! Authorization header redacted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use studio_catalog::model::ApiVersion;
use studio_identity::IdentityError;
use studio_primitives::{Clock, Sensitive, SystemClock};

use crate::error::GraphError;
use crate::log::{Exchange, ExchangeLog, loggable_body, loggable_headers};

/// Where tokens come from (an account's session).
pub trait TokenSource: Send + Sync {
    /// A valid access token.
    fn token(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Sensitive<String>, IdentityError>> + Send + '_>>;
}

impl TokenSource for studio_identity::session::Session {
    fn token(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Sensitive<String>, IdentityError>> + Send + '_>> {
        Box::pin(self.current_access_token())
    }
}

/// Waits (real time in the app; instant in tests).
pub trait Sleeper: Send + Sync {
    /// Sleeps for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Tokio's sleep.
#[derive(Debug, Default)]
pub struct RealSleep;

impl Sleeper for RealSleep {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How throttling is handled.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The longest wait honoured; a longer `Retry-After` ends the retries.
    pub max_wait: Duration,
    /// The wait when Graph gives no `Retry-After`.
    pub default_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(60),
            default_wait: Duration::from_secs(2),
        }
    }
}

/// Seconds a request may take.
pub const REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// A Graph client for one account.
pub struct GraphClient {
    base: String,
    account_id: String,
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    log: Arc<dyn ExchangeLog>,
    sleeper: Arc<dyn Sleeper>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// A successful answer.
#[derive(Debug)]
pub struct GraphResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body (null when there was none, e.g. 204).
    pub body: Value,
}

impl GraphClient {
    /// A client for `graph_base` (e.g. `https://graph.microsoft.com`).
    pub fn new(
        graph_base: &str,
        account_id: &str,
        tokens: Arc<dyn TokenSource>,
        log: Arc<dyn ExchangeLog>,
    ) -> Result<GraphClient, GraphError> {
        let http = studio_primitives::http::client(
            "Microsoft Graph",
            Duration::from_secs(REQUEST_TIMEOUT_SECONDS),
            studio_primitives::http::Redirects::None,
        )?;
        Ok(GraphClient {
            base: graph_base.trim_end_matches('/').to_owned(),
            account_id: account_id.to_owned(),
            http,
            tokens,
            log,
            sleeper: Arc::new(RealSleep),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        })
    }

    /// Stamps the exchange log with `clock` (the app's injected one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> GraphClient {
        self.clock = clock;
        self
    }

    /// Replaces how waits happen and how often throttled calls are retried.
    pub fn with_retries(mut self, retry: RetryPolicy, sleeper: Arc<dyn Sleeper>) -> GraphClient {
        self.retry = retry;
        self.sleeper = sleeper;
        self
    }

    /// The URL of `path` (relative, starting with `/`) under an API version, or an absolute
    /// `@odata.nextLink` as it is.
    pub fn url(&self, api: ApiVersion, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!(
                "{}/{}/{}",
                self.base,
                api.as_str(),
                path.trim_start_matches('/')
            )
        }
    }

    /// Whether `url` is this account's Graph: the same scheme, host and port as the base, no
    /// user name or password, and a path below the base's (a link Graph hands back, such as an
    /// `@odata.nextLink`, is followed only then: the token goes nowhere else).
    pub fn is_own(&self, url: &str) -> bool {
        let (Ok(base), Ok(target)) = (url::Url::parse(&self.base), url::Url::parse(url)) else {
            return false;
        };
        let base_path = base.path().trim_end_matches('/');
        target.scheme() == base.scheme()
            && target.host_str() == base.host_str()
            && target.port_or_known_default() == base.port_or_known_default()
            && target.username().is_empty()
            && target.password().is_none()
            && (base_path.is_empty()
                || target.path() == base_path
                || target.path().starts_with(&format!("{base_path}/")))
    }

    /// Sends one request; retries on 429/503 as Graph asks; logs every attempt.
    pub async fn send(
        &self,
        method: Method,
        api: ApiVersion,
        path: &str,
        body: Option<&Value>,
    ) -> Result<GraphResponse, GraphError> {
        let url = self.url(api, path);
        if !self.is_own(&url) {
            return Err(GraphError::Decode(format!(
                "refusing to send the token to {url}, which is not this account's Graph"
            )));
        }
        let mut attempt = 0;
        loop {
            let token = self.tokens.token().await?;
            let request_id = studio_primitives::ids::random_guid();
            let mut headers = HeaderMap::new();
            let bearer =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    GraphError::Decode(
                        "the access token has characters a header cannot carry".into(),
                    )
                })?;
            headers.insert(reqwest::header::AUTHORIZATION, bearer);
            headers.insert(
                "client-request-id",
                HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("0")),
            );
            headers.insert(
                reqwest::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            );
            let payload = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
            if payload.is_some() {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            let mut exchange = Exchange {
                id: request_id,
                account_id: self.account_id.clone(),
                at: self.clock.now_rfc3339(),
                method: method.as_str().to_owned(),
                url: url.clone(),
                status: None,
                duration_ms: 0,
                request_headers: loggable_headers(&headers),
                request_body: payload.as_deref().and_then(loggable_body),
                response_headers: Vec::new(),
                response_body: None,
                failure: None,
            };
            let mut request = self.http.request(method.clone(), &url).headers(headers);
            if let Some(payload) = payload {
                request = request.body(payload);
            }
            let started = Instant::now();
            let sent = request.send().await;
            exchange.duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    exchange.failure = Some(if error.is_timeout() {
                        "timed out".into()
                    } else {
                        "could not connect".into()
                    });
                    self.log.record(exchange);
                    return Err(if error.is_timeout() {
                        GraphError::Timeout(REQUEST_TIMEOUT_SECONDS)
                    } else {
                        GraphError::Network(self.base.clone())
                    });
                }
            };
            let status = response.status().as_u16();
            exchange.status = Some(status);
            exchange.response_headers = loggable_headers(response.headers());
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let bytes = response.bytes().await.unwrap_or_default();
            exchange.duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
            exchange.response_body = loggable_body(&bytes);
            self.log.record(exchange);
            if (200..300).contains(&status) {
                let body = if bytes.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&bytes).map_err(|e| GraphError::Decode(e.to_string()))?
                };
                return Ok(GraphResponse { status, body });
            }
            let wait = retry_after.map_or(self.retry.default_wait, Duration::from_secs);
            if matches!(status, 429 | 503)
                && attempt < self.retry.max_retries
                && wait <= self.retry.max_wait
            {
                attempt += 1;
                tracing::info!(
                    status,
                    ?wait,
                    attempt,
                    "Graph is throttling; waiting as asked"
                );
                self.sleeper.sleep(wait).await;
                continue;
            }
            return Err(GraphError::from_body(status, &bytes, retry_after));
        }
    }

    /// `GET` of a collection, following `@odata.nextLink` up to `limit` items.
    pub async fn list(
        &self,
        api: ApiVersion,
        path: &str,
        limit: usize,
    ) -> Result<Vec<Value>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(page) = next.take() {
            let response = self.send(Method::GET, api, &page, None).await?;
            if let Some(values) = response.body["value"].as_array() {
                items.extend(values.iter().cloned());
            }
            if items.len() >= limit {
                items.truncate(limit);
                break;
            }
            next = response.body["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok(items)
    }
}
