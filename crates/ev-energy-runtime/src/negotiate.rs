//! `Accept` header negotiation (RFC 9110 §12.5.1): media ranges, wildcards
//! and q-values.

use axum::http::{header, HeaderMap};

/// Whether a request with these headers accepts one of `offered` (the
/// media types the operation's success responses use). A request without
/// `Accept` accepts anything; an operation that offers nothing is always
/// acceptable.
pub fn accepts_any(headers: &HeaderMap, offered: &[&str]) -> bool {
    if offered.is_empty() {
        return true;
    }
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if headers.get(header::ACCEPT).is_none() {
        return true;
    }
    let ranges: Vec<MediaRange> = values
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(MediaRange::parse)
        .collect();
    offered
        .iter()
        .any(|media_type| quality(&ranges, media_type) > 0.0)
}

/// One media range of an `Accept` header.
#[derive(Debug, PartialEq)]
struct MediaRange {
    type_: String,
    subtype: String,
    q: f32,
}

impl MediaRange {
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(';');
        let range = parts.next()?.trim().to_ascii_lowercase();
        let (type_, subtype) = range.split_once('/')?;
        if type_.is_empty() || subtype.is_empty() || (type_ == "*" && subtype != "*") {
            return None;
        }
        let mut q = 1.0;
        for parameter in parts {
            let Some((key, value)) = parameter.split_once('=') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("q") {
                q = value
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))?;
            }
        }
        Some(Self {
            type_: type_.trim().to_string(),
            subtype: subtype.trim().to_string(),
            q,
        })
    }

    /// 3 for an exact match, 2 for `type/*`, 1 for `*/*`, 0 for none.
    fn specificity(&self, type_: &str, subtype: &str) -> u8 {
        match (self.type_.as_str(), self.subtype.as_str()) {
            ("*", "*") => 1,
            (t, "*") if t == type_ => 2,
            (t, s) if t == type_ && s == subtype => 3,
            _ => 0,
        }
    }
}

/// The q-value the most specific matching range gives `media_type`. A
/// JSON type of its own (`application/vnd.api+json`) is also acceptable
/// where `application/json` is: clients that read JSON whatever its type
/// (the generated one) ask for `application/json`.
fn quality(ranges: &[MediaRange], media_type: &str) -> f32 {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let own = own_quality(ranges, &essence);
    if essence.ends_with("+json") {
        own.max(own_quality(ranges, "application/json"))
    } else {
        own
    }
}

/// The q-value the most specific matching range gives `essence`.
fn own_quality(ranges: &[MediaRange], essence: &str) -> f32 {
    let Some((type_, subtype)) = essence.split_once('/') else {
        return 0.0;
    };
    // An offered wildcard (`image/*`, `*/*`: the backend picks the media
    // type) is acceptable to the ranges it covers, too.
    let offered = MediaRange::parse(essence).filter(|o| o.type_ == "*" || o.subtype == "*");
    ranges
        .iter()
        .filter_map(|range| {
            let specificity = range.specificity(type_, subtype).max(
                offered
                    .as_ref()
                    .map_or(0, |o| o.specificity(&range.type_, &range.subtype)),
            );
            (specificity > 0).then_some((specificity, range.q))
        })
        // Most specific wins; among equally specific ranges, the highest q.
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map_or(0.0, |(_, q)| q)
}

/// Whether the media type `declared` in the document (`image/*`, `*/*`,
/// `application/xml`) covers `actual`, the one a body is sent in.
/// Parameters are ignored; `actual` must be one media type, not a range.
pub(crate) fn covers(declared: &str, actual: &str) -> bool {
    let (Some(declared), Some(actual)) = (MediaRange::parse(declared), MediaRange::parse(actual))
    else {
        return false;
    };
    actual.type_ != "*"
        && actual.subtype != "*"
        && declared.specificity(&actual.type_, &actual.subtype) > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accepts(accept: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        }
        accepts_any(&headers, &["application/json"])
    }

    #[test]
    fn negotiation() {
        assert!(accepts(None));
        assert!(accepts(Some("application/json")));
        assert!(accepts(Some("Application/JSON; charset=utf-8")));
        assert!(accepts(Some("*/*")));
        assert!(accepts(Some("application/*")));
        assert!(accepts(Some("text/html, application/json;q=0.1")));
        assert!(accepts(Some("text/html;q=0.9, */*;q=0.8")));
        assert!(!accepts(Some("text/html")));
        assert!(!accepts(Some("application/xml, text/*")));
        assert!(!accepts(Some("application/json;q=0")));
        assert!(
            !accepts(Some("application/json;q=0, */*")),
            "the most specific range wins"
        );
        assert!(accepts(Some("application/*;q=0, application/json")));
        assert!(!accepts(Some("")), "an empty Accept accepts nothing");
        assert!(!accepts(Some("garbage")));
        assert!(
            !accepts(Some("application/json;q=2")),
            "an out-of-range q is ignored"
        );
        assert!(!accepts(Some("*/json")));
    }

    #[test]
    fn an_offered_wildcard_is_acceptable_to_what_it_covers() {
        let accepts = |accept: &str, offered: &[&str]| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            accepts_any(&headers, offered)
        };
        assert!(accepts("image/png", &["image/*"]));
        assert!(accepts("image/*", &["image/*"]));
        assert!(accepts("text/plain", &["*/*"]));
        assert!(!accepts("text/plain", &["image/*"]));
        assert!(!accepts("image/png;q=0", &["image/*"]));
        assert!(accepts("text/plain", &["text/plain"]));
        assert!(!accepts("text/plain", &["application/json"]));
        assert!(accepts("application/json", &["application/vnd.api+json"]));
        assert!(accepts(
            "application/vnd.api+json",
            &["application/vnd.api+json"]
        ));
        assert!(!accepts(
            "application/json;q=0",
            &["application/vnd.api+json"]
        ));
        assert!(!accepts("application/xml", &["application/vnd.api+json"]));
    }

    #[test]
    fn a_declared_media_type_covers_what_it_matches() {
        assert!(covers("image/*", "image/png"));
        assert!(covers("*/*", "application/xml"));
        assert!(covers("application/xml", "Application/XML; charset=utf-8"));
        assert!(!covers("image/*", "text/html"));
        assert!(!covers("image/png", "image/jpeg"));
        assert!(!covers("*/*", "image/*"), "a range is not a media type");
        assert!(!covers("*/*", "garbage"));
    }
}
