//! Reading YAML into a JSON tree as leniently as a JSON parser would: an
//! integer beyond 64 bits (`-9223372036854776000`, which documents
//! converted by tools that print every number as a double carry) becomes
//! the nearest `f64`, as `serde_json` reads it, instead of stopping the
//! document with "number out of range"; a mapping key that is a number or
//! a boolean (`200:` for a response status) is its text.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// Parses YAML (or JSON, which is YAML) text into a JSON tree.
pub fn from_yaml(text: &str) -> Result<Value, serde_yaml::Error> {
    serde_yaml::from_str::<Lenient>(text).map(|l| l.0)
}

/// JSON text with the control characters written raw inside its strings
/// escaped (`\u0009`), which JSON requires and some documents do not do.
pub fn escape_control_characters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string && !escaped && (c as u32) < 0x20 {
            out.push_str(&format!("\\u{:04x}", c as u32));
            continue;
        }
        out.push(c);
        match (in_string, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (true, false, '"') | (false, _, '"') => in_string = !in_string,
            _ => {}
        }
    }
    out
}

struct Lenient(Value);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor).map(Lenient)
    }
}

struct TreeVisitor;

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), |v| Value::Number(v.into())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), |v| Value::Number(v.into())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Lenient(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(Lenient(key)) = access.next_key()? {
            let key = match key {
                Value::String(text) => text,
                Value::Null => "null".to_string(),
                Value::Bool(_) | Value::Number(_) => key.to_string(),
                _ => {
                    return Err(de::Error::custom(
                        "a mapping key must be text, a number or a boolean",
                    ))
                }
            };
            let Lenient(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_control_characters_in_json_strings_are_escaped() {
        let text = "{\"a\": \"one\ttwo\nthree \\\" q\",\n \"b\": 1}";
        let fixed = escape_control_characters(text);
        let tree: Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(tree["a"], "one\ttwo\nthree \" q");
        assert_eq!(tree["b"], 1);
    }

    #[test]
    fn integers_beyond_64_bits_are_doubles_and_numeric_keys_are_text() {
        let tree = from_yaml(
            "minimum: -9223372036854776000\nmaximum: 18446744073709551616\nsmall: -3\n200: {a: 1}\n",
        )
        .unwrap();
        assert_eq!(tree["minimum"].as_f64(), Some(-9223372036854775808.0));
        assert_eq!(tree["maximum"].as_f64(), Some(18446744073709551616.0));
        assert_eq!(tree["small"].as_i64(), Some(-3));
        assert_eq!(tree["200"]["a"], 1);
    }
}
