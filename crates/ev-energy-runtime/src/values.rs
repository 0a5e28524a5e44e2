//! Parameter values as text: quoted and cut short for messages, and read
//! as JSON of their declared kind.

use serde_json::{Number, Value};

use crate::spec::Kind;

/// Longest quoted input in a message.
const QUOTE_LIMIT: usize = 80;

pub(crate) fn quote(value: &str) -> String {
    if value.chars().count() <= QUOTE_LIMIT {
        format!("{value:?}")
    } else {
        let cut: String = value.chars().take(QUOTE_LIMIT).collect();
        format!("{cut:?}…")
    }
}

pub(crate) fn truncate(message: &str) -> String {
    const LIMIT: usize = 300;
    if message.chars().count() <= LIMIT {
        message.to_string()
    } else {
        let cut: String = message.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

/// A raw value as JSON of the declared kind; an integer also within
/// `range`, the values its Rust type holds.
pub(crate) fn to_json(kind: Kind, range: Option<(i128, i128)>, raw: &str) -> Result<Value, String> {
    match kind {
        Kind::String => Ok(Value::String(raw.to_string())),
        Kind::Integer => integer(raw, range),
        Kind::Number => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| {
                raw.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or(())
            })
            .map_err(|_| "Must be a number.".to_string()),
        Kind::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("Must be true or false.".to_string()),
        },
    }
}

/// An integer parameter: digits with an optional sign, within `range`
/// (or what JSON numbers hold, 64 bits signed or unsigned).
fn integer(raw: &str, range: Option<(i128, i128)>) -> Result<Value, String> {
    let (min, max) = range.unwrap_or((i64::MIN.into(), u64::MAX.into()));
    let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Must be an integer.".to_string());
    }
    let out_of_range = || format!("Must be an integer from {min} to {max}.");
    let value = raw.parse::<i128>().map_err(|_| out_of_range())?;
    if value < min || value > max {
        return Err(out_of_range());
    }
    Ok(match i64::try_from(value) {
        Ok(small) => Value::from(small),
        Err(_) => Value::from(u64::try_from(value).map_err(|_| out_of_range())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_beyond_their_type_get_the_runtimes_message_for_every_width() {
        let i32_range = Some((i128::from(i32::MIN), i128::from(i32::MAX)));
        assert_eq!(integer("42", i32_range).unwrap(), Value::from(42));
        assert_eq!(integer("-7", i32_range).unwrap(), Value::from(-7));
        assert_eq!(
            integer("3000000000", i32_range).unwrap_err(),
            "Must be an integer from -2147483648 to 2147483647."
        );
        let digits20 = "12345678901234567890123";
        assert_eq!(
            integer(digits20, None).unwrap_err(),
            "Must be an integer from -9223372036854775808 to 18446744073709551615."
        );
        assert_eq!(
            integer("18446744073709551615", None).unwrap(),
            Value::from(u64::MAX)
        );
        for not_integer in ["", "-", "1.5", "1e3", "x", " 1"] {
            assert_eq!(
                integer(not_integer, i32_range).unwrap_err(),
                "Must be an integer."
            );
        }
    }
}
