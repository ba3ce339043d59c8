//! The one place a Kafka client is built: TLS, the sign-in, a deadline, and what a failure means
//! for the user.

use std::sync::Arc;
use std::time::Duration;

use rskafka::BackoffConfig;
use rskafka::client::{Client, ClientBuilder, Credentials, OauthBearerCredentials, SaslConfig};

use super::{KafkaAuth, KafkaEndpoint, KafkaError, KafkaTls};

/// The largest record the client accepts (Event Hubs Premium allows 20 MB; Graph's bodies are
/// far smaller).
const MAX_MESSAGE_SIZE: usize = 24 * 1024 * 1024;

fn tls_config(extra_ca: Option<&[u8]>) -> Result<rustls::ClientConfig, String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls_native_certs::load_native_certs().certs {
        // A broken system certificate is skipped, as browsers do.
        let _ = roots.add(certificate);
    }
    if let Some(pem) = extra_ca {
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| format!("the CA file is not PEM: {e}"))?;
            roots
                .add(certificate)
                .map_err(|e| format!("the CA certificate was refused: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("the CA file holds no certificate".into());
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
        .map_err(|e| e.to_string())
}

/// Sorts a client error into what the user can fix (the client's errors nest; their words are
/// the only common ground between its connection, SASL and retry layers).
pub fn classify(bootstrap: &str, error: &rskafka::client::error::Error) -> KafkaError {
    let connection = matches!(error, rskafka::client::error::Error::Connection(_));
    sort(bootstrap, error.to_string(), connection)
}

/// [`classify`] by the error's words (`connection`: the client called it a connection error).
pub(super) fn sort(bootstrap: &str, detail: String, connection: bool) -> KafkaError {
    let lower = detail.to_ascii_lowercase();
    let bootstrap = bootstrap.to_owned();
    // rskafka's words for a failed bearer-token callback (`SaslError::Callback`).
    // A hang-up is one whatever it interrupted (the sign-in, TLS): it may pass, so it is tried
    // again, and told as what it is.
    if lower.contains("early eof")
        || lower.contains("handshake eof")
        || lower.contains("connection reset")
        || lower.contains("broken pipe")
        || lower.contains("cannot read framed message")
    {
        KafkaError::Closed { bootstrap, detail }
    } else if lower.contains("user defined callback") {
        KafkaError::NoToken { bootstrap, detail }
    } else if lower.contains("sasl") || lower.contains("authentication") {
        KafkaError::Refused { bootstrap, detail }
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        KafkaError::Tls { bootstrap, detail }
    } else if connection || lower.contains("connect") || lower.contains("deadline") {
        KafkaError::Unreachable { bootstrap, detail }
    } else {
        KafkaError::Broker(detail)
    }
}

/// How long the first try may take. rskafka retries every failure until its deadline, a refused
/// sign-in included, so a wrong key would be told only after the whole deadline (15 s): a first
/// try this long tells a refusal (the sign-in, the token, the certificate) at once.
const FIRST_TRY: Duration = Duration::from_secs(3);

/// A client for `endpoint`, connected (metadata read) within `deadline`. A refused sign-in is
/// told after the first try; anything else is tried again until the deadline.
pub async fn connect(endpoint: &KafkaEndpoint, deadline: Duration) -> Result<Client, KafkaError> {
    let started = std::time::Instant::now();
    // A first client that connects is dropped (its connection with it): the one kept retries its
    // later requests for longer than the first try.
    if deadline > FIRST_TRY
        && let Err(error) = build(endpoint, FIRST_TRY).await
        && error.is_refusal()
    {
        return Err(error);
    }
    let left = deadline
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(1));
    build(endpoint, left).await
}

/// One client built, retrying until `deadline`.
async fn build(endpoint: &KafkaEndpoint, deadline: Duration) -> Result<Client, KafkaError> {
    let mut builder = ClientBuilder::new(vec![endpoint.bootstrap.clone()])
        .client_id("graph-webhook-studio")
        .max_message_size(MAX_MESSAGE_SIZE)
        .backoff_config(BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
            deadline: Some(deadline),
        });
    match &endpoint.tls {
        KafkaTls::Off => {}
        KafkaTls::SystemRoots => {
            let config = tls_config(None).map_err(|detail| KafkaError::Tls {
                bootstrap: endpoint.bootstrap.clone(),
                detail,
            })?;
            builder = builder.tls_config(Arc::new(config));
        }
        KafkaTls::WithCa(pem) => {
            let config = tls_config(Some(pem)).map_err(|detail| KafkaError::Tls {
                bootstrap: endpoint.bootstrap.clone(),
                detail,
            })?;
            builder = builder.tls_config(Arc::new(config));
        }
    }
    match &endpoint.auth {
        KafkaAuth::None => {}
        KafkaAuth::Plain { user, password } => {
            builder = builder.sasl_config(SaslConfig::Plain(Credentials::new(
                user.clone(),
                password.expose().clone(),
            )));
        }
        KafkaAuth::ScramSha512 { user, password } => {
            builder = builder.sasl_config(SaslConfig::ScramSha512(Credentials::new(
                user.clone(),
                password.expose().clone(),
            )));
        }
        KafkaAuth::OAuthBearer(tokens) => {
            builder = builder.sasl_config(SaslConfig::Oauthbearer(OauthBearerCredentials {
                callback: Arc::clone(&tokens.0),
                authz_id: None,
                bearer_kvs: Vec::new(),
            }));
        }
    }
    // The deadline also bounds a broker that accepts the connection and never answers.
    match tokio::time::timeout(deadline + Duration::from_secs(1), builder.build()).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(error)) => Err(classify(&endpoint.bootstrap, &error)),
        Err(_) => Err(KafkaError::Unreachable {
            bootstrap: endpoint.bootstrap.clone(),
            detail: format!("no answer within {} s", deadline.as_secs()),
        }),
    }
}
