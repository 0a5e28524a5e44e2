//! Date-times written digit by digit. chrono serializes a `DateTime<Utc>`
//! through `fmt`: `collect_str` of a `Display` that writes each part with
//! its own `write_char`/`write_str`, each escaped by serde_json on its own
//! — about 2,000 instructions a date-time, most of a listing's encoding.
//! The generator knows which fields are date-times, so each such field of
//! the types crate (`DateTime<Utc>` and `Option<DateTime<Utc>>`, the types
//! typify gives `format: date-time`) gets a `serialize_with` that writes
//! the same bytes into a buffer on the stack and hands serde one string.
//!
//! The bytes are chrono's (RFC 3339, `Z`, no fraction or 3, 6 or 9 of its
//! digits, whichever is shortest exactly); what the fast path does not
//! cover (years outside 0–9999, leap seconds) goes to chrono itself.
//! Decoding is untouched. Other fields keep chrono's serializer: a
//! date-time in an array or a map, or a field with a `with` of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{Fields, GenericArgument, ItemStruct, PathArguments, Type};

/// The module the fields' `serialize_with` name (a sibling of the types).
const MODULE: &str = "rfc3339";

/// `tokens` (the types crate) with every `DateTime<Utc>` and
/// `Option<DateTime<Utc>>` field of a struct written by [`MODULE`], which
/// is added when any field uses it.
pub fn written_by_digits(tokens: TokenStream) -> syn::Result<TokenStream> {
    let mut file: syn::File = syn::parse2(tokens)?;
    let mut marker = Marker { used: false };
    // Only the types' own structs, not those of typify's `builder` module
    // (whose fields are `Result<T, String>` and are not serialized).
    for item in &mut file.items {
        if let syn::Item::Struct(item) = item {
            marker.visit_item_struct_mut(item);
        }
    }
    if marker.used {
        file.items.push(syn::parse2(module())?);
    }
    Ok(quote!(#file))
}

struct Marker {
    used: bool,
}

impl VisitMut for Marker {
    fn visit_item_struct_mut(&mut self, item: &mut ItemStruct) {
        let Fields::Named(fields) = &mut item.fields else {
            return;
        };
        for field in &mut fields.named {
            if has_own_serializer(&field.attrs) {
                continue;
            }
            let function = if is_date_time(&field.ty) {
                "serialize"
            } else if option_of(&field.ty).is_some_and(is_date_time) {
                "serialize_option"
            } else {
                continue;
            };
            let path = format!("{MODULE}::{function}");
            field
                .attrs
                .push(syn::parse_quote!(#[serde(serialize_with = #path)]));
            self.used = true;
        }
    }
}

/// Whether a field already says how it is serialized.
fn has_own_serializer(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| {
            let mut own = false;
            let _ = a.parse_nested_meta(|meta| {
                own |= meta.path.is_ident("with")
                    || meta.path.is_ident("serialize_with")
                    || meta.path.is_ident("flatten");
                // Skip the value, if any.
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<TokenStream>()?;
                }
                Ok(())
            });
            own
        })
}

/// The last segment of a type's path, if it is a path.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// The one type argument of a segment (`T` of `Option<T>`).
fn only_argument(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(ty)] => Some(ty),
        _ => None,
    }
}

/// `chrono::DateTime<chrono::Utc>` as typify writes it
/// (`::chrono::DateTime<::chrono::offset::Utc>`).
pub(crate) fn is_date_time(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let first = path.path.segments.first().map(|s| s.ident.to_string());
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    first.as_deref() == Some("chrono")
        && last.ident == "DateTime"
        && only_argument(last)
            .and_then(last_segment)
            .is_some_and(|s| s.ident == "Utc")
}

/// `T` of `Option<T>`.
fn option_of(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    (segment.ident == "Option").then(|| only_argument(segment))?
}

/// The module the fields name: the serializer and its fast path.
fn module() -> TokenStream {
    let module = syn::Ident::new(MODULE, proc_macro2::Span::call_site());
    quote! {
        /// Date-times as chrono writes them (RFC 3339 in UTC with `Z`, no
        /// fraction or 3, 6 or 9 of its digits), written digit by digit
        /// into one string instead of through `fmt` a piece at a time.
        /// Years outside 0–9999 and leap seconds go to chrono.
        mod #module {
            use ::chrono::{Datelike as _, Timelike as _};

            type DateTime = ::chrono::DateTime<::chrono::offset::Utc>;

            pub(super) fn serialize<S: ::serde::Serializer>(
                value: &DateTime,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                let mut buffer = [0u8; 30];
                match write(value, &mut buffer) {
                    ::std::option::Option::Some(text) => serializer.serialize_str(text),
                    ::std::option::Option::None => ::serde::Serialize::serialize(value, serializer),
                }
            }

            pub(super) fn serialize_option<S: ::serde::Serializer>(
                value: &::std::option::Option<DateTime>,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                struct Written<'a>(&'a DateTime);
                impl ::serde::Serialize for Written<'_> {
                    fn serialize<S: ::serde::Serializer>(
                        &self,
                        serializer: S,
                    ) -> ::std::result::Result<S::Ok, S::Error> {
                        serialize(self.0, serializer)
                    }
                }
                match value {
                    ::std::option::Option::Some(value) => serializer.serialize_some(&Written(value)),
                    ::std::option::Option::None => serializer.serialize_none(),
                }
            }

            /// `value` as chrono writes it, or `None` where this does not.
            fn write<'a>(value: &DateTime, buffer: &'a mut [u8; 30]) -> ::std::option::Option<&'a str> {
                let year = value.year();
                let nanos = value.nanosecond();
                if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
                    return ::std::option::Option::None;
                }
                digits(&mut buffer[0..4], year as u32);
                buffer[4] = b'-';
                digits(&mut buffer[5..7], value.month());
                buffer[7] = b'-';
                digits(&mut buffer[8..10], value.day());
                buffer[10] = b'T';
                digits(&mut buffer[11..13], value.hour());
                buffer[13] = b':';
                digits(&mut buffer[14..16], value.minute());
                buffer[16] = b':';
                digits(&mut buffer[17..19], value.second());
                let mut end = 19;
                if nanos != 0 {
                    let (fraction, width) = if nanos % 1_000_000 == 0 {
                        (nanos / 1_000_000, 3)
                    } else if nanos % 1_000 == 0 {
                        (nanos / 1_000, 6)
                    } else {
                        (nanos, 9)
                    };
                    buffer[19] = b'.';
                    digits(&mut buffer[20..20 + width], fraction);
                    end = 20 + width;
                }
                buffer[end] = b'Z';
                ::std::str::from_utf8(&buffer[..end + 1]).ok()
            }

            /// `value`'s last `into.len()` decimal digits, zero-padded.
            fn digits(into: &mut [u8], mut value: u32) {
                for byte in into.iter_mut().rev() {
                    *byte = b'0' + (value % 10) as u8;
                    value /= 10;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(source: &str) -> String {
        let tokens: TokenStream = source.parse().unwrap();
        let file: syn::File = syn::parse2(written_by_digits(tokens).unwrap()).unwrap();
        prettyplease::unparse(&file)
    }

    #[test]
    fn date_time_fields_and_only_those_are_written_by_the_module() {
        let out = marked(
            r#"
            #[derive(::serde::Serialize)]
            pub struct Log {
                pub at: ::chrono::DateTime<::chrono::offset::Utc>,
                #[serde(deserialize_with = "::std::option::Option::deserialize")]
                pub end: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                #[serde(with = "custom")]
                pub kept: ::chrono::DateTime<::chrono::offset::Utc>,
                pub many: ::std::vec::Vec<::chrono::DateTime<::chrono::offset::Utc>>,
                pub local: ::chrono::DateTime<::chrono::offset::FixedOffset>,
                pub name: ::std::string::String,
            }
            pub mod builder {
                pub struct Log {
                    at: ::std::result::Result<::chrono::DateTime<::chrono::offset::Utc>, ::std::string::String>,
                }
            }
            "#,
        );
        assert_eq!(
            out.matches("serialize_with = \"rfc3339::serialize\"")
                .count(),
            1,
            "{out}"
        );
        assert_eq!(
            out.matches("serialize_with = \"rfc3339::serialize_option\"")
                .count(),
            1,
            "{out}"
        );
        assert!(out.contains("mod rfc3339"), "{out}");
        // The field with its own `with`, the array, the fixed offset and the
        // builder keep what they had.
        assert_eq!(out.matches("(serialize_with").count(), 2, "{out}");
    }

    #[test]
    fn types_without_date_times_are_unchanged() {
        let source = "pub struct Pet { pub name: ::std::string::String }";
        let out = marked(source);
        assert!(!out.contains("rfc3339"), "{out}");
    }
}
