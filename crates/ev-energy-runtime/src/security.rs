//! Reading the credential a security scheme names from a request.

use axum::http::header;
use base64::Engine;

use crate::hooks::{Credential, CredentialKind};
use crate::params::RawRequest;
use crate::spec::{KeyLocation, SchemeKind, SchemeSpec};

/// What a request carries for one scheme.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A well-formed credential.
    Present(Credential),
    /// Nothing for this scheme.
    Absent,
    /// Something for this scheme that cannot be read (the reason).
    Malformed(String),
    /// More than one value where one is expected (the reason): the
    /// request is ambiguous, and a proxy may read another value than we do.
    Duplicate(String),
}

/// The credential `scheme` names, as `request` carries it.
pub fn find(scheme: &SchemeSpec, request: &RawRequest) -> Found {
    match scheme.kind {
        SchemeKind::Bearer | SchemeKind::Basic => {
            let values: Vec<_> = request
                .headers
                .get_all(header::AUTHORIZATION)
                .iter()
                .collect();
            let value = match values.as_slice() {
                [] => return Found::Absent,
                [value] => value,
                several => {
                    return Found::Duplicate(format!(
                        "Send one Authorization header; this request has {}.",
                        several.len()
                    ))
                }
            };
            let Ok(text) = value.to_str() else {
                return Found::Malformed(
                    "The Authorization header must contain only visible ASCII characters.".into(),
                );
            };
            let (auth_scheme, rest) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
            let rest = rest.trim();
            match scheme.kind {
                SchemeKind::Bearer if auth_scheme.eq_ignore_ascii_case("bearer") => {
                    if rest.is_empty() {
                        Found::Malformed(
                            "Authorization header must be: Bearer <access token>.".into(),
                        )
                    } else {
                        Found::Present(Credential {
                            scheme: scheme.name,
                            kind: CredentialKind::Bearer(rest.to_string()),
                        })
                    }
                }
                SchemeKind::Basic if auth_scheme.eq_ignore_ascii_case("basic") => {
                    basic(scheme, rest)
                }
                // Another authentication scheme: not a credential for this one.
                _ => Found::Absent,
            }
        }
        SchemeKind::ApiKey { location, name } => {
            let values: Vec<String> = match location {
                KeyLocation::Header => {
                    let mut values = Vec::new();
                    for value in request.headers.get_all(name) {
                        match value.to_str() {
                            Ok(text) => values.push(text.trim().to_string()),
                            Err(_) => {
                                return Found::Malformed(format!(
                                    "The {name} header must contain only visible ASCII characters."
                                ))
                            }
                        }
                    }
                    values
                }
                KeyLocation::Query => request
                    .query
                    .values(name)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                KeyLocation::Cookie => request
                    .cookies()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
                    .collect(),
            };
            let what = match location {
                KeyLocation::Header => "header",
                KeyLocation::Query => "query parameter",
                KeyLocation::Cookie => "cookie",
            };
            match values.as_slice() {
                [] => Found::Absent,
                [value] if value.is_empty() => {
                    Found::Malformed(format!("The {what} {name} is empty."))
                }
                [value] => Found::Present(Credential {
                    scheme: scheme.name,
                    kind: CredentialKind::ApiKey(value.clone()),
                }),
                several => Found::Duplicate(format!(
                    "Send the {what} {name} once; this request has it {} times.",
                    several.len()
                )),
            }
        }
    }
}

fn basic(scheme: &SchemeSpec, encoded: &str) -> Found {
    let malformed = || {
        Found::Malformed("Authorization header must be: Basic <base64 of user:password>.".into())
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return malformed();
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return malformed();
    };
    let Some((username, password)) = text.split_once(':') else {
        return malformed();
    };
    Found::Present(Credential {
        scheme: scheme.name,
        kind: CredentialKind::Basic {
            username: username.to_string(),
            password: password.to_string(),
        },
    })
}

/// [`challenge`] with the realm and no error, as a header value made
/// without building text.
pub(crate) fn plain_challenge(scheme: &SchemeSpec) -> Option<axum::http::HeaderValue> {
    match scheme.kind {
        SchemeKind::Bearer => Some(axum::http::HeaderValue::from_static("Bearer realm=\"api\"")),
        SchemeKind::Basic => Some(axum::http::HeaderValue::from_static("Basic realm=\"api\"")),
        SchemeKind::ApiKey { .. } => None,
    }
}

/// The `WWW-Authenticate` challenge of a scheme, if HTTP defines one.
pub fn challenge(scheme: &SchemeSpec) -> Option<&'static str> {
    match scheme.kind {
        SchemeKind::Bearer => Some("Bearer"),
        SchemeKind::Basic => Some("Basic"),
        SchemeKind::ApiKey { .. } => None,
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn a_plain_challenge_is_the_challenge_with_the_realm() {
        for kind in [SchemeKind::Bearer, SchemeKind::Basic] {
            let scheme = SchemeSpec { name: "s", kind };
            assert_eq!(
                plain_challenge(&scheme).unwrap(),
                format!("{} realm=\"api\"", challenge(&scheme).unwrap())
            );
        }
    }

    fn request(headers: &[(&str, &str)], query: &[(&str, &str)]) -> RawRequest {
        crate::gate::testing::request(query, headers)
    }

    const BEARER: SchemeSpec = SchemeSpec {
        name: "oauth",
        kind: SchemeKind::Bearer,
    };
    const BASIC: SchemeSpec = SchemeSpec {
        name: "basic",
        kind: SchemeKind::Basic,
    };

    fn key(location: KeyLocation) -> SchemeSpec {
        SchemeSpec {
            name: "key",
            kind: SchemeKind::ApiKey {
                location,
                name: "k",
            },
        }
    }

    fn present(kind: CredentialKind, scheme: &'static str) -> Found {
        Found::Present(Credential { scheme, kind })
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(find(&BEARER, &request(&[], &[])), Found::Absent);
        assert_eq!(
            find(&BEARER, &request(&[("authorization", "bearer abc")], &[])),
            present(CredentialKind::Bearer("abc".into()), "oauth")
        );
        assert!(matches!(
            find(&BEARER, &request(&[("authorization", "Bearer ")], &[])),
            Found::Malformed(_)
        ));
        assert_eq!(
            find(&BEARER, &request(&[("authorization", "Basic eDp5")], &[])),
            Found::Absent,
            "another scheme's credential"
        );
        assert!(matches!(
            find(
                &BEARER,
                &request(&[("authorization", "Bearer a"), ("authorization", "Bearer b")], &[])
            ),
            Found::Duplicate(reason) if reason.contains("one Authorization header")
        ));
    }

    #[test]
    fn basic_credentials_are_decoded() {
        assert_eq!(
            find(
                &BASIC,
                &request(&[("authorization", "Basic dXNlcjpwYTpzcw==")], &[])
            ),
            present(
                CredentialKind::Basic {
                    username: "user".into(),
                    password: "pa:ss".into()
                },
                "basic"
            )
        );
        for bad in ["Basic !!!", "Basic dXNlcg=="] {
            assert!(
                matches!(
                    find(&BASIC, &request(&[("authorization", bad)], &[])),
                    Found::Malformed(_)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn api_keys_in_headers_queries_and_cookies() {
        assert_eq!(
            find(
                &key(KeyLocation::Header),
                &request(&[("k", " s3cret ")], &[])
            ),
            present(CredentialKind::ApiKey("s3cret".into()), "key")
        );
        assert!(matches!(
            find(
                &key(KeyLocation::Header),
                &request(&[("k", "a"), ("k", "b")], &[])
            ),
            Found::Duplicate(_)
        ));
        assert_eq!(
            find(&key(KeyLocation::Query), &request(&[], &[("k", "q")])),
            present(CredentialKind::ApiKey("q".into()), "key")
        );
        assert!(matches!(
            find(
                &key(KeyLocation::Query),
                &request(&[], &[("k", "q"), ("k", "r")])
            ),
            Found::Duplicate(_)
        ));
        assert_eq!(
            find(
                &key(KeyLocation::Cookie),
                &request(&[("cookie", "a=1; k=\"c00kie\"")], &[])
            ),
            present(CredentialKind::ApiKey("c00kie".into()), "key")
        );
        assert_eq!(
            find(
                &key(KeyLocation::Cookie),
                &request(&[("cookie", "kk=1")], &[])
            ),
            Found::Absent
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let credential = Credential {
            scheme: "basic",
            kind: CredentialKind::Basic {
                username: "ada".into(),
                password: "hunter2".into(),
            },
        };
        let shown = format!("{credential:?}");
        assert!(
            shown.contains("ada") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
