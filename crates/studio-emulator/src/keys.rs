//! The emulator's token-signing key: RSA 2048, derived from the seed, published as a JWKS.
//!
//! As Microsoft's keys are, it is named by a `kid` that is also its `x5t` (27 base64url
//! characters, the size of a SHA-1 thumbprint); v1 tokens carry both in their header.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::EmulatorError;

/// A signing key with its key id.
#[derive(Clone)]
pub struct SigningKey {
    /// `kid` in token headers and the JWKS.
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key for a seed (the same seed always gives the same key).
    pub fn seeded(seed: u64) -> Result<SigningKey, EmulatorError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0f1d_c0de);
        let private =
            RsaPrivateKey::new(&mut rng, 2048).map_err(|e| EmulatorError::Key(e.to_string()))?;
        let der = private
            .to_pkcs1_der()
            .map_err(|e| EmulatorError::Key(e.to_string()))?;
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(n.as_bytes())[..20]);
        let decoding = DecodingKey::from_rsa_components(&n, &e)
            .map_err(|e| EmulatorError::Key(e.to_string()))?;
        let public_jwk = json!({ "kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": n, "e": e, "alg": "RS256" });
        Ok(SigningKey {
            kid,
            encoding,
            decoding,
            public_jwk,
        })
    }

    /// Signs claims as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, EmulatorError> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| EmulatorError::Key(e.to_string()))
    }

    /// Signs claims as a v1 token: RS256 with `kid` and `x5t` in the header, as Microsoft identity's
    /// v1 tokens (Graph's validation tokens among them) have.
    pub fn sign_v1(&self, claims: &Value) -> Result<String, EmulatorError> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.x5t = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| EmulatorError::Key(e.to_string()))
    }

    /// Verifies a token this key signed; time claims are left to the caller's clock.
    pub fn verify(&self, token: &str) -> Result<Value, EmulatorError> {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| EmulatorError::Key(e.to_string()))
    }

    /// The JWKS document (`{"keys":[…]}`).
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk] })
    }
}
