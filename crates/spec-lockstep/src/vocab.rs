//! The runtime's vocabulary (`ev-energy-spec-vocab`, shared with the server runtime)
//! as generated code writes it: `runtime::Situation::Forbidden`,
//! `rt::Role::ApiVersion`. The generator decides with the same enums the
//! runtime interprets, so a renamed or added variant is a compile error
//! here first.

pub use ev_energy_spec_vocab::{Kind, Location, Role, Shape, Situation};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `#path::#name`.
fn variant(path: TokenStream, name: &str) -> TokenStream {
    let ident = format_ident!("{}", name);
    quote! { #path::#ident }
}

/// `runtime::Situation::X`.
pub fn situation(value: Situation) -> TokenStream {
    variant(quote! { runtime::Situation }, value.name())
}

/// `rt::Kind::X`.
pub fn kind(value: Kind) -> TokenStream {
    variant(quote! { rt::Kind }, value.name())
}

/// `rt::Shape::X`.
pub fn shape(value: Shape) -> TokenStream {
    variant(quote! { rt::Shape }, value.name())
}

/// `rt::Role::X`.
pub fn role(value: Role) -> TokenStream {
    variant(quote! { rt::Role }, value.name())
}
