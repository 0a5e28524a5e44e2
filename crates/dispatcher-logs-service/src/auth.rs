//! Access tokens: JWTs verified with a configured key (an HS256 secret for
//! the embedded default; an RS256 public key or a JWKS file in
//! production), checking signature, expiry, issuer, audience and lifetime.
//! Claims carry the OAuth client, the user and the scopes.
//!
//! The lifetime policy: a token may live at most
//! [`Verifier::max_lifetime`] (`exp` − `iat`, or `exp` − now where `iat`
//! is absent; [`DEFAULT_MAX_LIFETIME`] unless `--max-token-lifetime` says
//! otherwise), and may not be issued in the future (`iat` beyond now and
//! the clock [`LEEWAY`]). A leaked token with no practical expiry would be a
//! credential forever; google-auth-library refuses ID tokens living longer
//! than a day, or issued in the future, alike.

use std::time::{SystemTime, UNIX_EPOCH};

use ev_energy_server::{AuthError, Principal};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The issuer the development tokens carry, and the default one expected.
pub const DEFAULT_ISSUER: &str = "https://auth.dispatcher-logs.local/";
/// The audience tokens must be issued for.
pub const DEFAULT_AUDIENCE: &str = "https://api.ev.energy/v2";
/// The HS256 secret of the embedded default. Fine for a laptop; set
/// `--jwt-secret` (or RS256/JWKS) anywhere else.
pub const DEV_SECRET: &str = "dev-only-secret-do-not-use-in-production";
/// The longest a token may live, unless `--max-token-lifetime` says otherwise.
pub const DEFAULT_MAX_LIFETIME: u64 = 24 * 3600;
/// The clock skew allowed on `exp`, `nbf`, `iat` and the lifetime, in seconds.
pub const LEEWAY: u64 = 30;

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience: one, or several (RFC 7519 §4.1.3 allows an array).
    pub aud: Audience,
    /// The user the token acts for; absent for a pure client-credentials token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The OAuth application.
    pub client_id: String,
    /// Space-separated scopes (RFC 8693 `scope`).
    #[serde(default)]
    pub scope: String,
    /// Issued at (seconds since the epoch); optional, as RFC 7519 has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Not valid before (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

/// What [`Verifier::verify`] reads of a token's claims once `jsonwebtoken`
/// has checked them (signature, `exp`, `nbf`, `iss`, `aud`): `iss` and
/// `aud` are not read a second time (the untagged `aud` would be buffered
/// and tried both ways on every request).
#[derive(Deserialize)]
struct Checked {
    #[serde(default)]
    sub: Option<String>,
    client_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    iat: Option<u64>,
    exp: u64,
}

/// The `aud` claim: a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// `"aud": "https://…"`
    One(String),
    /// `"aud": ["https://…", …]`
    Many(Vec<String>),
}

/// The caller an access token identifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The OAuth application.
    pub client_id: String,
    /// The user, if the token acts for one.
    pub user_id: Option<String>,
    /// The granted scopes.
    pub scopes: Vec<String>,
}

impl Principal for Caller {
    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Where the verification keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A shared HS256 secret.
    Hs256Secret(String),
    /// An RS256 public key, PEM.
    Rs256PublicKeyPem(String),
    /// A JSON Web Key Set document.
    Jwks(String),
}

/// Why the verifier could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key material does not parse.
    #[error("invalid verification key: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// The JWKS document does not parse.
    #[error("invalid JWKS document: {0}")]
    Jwks(#[from] serde_json::Error),
    /// The JWKS document holds no usable key.
    #[error("the JWKS document holds no key")]
    EmptyJwks,
}

/// One verification key, with the checks built once for it.
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithm: Algorithm,
    validation: Validation,
}

/// Verifies access tokens.
pub struct Verifier {
    keys: Vec<Key>,
    issuer: String,
    audience: String,
    max_lifetime: u64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl Verifier {
    /// A verifier for tokens signed by `source`, issued by `issuer` for `audience`.
    pub fn new(source: &KeySource, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let keys = match source {
            KeySource::Hs256Secret(secret) => {
                vec![(
                    None,
                    DecodingKey::from_secret(secret.as_bytes()),
                    Algorithm::HS256,
                )]
            }
            KeySource::Rs256PublicKeyPem(pem) => {
                vec![(
                    None,
                    DecodingKey::from_rsa_pem(pem.as_bytes())?,
                    Algorithm::RS256,
                )]
            }
            KeySource::Jwks(json) => {
                let set: JwkSet = serde_json::from_str(json)?;
                let mut keys = Vec::new();
                for jwk in &set.keys {
                    let key = DecodingKey::from_jwk(jwk)?;
                    let algorithm = jwk
                        .common
                        .key_algorithm
                        .and_then(|a| a.to_string().parse::<Algorithm>().ok())
                        .unwrap_or(Algorithm::RS256);
                    keys.push((jwk.common.key_id.clone(), key, algorithm));
                }
                if keys.is_empty() {
                    return Err(KeyError::EmptyJwks);
                }
                keys
            }
        };
        let keys = keys
            .into_iter()
            .map(|(kid, key, algorithm)| {
                let mut validation = Validation::new(algorithm);
                validation.set_issuer(&[issuer]);
                validation.set_audience(&[audience]);
                validation.set_required_spec_claims(&["exp", "iss", "aud"]);
                // `nbf`, when present, is checked (with the same leeway as `exp`).
                validation.validate_nbf = true;
                validation.leeway = LEEWAY;
                Key {
                    kid,
                    key,
                    algorithm,
                    validation,
                }
            })
            .collect();
        Ok(Self {
            keys,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        })
    }

    /// The same verifier, accepting tokens that live at most `seconds`.
    pub fn with_max_lifetime(mut self, seconds: u64) -> Self {
        self.max_lifetime = seconds;
        self
    }

    /// The longest a token may live, in seconds (see the module docs).
    pub fn max_lifetime(&self) -> u64 {
        self.max_lifetime
    }

    /// The lifetime policy, on claims whose signature, expiry, issuer and
    /// audience have passed: `Err` is the reason for the caller.
    fn check_lifetime(&self, claims: &Checked, now: u64) -> Result<(), AuthError> {
        if let Some(iat) = claims.iat {
            if iat > now.saturating_add(LEEWAY) {
                return Err(AuthError::new(
                    "Token was issued in the future (`iat`): check the issuer's clock.",
                ));
            }
        }
        let from = claims.iat.unwrap_or(now);
        if claims.exp.saturating_sub(from) > self.max_lifetime.saturating_add(LEEWAY) {
            return Err(AuthError::new(format!(
                "Token lives longer than this API accepts: at most {} seconds from `iat` \
                 (or from now, without `iat`) to `exp`.",
                self.max_lifetime
            )));
        }
        Ok(())
    }

    /// Checks a token's signature, expiry, issuer and audience; returns its caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        // With one key, the header is read once, by `decode` (which also
        // refuses a header naming another algorithm); with a key set, it is
        // read first to pick the keys its `alg` and `kid` name.
        let header;
        let candidates: Vec<&Key> = if let [only] = self.keys.as_slice() {
            vec![only]
        } else {
            header =
                jsonwebtoken::decode_header(token).map_err(|_| AuthError::new("Invalid token."))?;
            self.keys
                .iter()
                .filter(|k| {
                    k.algorithm == header.alg
                        && (k.kid.is_none() || header.kid.is_none() || k.kid == header.kid)
                })
                .collect()
        };
        let mut last = AuthError::new("Invalid token.");
        for key in candidates {
            match jsonwebtoken::decode::<Checked>(token, &key.key, &key.validation) {
                Ok(data) => {
                    // RFC 7515 §4.1.11: a token naming critical extensions this
                    // verifier does not implement (it implements none) must be refused.
                    if data.header.crit.is_some() {
                        return Err(AuthError::new(
                            "Invalid token: it names critical header extensions (`crit`) this API does not support.",
                        ));
                    }
                    let claims = data.claims;
                    self.check_lifetime(&claims, now_secs())?;
                    return Ok(Caller {
                        client_id: claims.client_id,
                        user_id: claims.sub,
                        scopes: claims
                            .scope
                            .split_whitespace()
                            .map(str::to_string)
                            .collect(),
                    });
                }
                Err(e) => {
                    last = match e.kind() {
                        ErrorKind::ExpiredSignature => AuthError::new("Token has expired."),
                        ErrorKind::ImmatureSignature => {
                            AuthError::new("Token is not valid yet (`nbf`).")
                        }
                        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                            AuthError::new("Token was not issued for this API.")
                        }
                        _ => AuthError::new("Invalid token."),
                    }
                }
            }
        }
        Err(last)
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Refuses a lifetime the policy would refuse: `token` mints only tokens
/// a service with `max_lifetime` accepts (an expired one, `ttl_secs` below
/// zero, is allowed, for tests of expiry).
pub fn check_ttl(ttl_secs: i64, max_lifetime: u64) -> anyhow::Result<()> {
    if ttl_secs > 0 && ttl_secs.unsigned_abs() > max_lifetime {
        anyhow::bail!(
            "a token living {ttl_secs} seconds would be refused: the service accepts tokens living \
             at most {max_lifetime} seconds (--max-token-lifetime); mint a shorter one with --ttl, \
             or raise --max-token-lifetime where the service runs"
        );
    }
    Ok(())
}

/// Mints an HS256 development token, of any lifetime (see [`check_ttl`]).
pub fn mint_hs256(
    secret: &str,
    issuer: &str,
    audience: &str,
    client_id: &str,
    user_id: Option<&str>,
    scopes: &[String],
    ttl_secs: i64,
) -> Result<String, jsonwebtoken::errors::Error> {
    let now = now_secs();
    let claims = Claims {
        iss: issuer.to_string(),
        aud: Audience::One(audience.to_string()),
        sub: user_id.map(str::to_string),
        client_id: client_id.to_string(),
        scope: scopes.join(" "),
        iat: Some(now),
        exp: now.saturating_add_signed(ttl_secs),
        nbf: None,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    //! Forged and unusual tokens, as an attacker would send them.

    use super::*;
    use base64::Engine;
    use serde_json::json;

    const SECRET: &str = "a-test-secret-that-is-long-enough";

    fn verifier() -> Verifier {
        Verifier::new(
            &KeySource::Hs256Secret(SECRET.into()),
            DEFAULT_ISSUER,
            DEFAULT_AUDIENCE,
        )
        .unwrap()
    }

    fn claims(extra: serde_json::Value) -> serde_json::Value {
        let now = now_secs();
        let mut claims = json!({
            "iss": DEFAULT_ISSUER,
            "aud": DEFAULT_AUDIENCE,
            "sub": "user-1",
            "client_id": "app",
            "scope": "debug:read",
            "iat": now,
            "exp": now + 600,
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    }

    fn sign(header: Header, claims: &serde_json::Value, secret: &str) -> String {
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn token(extra: serde_json::Value) -> String {
        sign(Header::new(Algorithm::HS256), &claims(extra), SECRET)
    }

    fn refused(token: &str) -> String {
        match verifier().verify(token) {
            Ok(caller) => panic!("accepted as {caller:?}"),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn a_plain_token_is_accepted() {
        let caller = verifier().verify(&token(json!({}))).unwrap();
        assert_eq!(caller.client_id, "app");
        assert_eq!(caller.user_id.as_deref(), Some("user-1"));
    }

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let ten_years = 10 * 365 * 24 * 3600;
        let why = refused(&token(json!({"nbf": now_secs() + ten_years})));
        assert!(why.contains("not valid yet"), "{why}");
        // Past `nbf` is fine.
        verifier()
            .verify(&token(json!({"nbf": now_secs() - 60})))
            .unwrap();
    }

    #[test]
    fn a_token_living_longer_than_the_policy_allows_is_refused() {
        let now = now_secs();
        let century = 100 * 365 * 24 * 3600;
        let why = refused(&token(json!({"iat": now, "exp": now + century})));
        assert!(why.contains("lives longer than this API accepts"), "{why}");
        // Without `iat`, counted from now.
        let mut no_iat = claims(json!({"exp": now + 2 * DEFAULT_MAX_LIFETIME}));
        no_iat.as_object_mut().unwrap().remove("iat");
        let why = refused(&sign(Header::new(Algorithm::HS256), &no_iat, SECRET));
        assert!(why.contains("lives longer"), "{why}");
        // At the limit, and without `iat` within it, it is accepted.
        verifier()
            .verify(&token(
                json!({"iat": now, "exp": now + DEFAULT_MAX_LIFETIME}),
            ))
            .unwrap();
        let mut short = claims(json!({}));
        short.as_object_mut().unwrap().remove("iat");
        verifier()
            .verify(&sign(Header::new(Algorithm::HS256), &short, SECRET))
            .unwrap();
        // A deployment can change the limit.
        let strict = verifier().with_max_lifetime(300);
        assert!(strict.verify(&token(json!({}))).is_err(), "600 s > 300 s");
        assert_eq!(strict.max_lifetime(), 300);
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let now = now_secs();
        let why = refused(&token(
            json!({"iat": now + 365 * 24 * 3600, "exp": now + 365 * 24 * 3600 + 600}),
        ));
        assert!(why.contains("issued in the future"), "{why}");
        // Within the clock leeway it is fine.
        verifier()
            .verify(&token(json!({"iat": now + LEEWAY / 2})))
            .unwrap();
    }

    #[test]
    fn the_token_command_mints_only_tokens_the_policy_accepts() {
        let error = check_ttl(2 * 24 * 3600, DEFAULT_MAX_LIFETIME).unwrap_err();
        assert!(
            error.to_string().contains("--max-token-lifetime"),
            "{error}"
        );
        check_ttl(DEFAULT_MAX_LIFETIME as i64, DEFAULT_MAX_LIFETIME).unwrap();
        // An expired token (negative lifetime) may be minted, for tests.
        check_ttl(-3600, DEFAULT_MAX_LIFETIME).unwrap();
        let minted = mint_hs256(
            SECRET,
            DEFAULT_ISSUER,
            DEFAULT_AUDIENCE,
            "app",
            None,
            &[],
            3600,
        )
        .unwrap();
        verifier().verify(&minted).unwrap();
    }

    #[test]
    fn a_token_with_critical_extensions_is_refused() {
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(vec!["http://example.com/ext".into()]);
        let why = refused(&sign(header, &claims(json!({})), SECRET));
        assert!(why.contains("crit"), "{why}");
    }

    #[test]
    fn an_audience_array_is_read_as_rfc_7519_allows() {
        verifier()
            .verify(&token(
                json!({"aud": ["https://other.example", DEFAULT_AUDIENCE]}),
            ))
            .unwrap();
        let why = refused(&token(json!({"aud": ["https://other.example"]})));
        assert!(why.contains("not issued for this API"), "{why}");
        let why = refused(&token(json!({"aud": "https://other.example"})));
        assert!(why.contains("not issued for this API"), "{why}");
    }

    #[test]
    fn forged_tokens_are_refused() {
        // Signed with another key.
        refused(&sign(
            Header::new(Algorithm::HS256),
            &claims(json!({})),
            "another-secret",
        ));
        // `alg: none`, no signature.
        let b64 = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        refused(&format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&claims(json!({})))
        ));
        // A valid signature over a header that names another algorithm.
        refused(&sign(
            Header::new(Algorithm::HS384),
            &claims(json!({})),
            SECRET,
        ));
        // Expired, another issuer, no expiry at all.
        refused(&token(json!({"exp": now_secs() - 3600})));
        refused(&token(json!({"iss": "https://evil.example/"})));
        let mut no_exp = claims(json!({}));
        no_exp.as_object_mut().unwrap().remove("exp");
        refused(&sign(Header::new(Algorithm::HS256), &no_exp, SECRET));
        // Garbage.
        refused("not-a-token");
        refused("a.b.c");
    }
}
