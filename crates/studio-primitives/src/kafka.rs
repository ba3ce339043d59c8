//! Event Hubs through its Kafka endpoint: the connection string a user copies from the Azure
//! portal, and the one place a Kafka client is built.
//!
//! Event Hubs speaks the Kafka protocol on port 9093 of `<namespace>.servicebus.windows.net`,
//! over TLS, with SASL PLAIN whose user is the literal `$ConnectionString` and whose password is
//! the whole connection string. The app's consumer and the sandbox's producer both connect
//! through [`connect`], so a local broker standing in for a namespace is reached exactly as the
//! real one would be. Every connection has a deadline: the client retries a broker that does not
//! answer, and a user must hear "unreachable" rather than wait forever; a broker that refuses the
//! sign-in is told after a first short try, not after the whole deadline (`connecting.rs`).

mod connecting;

use std::sync::Arc;

pub use connecting::{classify, connect};

use crate::Sensitive;

/// Event Hubs' Kafka port.
pub const EVENT_HUBS_KAFKA_PORT: u16 = 9093;
/// The SASL PLAIN user Event Hubs expects with a connection string as the password.
pub const CONNECTION_STRING_USER: &str = "$ConnectionString";

/// Why a hub could not be reached or read, sorted into what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The connection string is not one the portal gives.
    #[error("the connection string is not valid: {0}")]
    Malformed(String),
    /// Nothing answered at the bootstrap address before the deadline.
    #[error("the Kafka endpoint {bootstrap} could not be reached: {detail}")]
    Unreachable {
        /// host:port tried.
        bootstrap: String,
        /// What the client said.
        detail: String,
    },
    /// Something answered at the address but hung up before speaking Kafka (a broker that wants
    /// a sign-in or TLS the client did not offer, or a port that is not Kafka's).
    #[error("the Kafka endpoint {bootstrap} closed the connection before answering: {detail}")]
    Closed {
        /// host:port tried.
        bootstrap: String,
        /// What the client said.
        detail: String,
    },
    /// No token could be had to sign in with (the account's authority said no, or could not be
    /// reached): the broker was not asked.
    #[error("no token to sign in to {bootstrap} with: {detail}")]
    NoToken {
        /// host:port tried.
        bootstrap: String,
        /// What the token source said.
        detail: String,
    },
    /// The broker refused the credentials (SASL).
    #[error("the Kafka endpoint {bootstrap} refused the credentials: {detail}")]
    Refused {
        /// host:port tried.
        bootstrap: String,
        /// What the client said.
        detail: String,
    },
    /// TLS failed (an untrusted certificate, a plaintext port).
    #[error("TLS with {bootstrap} failed: {detail}")]
    Tls {
        /// host:port tried.
        bootstrap: String,
        /// What the client said.
        detail: String,
    },
    /// The broker answered with an error.
    #[error("the broker answered with an error: {0}")]
    Broker(String),
}

impl KafkaError {
    /// Whether trying again cannot help: the broker refused the sign-in, no token could be had,
    /// or TLS failed.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            KafkaError::Refused { .. } | KafkaError::NoToken { .. } | KafkaError::Tls { .. }
        )
    }

    /// A stable code for the boundary.
    pub fn code(&self) -> &'static str {
        match self {
            KafkaError::Malformed(_) => "hubConnectionStringInvalid",
            KafkaError::Unreachable { .. } => "hubUnreachable",
            KafkaError::Closed { .. } => "hubConnectionClosed",
            KafkaError::NoToken { .. } => "hubNoToken",
            KafkaError::Refused { .. } => "hubCredentialsRefused",
            KafkaError::Tls { .. } => "hubTlsFailed",
            KafkaError::Broker(_) => "hubBrokerError",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            KafkaError::Malformed(_) => {
                "Copy a connection string from the portal: Event Hubs namespace → Shared access policies → a policy with Listen → Connection string–primary key. It starts with Endpoint=sb://."
            }
            KafkaError::Unreachable { .. } => {
                "Check the namespace name and that the network lets port 9093 out. Event Hubs' Kafka endpoint needs the Standard tier or above (Basic has none); a local broker must be running."
            }
            KafkaError::Closed { .. } => {
                "Something listens there but hung up at once: a broker that wants a sign-in (pick a sign-in other than \"No sign-in\", no --no-sasl) or TLS (Event Hubs always does), or a port that is not the Kafka endpoint's (9093 on Event Hubs)."
            }
            KafkaError::NoToken { .. } => {
                "The account could not get a token: sign it in again under Accounts (or check its consent and network), then read the hub again."
            }
            KafkaError::Refused { .. } => {
                "The key was rotated or the policy lacks Listen: copy the connection string again from Shared access policies, and save it under the same name."
            }
            KafkaError::Tls { .. } => {
                "Event Hubs answers TLS on 9093 only. For a local broker with its own certificate, give its CA file; plaintext is for loopback brokers only."
            }
            KafkaError::Broker(_) => {
                "Check that the event hub (the Kafka topic) exists and that the policy covers it."
            }
        }
    }
}

/// An Event Hubs connection string, taken apart. The whole string stays [`Sensitive`]: it is the
/// SASL password.
#[derive(Debug, Clone)]
pub struct ConnectionString {
    /// `<namespace>.servicebus.windows.net` (from `Endpoint=sb://…/`).
    pub namespace_host: String,
    /// `SharedAccessKeyName`.
    pub key_name: String,
    /// `EntityPath` (the event hub) when the policy is the hub's own.
    pub entity_path: Option<String>,
    raw: Sensitive<String>,
}

impl ConnectionString {
    /// Parses `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…
    /// [;EntityPath=hub]` (keys in any case and order; values may contain `=`).
    pub fn parse(text: &str) -> Result<ConnectionString, KafkaError> {
        let text = text.trim();
        if text.len() > 4096 {
            return Err(KafkaError::Malformed("longer than 4096 characters".into()));
        }
        let (mut endpoint, mut key_name, mut key, mut signature, mut entity) =
            (None, None, None, None, None);
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            // What is not Name=value is not echoed: it may be part of the key.
            let Some((name, value)) = part.split_once('=') else {
                return Err(KafkaError::Malformed("a part is not Name=value".into()));
            };
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(value),
                "sharedaccesskeyname" => key_name = Some(value),
                "sharedaccesskey" => key = Some(value),
                "sharedaccesssignature" => signature = Some(value),
                "entitypath" => entity = Some(value),
                _ => {}
            }
        }
        let endpoint = endpoint.ok_or_else(|| KafkaError::Malformed("no Endpoint=".into()))?;
        let host = endpoint
            .strip_prefix("sb://")
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|host| {
                !host.is_empty()
                    && host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            })
            .ok_or_else(|| {
                KafkaError::Malformed(
                    "Endpoint must be sb://<namespace>.servicebus.windows.net/".into(),
                )
            })?;
        if key.as_deref().is_none_or(str::is_empty)
            && signature.as_deref().is_none_or(str::is_empty)
        {
            return Err(KafkaError::Malformed(
                "no SharedAccessKey= (or SharedAccessSignature=)".into(),
            ));
        }
        Ok(ConnectionString {
            namespace_host: host.to_ascii_lowercase(),
            key_name: key_name.unwrap_or_default(),
            entity_path: entity.filter(|e| !e.is_empty()),
            raw: Sensitive::new(text.to_owned()),
        })
    }

    /// The namespace's Kafka endpoint, as Event Hubs serves it.
    pub fn endpoint(&self) -> KafkaEndpoint {
        KafkaEndpoint {
            bootstrap: format!("{}:{EVENT_HUBS_KAFKA_PORT}", self.namespace_host),
            auth: KafkaAuth::Plain {
                user: CONNECTION_STRING_USER.into(),
                password: self.raw.clone(),
            },
            tls: KafkaTls::SystemRoots,
        }
    }

    /// The whole string (the SASL password).
    pub fn expose(&self) -> &str {
        self.raw.expose()
    }
}

/// How a client proves who it is.
#[derive(Debug, Clone)]
pub enum KafkaAuth {
    /// No SASL (a loopback broker).
    None,
    /// SASL PLAIN (Event Hubs: `$ConnectionString` and the connection string).
    Plain {
        /// The user.
        user: String,
        /// The password.
        password: Sensitive<String>,
    },
    /// SASL SCRAM-SHA-512 (brokers that check passwords this way).
    ScramSha512 {
        /// The user.
        user: String,
        /// The password.
        password: Sensitive<String>,
    },
    /// SASL OAUTHBEARER with a Microsoft Entra access token for the namespace
    /// ([`entra_resource`]): asked for at every sign-in, so a connection made again after the
    /// token expired presents a fresh one.
    OAuthBearer(BearerTokens),
}

/// Where a client gets a valid bearer token each time it signs in.
#[derive(Clone)]
pub struct BearerTokens(rskafka::client::OauthCallback);

impl BearerTokens {
    /// Tokens from `source`, which should hand out a cached token until it nears expiry.
    pub fn new<F, Fut>(source: F) -> BearerTokens
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Sensitive<String>, String>> + Send + 'static,
    {
        BearerTokens(Arc::new(move || {
            let token = source();
            Box::pin(async move {
                token
                    .await
                    .map(|t| t.expose().clone())
                    .map_err(|why| why.into())
            })
        }))
    }
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerTokens(..)")
    }
}

/// The resource an Entra token for a namespace's Kafka endpoint is asked for: Microsoft's docs
/// name `https://<namespace>.servicebus.windows.net` for Kafka clients (the Event Hubs SDKs ask
/// for `https://eventhubs.azure.net`).
pub fn entra_resource(namespace_host: &str) -> String {
    format!("https://{}", namespace_host.trim_end_matches('/'))
}

/// Whether and how TLS is spoken.
#[derive(Debug, Clone)]
pub enum KafkaTls {
    /// Plaintext (only for a broker on this machine).
    Off,
    /// TLS trusting the operating system's roots (Event Hubs).
    SystemRoots,
    /// TLS trusting the OS's roots and this CA (PEM), for a broker with its own certificate.
    WithCa(Vec<u8>),
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct KafkaEndpoint {
    /// `host:port`.
    pub bootstrap: String,
    /// SASL.
    pub auth: KafkaAuth,
    /// TLS.
    pub tls: KafkaTls,
}

#[cfg(test)]
mod tests {
    use super::connecting::sort;
    use super::*;
    use std::time::Duration;

    const PORTAL: &str = "Endpoint=sb://contoso-hubs.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=abc+def/ghi=;EntityPath=graph";

    #[test]
    fn a_portal_connection_string_names_the_namespace_and_hub() {
        let parsed = ConnectionString::parse(PORTAL).expect("parses");
        assert_eq!(parsed.namespace_host, "contoso-hubs.servicebus.windows.net");
        assert_eq!(parsed.key_name, "listen");
        assert_eq!(parsed.entity_path.as_deref(), Some("graph"));
        let endpoint = parsed.endpoint();
        assert_eq!(
            endpoint.bootstrap,
            "contoso-hubs.servicebus.windows.net:9093"
        );
        let KafkaAuth::Plain { user, password } = endpoint.auth else {
            panic!("PLAIN")
        };
        assert_eq!(user, "$ConnectionString");
        assert_eq!(password.expose(), PORTAL, "the whole string, = signs kept");
        assert!(
            !format!("{parsed:?}").contains("abc+def"),
            "the key never prints"
        );
    }

    #[test]
    fn strings_that_are_not_connection_strings_say_why() {
        for (text, why) in [
            ("", "no Endpoint"),
            (
                "Endpoint=https://x.servicebus.windows.net/;SharedAccessKey=k",
                "sb://",
            ),
            (
                "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=n",
                "SharedAccessKey",
            ),
            ("Endpoint=sb://x/y z/;SharedAccessKey=k", "sb://"),
            ("garbage", "Name=value"),
        ] {
            let error = ConnectionString::parse(text).expect_err(text);
            assert!(error.to_string().contains(why), "{text}: {error}");
            assert_eq!(error.code(), "hubConnectionStringInvalid");
        }
    }

    #[test]
    fn a_token_that_could_not_be_had_is_not_a_refusal_by_the_broker() {
        // rskafka's words, as the Entra test against tansu saw them.
        let refused = "Connection error: all retries failed: Retry exceeded deadline. Source: Sasl handshake failed: API error: SaslAuthenticationFailed";
        assert_eq!(
            sort("b:1", refused.into(), true).code(),
            "hubCredentialsRefused"
        );
        // A hang-up during the sign-in or TLS is a hang-up (tried again), not a refusal.
        for hang_up in [
            "Connection error: Sasl handshake failed: Request error: Cannot read framed message: early eof",
            "Connection error: tls handshake eof",
        ] {
            let sorted = sort("b:1", hang_up.into(), true);
            assert_eq!(sorted.code(), "hubConnectionClosed", "{hang_up}");
            assert!(!sorted.is_refusal());
        }
        let no_token = "Connection error: all retries failed: Retry exceeded deadline. Source: Sasl handshake failed: Error in user defined callback: AADSTS65001: consent";
        let sorted = sort("b:1", no_token.into(), true);
        assert_eq!(sorted.code(), "hubNoToken");
        assert!(
            sorted.hint().contains("sign it in again"),
            "{}",
            sorted.hint()
        );
    }

    #[tokio::test]
    async fn an_unreachable_broker_is_reported_within_the_deadline() {
        // A port nothing listens on: bind one, then drop it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let endpoint = KafkaEndpoint {
            bootstrap: format!("127.0.0.1:{port}"),
            auth: KafkaAuth::None,
            tls: KafkaTls::Off,
        };
        let error = connect(&endpoint, Duration::from_millis(500))
            .await
            .expect_err("nothing listens");
        assert_eq!(error.code(), "hubUnreachable", "{error}");
    }
}
