//! A [`Problem`] read by a `Deserialize` type as if it were its JSON:
//! the adapter's problem becomes a value of the document's problem type
//! without writing and parsing JSON in between. The members are those
//! `Problem` serializes (`type` and `instance` left out when absent,
//! `field_errors` when empty); a type that cannot be read this way falls
//! back to the JSON round trip ([`Problem::to_body`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};

use crate::problem_value::Problem;

/// Why the direct reading failed (the caller then takes the JSON path).
#[derive(Debug)]
pub(crate) struct Failed(String);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

impl de::Error for Failed {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Failed(msg.to_string())
    }
}

/// `problem` as a `T`, read member by member.
pub(crate) fn read<T: de::DeserializeOwned>(problem: &Problem) -> Result<T, Failed> {
    let mut members: Vec<(&'static str, Member<'_>)> = Vec::with_capacity(6);
    if let Some(type_) = &problem.type_ {
        members.push(("type", Member::Str(type_)));
    }
    members.push(("status", Member::Status(problem.status)));
    members.push(("title", Member::Str(&problem.title)));
    members.push(("detail", Member::Str(&problem.detail)));
    if let Some(instance) = &problem.instance {
        members.push(("instance", Member::Str(instance)));
    }
    if !problem.field_errors.is_empty() {
        members.push(("field_errors", Member::Errors(&problem.field_errors)));
    }
    T::deserialize(MapDeserializer::new(members.into_iter()))
}

/// One member's value, read as JSON would give it.
#[derive(Clone, Copy)]
enum Member<'a> {
    Str(&'a str),
    Status(u16),
    Errors(&'a BTreeMap<String, Vec<String>>),
    /// One reason of a field's list.
    Reason(&'a str),
}

impl<'de> IntoDeserializer<'de, Failed> for Member<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Member<'_> {
    type Error = Failed;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failed> {
        match self {
            Member::Str(text) | Member::Reason(text) => visitor.visit_str(text),
            Member::Status(status) => visitor.visit_u64(u64::from(status)),
            Member::Errors(fields) => visitor.visit_map(MapDeserializer::new(fields.iter().map(
                |(name, reasons)| {
                    (
                        Member::Reason(name.as_str()),
                        SeqDeserializer::new(reasons.iter().map(|r| Member::Reason(r))),
                    )
                },
            ))),
        }
    }

    /// Present members are `Some`, as a JSON value other than `null` is.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failed> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Failed> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Failed> {
        match self {
            // A string is a unit variant, as in JSON.
            Member::Str(text) | Member::Reason(text) => text
                .into_deserializer()
                .deserialize_enum(name, variants, visitor),
            _ => Err(de::Error::custom("not an enum")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::problem::Situation;

    /// A document's problem type, with a member the runtime has no value
    /// for, a newtype and an enum.
    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Typed {
        detail: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        field_errors: BTreeMap<String, Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        instance: Option<Uri>,
        #[serde(skip_serializing_if = "Option::is_none")]
        notification: Option<String>,
        status: i32,
        title: String,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        type_: Option<Kind>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Uri(String);

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    enum Kind {
        #[serde(rename = "https://example.com/invalid")]
        Invalid,
    }

    fn through_json<T: de::DeserializeOwned>(problem: &Problem) -> Option<T> {
        serde_json::from_slice(&serde_json::to_vec(problem).ok()?).ok()
    }

    #[test]
    fn reads_the_same_value_as_the_json_round_trip() {
        let mut problem = Problem::of(None, Situation::InvalidParameters, &[("count", "2")]);
        problem
            .field_errors
            .insert("a".into(), vec!["x".into(), "y".into()]);
        problem.field_errors.insert("b".into(), vec![]);
        problem.instance = Some("urn:request:01ABC".into());
        problem.type_ = Some("https://example.com/invalid".into());
        let direct: Typed = read(&problem).unwrap();
        assert_eq!(Some(&direct), through_json::<Typed>(&problem).as_ref());
        assert_eq!(direct.status, 400);
        assert_eq!(direct.instance, Some(Uri("urn:request:01ABC".into())));
        // Without the optional members.
        let bare = Problem::of(None, Situation::NotFound, &[("path", "/x")]);
        let direct: Typed = read(&bare).unwrap();
        assert_eq!(Some(direct), through_json::<Typed>(&bare));
    }

    #[test]
    fn a_type_that_cannot_hold_it_fails_like_json() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct NeedsCode {
            code: String,
        }
        let problem = Problem::of(None, Situation::NotFound, &[("path", "/x")]);
        assert!(read::<NeedsCode>(&problem).is_err());
        assert!(through_json::<NeedsCode>(&problem).is_none());
        // An unknown type URI is no variant of the enum.
        let mut other = problem.clone();
        other.type_ = Some("https://example.com/other".into());
        assert!(read::<Typed>(&other).is_err());
        assert!(through_json::<Typed>(&other).is_none());
    }
}
