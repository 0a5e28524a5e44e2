//! Date-time parameters read into the request struct (`format: date-time`
//! gives `chrono::DateTime<Utc>`). The parameter's schema has already
//! checked the text (RFC 3339); chrono's `Deserialize` would then run its
//! general parser (any of its formats, item by item, about 800
//! instructions a value), where its RFC 3339 parser reads the same text
//! in a fraction of that. What the RFC 3339 parser refuses goes to the
//! general one, so nothing accepted before is refused now, with the same
//! value.

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::{Deserializer, Error, Visitor};

/// A `DateTime<Utc>` field of a request struct
/// (`#[serde(deserialize_with = ...)]`).
pub fn date_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Text)
}

/// An `Option<DateTime<Utc>>` field of a request struct
/// (`#[serde(default, deserialize_with = ...)]`: absent is `None`).
pub fn date_time_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(Optional)
}

/// The instant `text` names.
fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| text.parse::<DateTime<FixedOffset>>())
        .map(|at| at.with_timezone(&Utc))
}

struct Text;

impl Visitor<'_> for Text {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 date-time")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).map_err(E::custom)
    }
}

struct Optional;

impl<'de> Visitor<'de> for Optional {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 date-time or null")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        date_time(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Request {
        #[serde(deserialize_with = "date_time")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "date_time_option")]
        from: Option<DateTime<Utc>>,
    }

    /// Whatever chrono's own `Deserialize` reads, these read alike, and
    /// what it refuses they refuse.
    #[test]
    fn reads_what_chronos_deserializer_reads_with_the_same_value() {
        for text in [
            "2024-04-17T09:39:45Z",
            "2024-04-17t09:39:45z",
            "2024-04-17T09:39:45.123456789+05:30",
            "2024-04-17T09:39:45-00:00",
            "2024-04-17 09:39:45Z",
            "2016-12-31T23:59:60Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "2024-04-17T09:39:45 +02:00",
            "2024-04-17T09:39Z",
            "2024-02-30T00:00:00Z",
            "2024-04-17",
            "",
            "yesterday",
        ] {
            let ours = date_time(serde_json::Value::from(text)).map_err(|e| e.to_string());
            let chronos = DateTime::<Utc>::deserialize(serde_json::Value::from(text));
            assert_eq!(
                ours.is_ok(),
                chronos.is_ok(),
                "{text:?}: {ours:?} / {chronos:?}"
            );
            if let (Ok(ours), Ok(chronos)) = (ours, chronos) {
                assert_eq!(ours, chronos, "{text:?}");
            }
        }
    }

    #[test]
    fn an_absent_or_null_optional_is_none() {
        let read = |json: &str| serde_json::from_str::<Request>(json).map_err(|e| e.to_string());
        let at = DateTime::parse_from_rfc3339("2024-04-17T09:39:45Z").unwrap();
        assert_eq!(
            read(r#"{"at":"2024-04-17T09:39:45Z"}"#),
            Ok(Request {
                at: at.into(),
                from: None
            })
        );
        assert_eq!(
            read(r#"{"at":"2024-04-17T09:39:45Z","from":null}"#),
            Ok(Request {
                at: at.into(),
                from: None
            })
        );
        assert_eq!(
            read(r#"{"at":"2024-04-17T09:39:45Z","from":"2024-04-17T10:39:45+01:00"}"#),
            Ok(Request {
                at: at.into(),
                from: Some(at.into())
            })
        );
        assert!(read(r#"{"at":"never"}"#).unwrap_err().contains("input"));
        assert!(read(r#"{"at":7}"#).unwrap_err().contains("RFC 3339"));
    }
}
