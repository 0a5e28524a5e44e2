//! Request bodies in the document's media types: progenitor's `send`
//! rewritten on its syntax tree for forms, multipart, text and bytes, and a
//! `send_*` per other media type the document allows.

use super::*;

/// progenitor sends a text body as `text/plain` and a byte body as
/// `application/octet-stream` (what `Document::for_generators` hands it);
/// the builder's `send` of each operation whose document says otherwise
/// (`image/jpeg`, `application/xml`, `text/csv`) sends the document's
/// media type instead. A media range (`image/*`) is sent as written: the
/// server admits it, and the document names no single type.
pub(super) fn body_content_types(client: &mut syn::File, model: &Model) -> Result<()> {
    let Some(items) = builder_module(client) else {
        return Ok(());
    };
    let mut uses_form = false;
    let mut uses_multipart = false;
    let index = builder_index(items);
    for operation in &model.operations {
        let Some(body) = &operation.body else {
            continue;
        };
        let Some(media) = body.primary() else {
            continue;
        };
        let encoding = media.body_encoding();
        // What progenitor's `send` does with the body (what
        // `Document::for_generators` handed it) and what it should do.
        let (from, to) = match encoding {
            BodyEncoding::Json => (BodyCall::Method("json"), None),
            BodyEncoding::Form => (BodyCall::TriedMethod("form_urlencoded"), Some(form_call())),
            BodyEncoding::Multipart => {
                uses_multipart = true;
                let content_type = multipart_content_type();
                (
                    BodyCall::Literal(crate::adapt::BINARY),
                    Some(quote!(#content_type)),
                )
            }
            BodyEncoding::Text | BodyEncoding::Binary => {
                let sent = if encoding == BodyEncoding::Text {
                    crate::adapt::TEXT
                } else {
                    crate::adapt::BINARY
                };
                let wanted = media.media_type.trim();
                let keep = wanted.eq_ignore_ascii_case(sent)
                    || wanted == "*/*"
                    || header_value(wanted).is_none();
                (BodyCall::Literal(sent), (!keep).then(|| quote!(#wanted)))
            }
        };
        let name = progenitor::builder(&operation.id);
        let builder = builder_impl(items, &index, &name).ok_or_else(|| {
            anyhow!(
                "operation `{}`: progenitor wrote no `builder::{name}`",
                operation.id
            )
        })?;
        let send = send_of(builder).ok_or_else(|| {
            anyhow!(
                "operation `{}`: progenitor wrote no `builder::{name}::send`",
                operation.id
            )
        })?;
        let original = send.clone();
        // `send` with `from` in it rewritten as `with`.
        let rewritten = |with: &TokenStream| -> Result<syn::ImplItemFn> {
            from.rewrite(&original, with).with_context(|| {
                format!(
                    "operation `{}`: progenitor's `send` does not contain {from} (was progenitor \
                     upgraded?)",
                    operation.id
                )
            })
        };
        // Checked before anything changes, whatever `send` becomes.
        rewritten(&from.as_written())?;
        let variant = |ident: &str, with: &TokenStream, doc: &str| -> Result<syn::ImplItem> {
            let mut f = rewritten(with)?;
            f.sig.ident = quote::format_ident!("{ident}");
            f.attrs.retain(|a| !a.path().is_ident("doc"));
            f.attrs.push(syn::parse_quote! { #[doc = #doc] });
            Ok(syn::ImplItem::Fn(f))
        };
        // The other media types of the body, each a `send_*` of its own.
        let mut others = Vec::new();
        let alternatives = body.content.iter().filter(|m| !std::ptr::eq(*m, media));
        if encoding.is_typed() {
            let schema = |m: &crate::model::Media| {
                m.schema
                    .as_ref()
                    .and_then(|s| s.json_schema.as_deref().cloned())
            };
            let same = |m: &crate::model::Media| {
                m.body_encoding().is_typed() && schema(m).is_some() && schema(m) == schema(media)
            };
            let mut done = vec![encoding];
            let mut raw = Vec::new();
            for m in alternatives {
                if !same(m) {
                    raw.push(format!("`{}`", m.media_type));
                    continue;
                }
                let other = m.body_encoding();
                if done.contains(&other) {
                    continue;
                }
                done.push(other);
                match other {
                    BodyEncoding::Form => others.push(variant(
                        "send_form",
                        &form_call(),
                        &format!(
                            " Sends the body as a form (`{FORM}`), which the document also \
                             allows; otherwise like `send`."
                        ),
                    )?),
                    BodyEncoding::Json => others.push(variant(
                        "send_json",
                        &quote!(.json(&body)),
                        " Sends the body as JSON (`application/json`), which the document \
                         also allows; otherwise like `send`.",
                    )?),
                    _ => {}
                }
            }
            if !raw.is_empty() {
                let doc = format!(
                    " Sends `body` as it is, with `content_type` as its `Content-Type`, in \
                     place of the typed body (which is not needed): for the media types the \
                     document also allows ({}). Otherwise like `send`. `content_type` must \
                     be a valid header value.",
                    raw.join(", ")
                );
                let mut f = match variant(
                    "send_raw",
                    &quote!(
                        .header(
                            ::reqwest::header::CONTENT_TYPE,
                            ::reqwest::header::HeaderValue::from_static(content_type),
                        )
                        .body(body)
                    ),
                    &doc,
                )? {
                    syn::ImplItem::Fn(f) => f,
                    _ => unreachable!("variant makes functions"),
                };
                without_typed_body(&mut f).with_context(|| {
                    format!(
                        "operation `{}`: progenitor's `send` changed shape",
                        operation.id
                    )
                })?;
                f.sig
                    .inputs
                    .push(syn::parse_quote! { content_type: &'static str });
                f.sig
                    .inputs
                    .push(syn::parse_quote! { body: impl ::std::convert::Into<::reqwest::Body> });
                others.push(syn::ImplItem::Fn(f));
            }
        } else if !encoding.is_typed() && body.content.len() > 1 {
            let allowed: Vec<String> = body
                .content
                .iter()
                .map(|m| format!("`{}`", m.media_type))
                .collect();
            others.push(variant(
                "send_as",
                &quote!(content_type),
                &format!(
                    " Sends the body with `content_type` as its `Content-Type` (the document \
                     allows {}); otherwise like `send`. `content_type` must be a valid header \
                     value.",
                    allowed.join(", ")
                ),
            )?);
            if let Some(syn::ImplItem::Fn(f)) = others.last_mut() {
                f.sig
                    .inputs
                    .push(syn::parse_quote! { content_type: &'static str });
            }
        }
        uses_form |= encoding == BodyEncoding::Form
            || others
                .iter()
                .any(|f| matches!(f, syn::ImplItem::Fn(f) if f.sig.ident == "send_form"));
        if let Some(to) = to {
            *send = rewritten(&to)?;
        }
        builder.items.extend(others);
    }
    // Also for a multipart body the client sends with `send_raw`.
    uses_multipart |= model.operations.iter().any(|o| {
        o.body.as_ref().is_some_and(|b| {
            b.content
                .iter()
                .any(|m| m.body_encoding() == BodyEncoding::Multipart)
        })
    });
    if uses_multipart {
        client.items.extend(multipart_helpers());
    }
    if uses_form {
        client.items.push(syn::parse_quote! {
            /// A form body (`application/x-www-form-urlencoded`) as the
            /// document's servers read it: each field once, an array as the
            /// field repeated, `null` left out, an object as JSON text.
            fn encode_form_body<E, T: ::serde::Serialize + ?Sized>(
                body: &T,
            ) -> ::std::result::Result<::std::string::String, Error<E>> {
                let value = ::serde_json::to_value(body).map_err(|e| {
                    Error::InvalidRequest(format!("the form body cannot be encoded: {e}"))
                })?;
                let ::serde_json::Value::Object(fields) = value else {
                    return Err(Error::InvalidRequest("a form body must be an object".to_string()));
                };
                let mut out = ::std::string::String::new();
                for (name, value) in &fields {
                    let items = match value {
                        ::serde_json::Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for item in items {
                        let text = match item {
                            ::serde_json::Value::Null => continue,
                            ::serde_json::Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        if !out.is_empty() {
                            out.push('&');
                        }
                        percent_encode(&mut out, name);
                        out.push('=');
                        percent_encode(&mut out, &text);
                    }
                }
                Ok(out)
            }
        });
        client.items.push(syn::parse_quote! {
            /// `text` as a form writes it: unreserved bytes as they are, a
            /// space as `+`, every other byte `%XX`.
            fn percent_encode(out: &mut ::std::string::String, text: &str) {
                for byte in text.bytes() {
                    match byte {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                            out.push(char::from(byte))
                        }
                        b' ' => out.push('+'),
                        _ => out.push_str(&format!("%{byte:02X}")),
                    }
                }
            }
        });
    }
    Ok(())
}

/// The boundary of the multipart bodies the client sends: fixed, so that
/// `send` can name it in its static `Content-Type`; `multipart_body`
/// refuses a part that contains it.
pub(super) const MULTIPART_BOUNDARY: &str = "openapi-multipart-b7e1c94f2a6d4e08931c5f7a2d8b6e40";

pub(super) fn multipart_content_type() -> String {
    format!("{}; boundary={MULTIPART_BOUNDARY}", crate::model::MULTIPART)
}

/// `MultipartPart` and `multipart_body`, for the `body` of an operation
/// that takes `multipart/form-data` (progenitor sends only bytes).
pub(super) fn multipart_helpers() -> Vec<syn::Item> {
    let boundary = MULTIPART_BOUNDARY;
    let file: syn::File = syn::parse_quote! {
        /// The boundary between the parts of the multipart bodies this
        /// client sends (see [`multipart_body`]).
        pub const MULTIPART_BOUNDARY: &str = #boundary;

        /// One part of a `multipart/form-data` body (see [`multipart_body`]).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct MultipartPart {
            /// The field name.
            pub name: ::std::string::String,
            /// The file name, for a file part.
            pub filename: ::std::option::Option<::std::string::String>,
            /// The part's `Content-Type`, if any.
            pub content_type: ::std::option::Option<::std::string::String>,
            /// The content.
            pub bytes: ::std::vec::Vec<u8>,
        }

        impl MultipartPart {
            /// A text field.
            pub fn text(
                name: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                Self {
                    name: name.into(),
                    filename: None,
                    content_type: None,
                    bytes: value.into().into_bytes(),
                }
            }

            /// A file.
            pub fn file(
                name: impl ::std::convert::Into<::std::string::String>,
                filename: impl ::std::convert::Into<::std::string::String>,
                content_type: impl ::std::convert::Into<::std::string::String>,
                bytes: impl ::std::convert::Into<::std::vec::Vec<u8>>,
            ) -> Self {
                Self {
                    name: name.into(),
                    filename: Some(filename.into()),
                    content_type: Some(content_type.into()),
                    bytes: bytes.into(),
                }
            }
        }

        /// `parts` as a `multipart/form-data` body (RFC 7578) separated by
        /// [`MULTIPART_BOUNDARY`]: what the `body` of an operation that takes
        /// one expects. `Err` when a part contains the boundary, or a name,
        /// file name or content type holds a quote or a line break.
        pub fn multipart_body(
            parts: &[MultipartPart],
        ) -> ::std::result::Result<::std::vec::Vec<u8>, ::std::string::String> {
            let unsafe_text = |text: &str| text.contains(['"', '\r', '\n']);
            let mut out = ::std::vec::Vec::new();
            for part in parts {
                if part
                    .bytes
                    .windows(MULTIPART_BOUNDARY.len())
                    .any(|w| w == MULTIPART_BOUNDARY.as_bytes())
                {
                    return Err(format!("part `{}` contains the multipart boundary", part.name));
                }
                let texts = [Some(&part.name), part.filename.as_ref(), part.content_type.as_ref()];
                if texts.into_iter().flatten().any(|t| unsafe_text(t)) {
                    return Err(format!("part `{}` has a quote or line break in its headers", part.name));
                }
                out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n").as_bytes());
                let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
                if let Some(filename) = &part.filename {
                    disposition.push_str(&format!("; filename=\"{filename}\""));
                }
                out.extend_from_slice(disposition.as_bytes());
                out.extend_from_slice(b"\r\n");
                if let Some(content_type) = &part.content_type {
                    out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&part.bytes);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
            Ok(out)
        }
    };
    file.items
}

/// `send` without its typed body: the builder's `body` is not read (it
/// may never have been set), so `let Self { client, body, .. } = self;`
/// ignores it and the statement that converts it goes.
pub(super) fn without_typed_body(f: &mut syn::ImplItemFn) -> Result<()> {
    let body_ident = |pat: &syn::Pat| matches!(pat, syn::Pat::Ident(i) if i.ident == "body");
    let mut destructured = false;
    f.block.stmts.retain_mut(|stmt| {
        let syn::Stmt::Local(local) = stmt else {
            return true;
        };
        if let syn::Pat::Struct(pattern) = &mut local.pat {
            for field in pattern.fields.iter_mut() {
                if matches!(&field.member, syn::Member::Named(m) if m == "body") {
                    field.colon_token = Some(Default::default());
                    *field.pat = syn::parse_quote! { _ };
                    destructured = true;
                }
            }
            return true;
        }
        !body_ident(&local.pat)
    });
    if !destructured {
        return Err(anyhow!("no `let Self {{ .., body }} = self;`"));
    }
    Ok(())
}

/// The body call of `send` for a form: progenitor's form encoder
/// (serde_urlencoded) refuses arrays, the client's own
/// (`encode_form_body`) sends them as repeated fields.
pub(super) fn form_call() -> TokenStream {
    quote!(
        .header(
            ::reqwest::header::CONTENT_TYPE,
            ::reqwest::header::HeaderValue::from_static(#FORM),
        )
        .body(super::encode_form_body(&body)?)
    )
}

/// What progenitor's `send` does with the body, found in its syntax tree.
#[derive(Clone, Copy, Debug)]
pub(super) enum BodyCall {
    /// `<request>.<method>(&body)`: rewritten as `<request>` followed by
    /// the replacement's method calls.
    Method(&'static str),
    /// `<request>.<method>(&body)?`, likewise.
    TriedMethod(&'static str),
    /// A string literal (the `Content-Type` it names): rewritten as the
    /// replacement expression.
    Literal(&'static str),
}

impl std::fmt::Display for BodyCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyCall::Method(method) => write!(f, "`.{method}(&body)`"),
            BodyCall::TriedMethod(method) => write!(f, "`.{method}(&body)?`"),
            BodyCall::Literal(text) => write!(f, "`{text:?}`"),
        }
    }
}

impl BodyCall {
    /// The tokens that rewrite it as it is.
    fn as_written(self) -> TokenStream {
        match self {
            BodyCall::Method(method) => {
                let method = quote::format_ident!("{method}");
                quote!(.#method(&body))
            }
            BodyCall::TriedMethod(method) => {
                let method = quote::format_ident!("{method}");
                quote!(.#method(&body)?)
            }
            BodyCall::Literal(text) => quote!(#text),
        }
    }

    /// `send` with every occurrence rewritten as `with`; an error when
    /// there is none, or the result is not an expression.
    fn rewrite(self, send: &syn::ImplItemFn, with: &TokenStream) -> Result<syn::ImplItemFn> {
        let mut send = send.clone();
        let mut rewrite = Rewrite {
            call: self,
            with,
            done: 0,
            failed: None,
        };
        syn::visit_mut::VisitMut::visit_impl_item_fn_mut(&mut rewrite, &mut send);
        if let Some(error) = rewrite.failed {
            return Err(anyhow!("the rewritten body call does not parse: {error}"));
        }
        if rewrite.done == 0 {
            return Err(anyhow!("no {self}"));
        }
        Ok(send)
    }
}

/// The visitor of [`BodyCall::rewrite`].
pub(super) struct Rewrite<'a> {
    call: BodyCall,
    with: &'a TokenStream,
    done: usize,
    failed: Option<syn::Error>,
}

impl syn::visit_mut::VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let on_body = |m: &syn::ExprMethodCall, method: &str| {
            m.method == method
                && m.args.len() == 1
                && matches!(&m.args[0], syn::Expr::Reference(r)
                    if matches!(&*r.expr, syn::Expr::Path(p) if p.path.is_ident("body")))
        };
        let receiver = match (self.call, &*expr) {
            (BodyCall::Method(method), syn::Expr::MethodCall(m)) if on_body(m, method) => {
                Some(&m.receiver)
            }
            (BodyCall::TriedMethod(method), syn::Expr::Try(t)) => match &*t.expr {
                syn::Expr::MethodCall(m) if on_body(m, method) => Some(&m.receiver),
                _ => None,
            },
            _ => None,
        };
        let with = self.with;
        let replaced = match (self.call, &*expr, receiver) {
            (_, _, Some(receiver)) => Some(syn::parse2::<syn::Expr>(quote!(#receiver #with))),
            (BodyCall::Literal(text), syn::Expr::Lit(lit), None) => match &lit.lit {
                syn::Lit::Str(s) if s.value() == text => {
                    Some(syn::parse2::<syn::Expr>(with.clone()))
                }
                _ => None,
            },
            _ => None,
        };
        match replaced {
            Some(Ok(new)) => {
                *expr = new;
                self.done += 1;
            }
            Some(Err(error)) => self.failed = Some(error),
            None => {}
        }
    }
}

/// `Some` when `value` is a valid header value (`HeaderValue::from_static`
/// would panic on another).
pub(super) fn header_value(value: &str) -> Option<&str> {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then_some(value)
}
