//! A response's headers struct, read field by field as header text, with
//! no intermediate JSON: each field is `None` (left to the runtime) or the
//! text a header carries (`2`, not `2.0`, for a number; an enum's value).

use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

/// Why a headers struct could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(String);

impl ser::Error for Unreadable {
    fn custom<T: Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// The fields of `headers` (a struct of `Option`s and plain values), in
/// order: the text of each, `None` where it is `None`.
pub fn fields(headers: &(impl Serialize + ?Sized)) -> Result<Vec<Option<String>>, Unreadable> {
    let mut fields = Fields(Vec::new());
    headers.serialize(&mut fields)?;
    Ok(fields.0)
}

struct Fields(Vec<Option<String>>);

/// One field's value as header text.
struct Text;

fn unsupported<T>(what: &str) -> Result<T, Unreadable> {
    Err(Unreadable(format!("a header cannot carry {what}")))
}

impl ser::Serializer for Text {
    type Ok = Option<String>;
    type Error = Unreadable;
    type SerializeSeq = Impossible<Option<String>, Unreadable>;
    type SerializeTuple = Impossible<Option<String>, Unreadable>;
    type SerializeTupleStruct = Impossible<Option<String>, Unreadable>;
    type SerializeTupleVariant = Impossible<Option<String>, Unreadable>;
    type SerializeMap = Impossible<Option<String>, Unreadable>;
    type SerializeStruct = Impossible<Option<String>, Unreadable>;
    type SerializeStructVariant = Impossible<Option<String>, Unreadable>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Unreadable> {
        Ok(Some(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, Unreadable> {
        Ok(Some(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, Unreadable> {
        Ok(Some(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, Unreadable> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, Unreadable> {
        self.serialize_i64(v.into())
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, Unreadable> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, Unreadable> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, Unreadable> {
        self.serialize_u64(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, Unreadable> {
        self.serialize_u64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, Unreadable> {
        if v.is_finite() {
            Ok(Some(v.to_string()))
        } else {
            unsupported("a number that is not finite")
        }
    }
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, Unreadable> {
        self.serialize_f64(v.into())
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, Unreadable> {
        Ok(Some(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, Unreadable> {
        Ok(Some(v.to_string()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, Unreadable> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<Self::Ok, Unreadable> {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Unreadable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, Unreadable> {
        Ok(None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, Unreadable> {
        Ok(None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Unreadable> {
        Ok(Some(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unreadable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unreadable> {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unreadable> {
        unsupported("a list")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unreadable> {
        unsupported("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unreadable> {
        unsupported("a tuple")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unreadable> {
        unsupported("a tuple")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unreadable> {
        unsupported("a map")
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unreadable> {
        unsupported("an object")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unreadable> {
        unsupported("an object")
    }
}

impl ser::SerializeStruct for &mut Fields {
    type Ok = ();
    type Error = Unreadable;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unreadable> {
        self.0.push(value.serialize(Text)?);
        Ok(())
    }

    fn end(self) -> Result<(), Unreadable> {
        Ok(())
    }
}

impl ser::Serializer for &mut Fields {
    type Ok = ();
    type Error = Unreadable;
    type SerializeSeq = Impossible<(), Unreadable>;
    type SerializeTuple = Impossible<(), Unreadable>;
    type SerializeTupleStruct = Impossible<(), Unreadable>;
    type SerializeTupleVariant = Impossible<(), Unreadable>;
    type SerializeMap = Impossible<(), Unreadable>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Unreadable>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Self, Unreadable> {
        self.0.reserve(len);
        Ok(self)
    }

    fn serialize_bool(self, _: bool) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_i8(self, _: i8) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_i16(self, _: i16) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_i32(self, _: i32) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_i64(self, _: i64) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_u8(self, _: u8) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_u16(self, _: u16) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_u32(self, _: u32) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_u64(self, _: u64) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_char(self, _: char) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_str(self, _: &str) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_none(self) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_unit(self) -> Result<(), Unreadable> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unreadable> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unreadable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unreadable> {
        unsupported("a headers struct that is a value")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unreadable> {
        unsupported("a headers struct that is a list")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unreadable> {
        unsupported("a headers struct that is a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unreadable> {
        unsupported("a headers struct that is a tuple")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unreadable> {
        unsupported("a headers struct that is a tuple")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unreadable> {
        unsupported("a headers struct that is a map")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unreadable> {
        unsupported("a headers struct that is an enum")
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    enum Mode {
        #[serde(rename = "fast")]
        Fast,
    }

    #[derive(Serialize)]
    struct Version(f64);

    #[derive(Serialize)]
    struct Headers {
        version: Option<Version>,
        limit: Option<i64>,
        location: String,
        mode: Mode,
        unset: Option<String>,
    }

    #[test]
    fn fields_read_as_the_text_a_header_carries() {
        let headers = Headers {
            version: Some(Version(2.0)),
            limit: Some(-3),
            location: "/x".into(),
            mode: Mode::Fast,
            unset: None,
        };
        assert_eq!(
            fields(&headers).unwrap(),
            [
                Some("2".to_string()),
                Some("-3".into()),
                Some("/x".into()),
                Some("fast".into()),
                None
            ]
        );
        assert_eq!(fields(&()).unwrap(), Vec::<Option<String>>::new());
        assert!(fields(&vec![1]).is_err());
        assert!(fields(&Headers {
            version: Some(Version(f64::NAN)),
            limit: None,
            location: String::new(),
            mode: Mode::Fast,
            unset: None,
        })
        .is_err());
    }
}
