//! The server generator's picture of each operation, read once from the
//! model and the type space: its Rust names, parameters, body and
//! responses. The trait and request/response types (`api.rs`), the
//! adapter's declarations (`adapter.rs`) and the round trip
//! (`crate::corpus::roundtrip`) are all rendered from it.

use anyhow::{anyhow, Context, Result};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::error_shape;
use crate::model::{
    self, BodyEncoding, BodyKind, HeaderRole, Location, Model, Status, Style, ValueKind,
};
use crate::naming::{self as names, pascal, snake};
use crate::types::{ParamType, Types};
use crate::vocab::{Kind, Shape};

/// One operation, ready to render.
pub(crate) struct Op<'a> {
    pub(crate) model: &'a model::Operation,
    /// `list_dispatcher_logs`
    pub(crate) fn_name: Ident,
    /// `ListDispatcherLogs`
    pub(crate) pascal: String,
    /// The `static` of its `OperationSpec` (`LIST_DISPATCHER_LOGS`).
    pub(crate) spec: Ident,
    pub(crate) params: Vec<Param<'a>>,
    pub(crate) body: Option<Body>,
    pub(crate) responses: Vec<Resp<'a>>,
}

pub(crate) struct Param<'a> {
    pub(crate) model: &'a model::Parameter,
    pub(crate) field: Ident,
    pub(crate) ty: ParamType,
    pub(crate) shape: Shape,
    pub(crate) kind: Kind,
}

pub(crate) struct Body {
    pub(crate) required: bool,
    /// The request struct's field type (without the `Option` of an
    /// optional body).
    pub(crate) ty: TokenStream,
    pub(crate) schema: String,
    pub(crate) description: Option<String>,
    /// What the field holds.
    pub(crate) encoding: BodyEncoding,
    /// Each media type and how it is read; empty when the body is only
    /// `application/json` (the runtime's default).
    pub(crate) consumes: Vec<(String, BodyEncoding)>,
}

impl Body {
    pub(crate) fn read(
        operation: &model::Operation,
        body: &model::RequestBody,
        types: &Types,
    ) -> Result<Self> {
        let encoding = body
            .encoding()
            .ok_or_else(|| anyhow!("the request body ({}) has no media type", body.pointer))?;
        let primary = body.primary();
        let (ty, schema) = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => {
                let schema = primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .ok_or_else(|| {
                        anyhow!(
                            "the request body's schema refers to itself ({})",
                            body.pointer
                        )
                    })?;
                (
                    types
                        .body(operation)
                        .ok_or_else(|| anyhow!("the request body has no type"))??,
                    schema,
                )
            }
            BodyEncoding::Text => (
                quote! { ::std::string::String },
                primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .unwrap_or(serde_json::Value::Bool(true)),
            ),
            BodyEncoding::Multipart => (
                quote! { runtime::Multipart },
                primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .unwrap_or(serde_json::Value::Bool(true)),
            ),
            BodyEncoding::Binary => (quote! { runtime::Binary }, serde_json::Value::Bool(true)),
        };
        let only_json = body.content.len() == 1
            && body.content[0].media_type == crate::spec::JSON
            && encoding == BodyEncoding::Json;
        let consumes = if only_json {
            Vec::new()
        } else {
            body.content
                .iter()
                .map(|m| {
                    let each = match encoding {
                        BodyEncoding::Json | BodyEncoding::Form => m.body_encoding(),
                        other => other,
                    };
                    (m.media_type.trim().to_string(), each)
                })
                .collect()
        };
        Ok(Self {
            required: body.required,
            ty,
            schema: serde_json::to_string(&schema)?,
            description: body.description.clone(),
            encoding,
            consumes,
        })
    }
}

pub(crate) struct Resp<'a> {
    pub(crate) model: &'a model::Response,
    pub(crate) variant: Ident,
    /// The exact code, where the response declares one (not a range or
    /// `default`): any status 100–599, registered or not (AWS documents
    /// declare 480).
    pub(crate) status: Option<u16>,
    /// The body's Rust type and the media type it is answered with.
    pub(crate) body: Option<(TokenStream, String)>,
    /// How the body is sent (`None`: no body).
    pub(crate) kind: Option<BodyKind>,
    /// Whether the body is JSON of a type the document's schema gives (not
    /// any JSON value, text or bytes).
    pub(crate) typed: bool,
    /// For an error response with a body: how its schema holds the
    /// adapter's problems, and the schema's pointer.
    pub(crate) shape: Option<(error_shape::Shape, String)>,
    pub(crate) headers: Vec<Header<'a>>,
    /// The headers struct (empty when the response declares none).
    pub(crate) headers_struct: Option<Ident>,
}

pub(crate) struct Header<'a> {
    pub(crate) name: &'a str,
    /// Lower case, for `HeaderName::from_static`.
    pub(crate) lower: String,
    pub(crate) field: Ident,
    pub(crate) ty: TokenStream,
    pub(crate) required: bool,
    pub(crate) role: Option<HeaderRole>,
    pub(crate) description: Option<&'a str>,
}

impl Header<'_> {
    /// Whether the backend must set it: required, and nothing the runtime
    /// knows fills it.
    pub(crate) fn backend_must_set(&self) -> bool {
        self.required && self.role.is_none()
    }
}

impl<'a> Op<'a> {
    pub(crate) fn read(
        model: &'a Model,
        operation: &'a model::Operation,
        types: &mut Types,
    ) -> Result<Self> {
        let pascal = pascal(&operation.id);
        let fn_name = format_ident!("{}", snake(&operation.id));
        let mut params = Vec::new();
        // The request struct's fields: one per parameter, beside `body`.
        let mut fields = names::Scope::with(if operation.body.is_some() {
            &["body"]
        } else {
            &[]
        });
        for parameter in &operation.parameters {
            params.push(Param::read(operation, parameter, types, &mut fields)?);
        }
        let body = match &operation.body {
            None => None,
            Some(body) => Some(Body::read(operation, body, types)?),
        };
        let mut responses = Vec::new();
        for response in &operation.responses {
            responses.push(Resp::read(model, operation, response, types, &pascal)?);
        }
        Ok(Self {
            model: operation,
            fn_name,
            spec: format_ident!("{}", heck::AsShoutySnakeCase(&pascal).to_string()),
            pascal,
            params,
            body,
            responses,
        })
    }

    pub(crate) fn request_ident(&self) -> Ident {
        format_ident!("{}Request", self.pascal)
    }

    pub(crate) fn response_ident(&self) -> Ident {
        format_ident!("{}Response", self.pascal)
    }

    /// The `static` of its `OperationSpec`.
    pub(crate) fn spec_ident(&self) -> Ident {
        self.spec.clone()
    }
}

impl<'a> Param<'a> {
    pub(crate) fn read(
        operation: &model::Operation,
        parameter: &'a model::Parameter,
        types: &Types,
        fields: &mut names::Scope,
    ) -> Result<Self> {
        let name = &parameter.name;
        let unsupported = |what: &str| {
            anyhow!(
                "parameter `{name}` ({}): {what} is not supported",
                parameter.pointer
            )
        };
        if let Some(what) = parameter.unsupported() {
            return Err(unsupported(&what));
        }
        let array = matches!(parameter.schema.value, ValueKind::Array(_));
        let shape = match (
            array,
            parameter.location,
            parameter.style,
            parameter.explode,
        ) {
            (false, _, _, _) => Shape::Scalar,
            (true, Location::Query | Location::Cookie, Style::Form, true) => Shape::Exploded,
            (true, _, _, _) => Shape::CommaSeparated,
        };
        let item_kind = match &parameter.schema.value {
            ValueKind::Array(item) => item.as_ref(),
            other => other,
        };
        let kind = match item_kind {
            ValueKind::String | ValueKind::Other => Kind::String,
            ValueKind::Integer => Kind::Integer,
            ValueKind::Number => Kind::Number,
            ValueKind::Boolean => Kind::Boolean,
            ValueKind::Object | ValueKind::Array(_) => {
                return Err(unsupported("a value that is an object or a nested array"))
            }
        };
        let field = fields.claim(&snake(name), Some(parameter.location.as_str()));
        Ok(Self {
            model: parameter,
            field: format_ident!("{}", field),
            ty: types
                .param(operation, parameter)
                .with_context(|| format!("parameter `{name}`"))?,
            shape,
            kind,
        })
    }

    /// Required, or defaulted: the request holds a value, not an `Option`.
    pub(crate) fn always_present(&self) -> bool {
        self.model.required || self.model.schema.default.is_some()
    }

    /// The field's `serde` attribute, if it needs one: a date-time
    /// (`DateTime<Utc>`, alone or optional) is read by the runtime's
    /// RFC 3339 reader rather than chrono's general parser (see the
    /// runtime's `date_time`).
    pub(crate) fn field_attribute(&self) -> TokenStream {
        let ParamType::Scalar(ty) = &self.ty else {
            return TokenStream::new();
        };
        let is_date_time = syn::parse2::<syn::Type>(ty.clone())
            .is_ok_and(|ty| crate::types::date_times::is_date_time(&ty));
        match is_date_time {
            false => TokenStream::new(),
            true if self.always_present() => {
                quote! { #[serde(deserialize_with = "runtime::declare::date_time")] }
            }
            true => quote! {
                #[serde(default, deserialize_with = "runtime::declare::date_time_option")]
            },
        }
    }

    /// The type of the request's field.
    pub(crate) fn field_type(&self) -> TokenStream {
        match &self.ty {
            ParamType::Array(item) => quote! { ::std::vec::Vec<#item> },
            ParamType::Scalar(ty) if self.always_present() => quote! { #ty },
            ParamType::Scalar(ty) => quote! { ::std::option::Option<#ty> },
        }
    }
}

impl<'a> Resp<'a> {
    pub(crate) fn read(
        model: &Model,
        operation: &model::Operation,
        response: &'a model::Response,
        types: &mut Types,
        op_pascal: &str,
    ) -> Result<Self> {
        let variant = match response.status {
            Status::Code(code) => http::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(pascal)
                .unwrap_or_else(|| format!("Status{code}")),
            Status::Range(class) => format!("Status{class}xx"),
            Status::Default => "Default".to_string(),
        };
        let status = match response.status {
            Status::Code(code) => Some(code),
            _ => None,
        };
        let declared = response.body();
        let body = match declared {
            None => None,
            Some(body) => {
                let ty = match body.kind {
                    BodyKind::Json if body.schema().is_some() => types
                        .response(operation, response.status)
                        .ok_or_else(|| anyhow!("response {} has no type", response.status))??,
                    BodyKind::Json => quote! { runtime::reexports::serde_json::Value },
                    BodyKind::Text => quote! { ::std::string::String },
                    BodyKind::Bytes => quote! { runtime::Binary },
                    BodyKind::EventStream => quote! { runtime::EventStream },
                };
                Some((ty, body.media_type().to_string()))
            }
        };
        let kind = declared.map(|b| b.kind);
        let typed = declared.is_some_and(|b| b.schema().is_some());
        let shape = match (&body, response.status.is_error()) {
            (Some(_), true) if typed => declared.map(|b| b.media).and_then(error_shape::of_media),
            _ => None,
        };
        let mut headers = Vec::new();
        // The headers struct's fields, which the response's constructor
        // also takes beside `status` and `body`.
        let mut fields = names::Scope::with(&["status", "body"]);
        for header in &response.headers {
            let version_header = operation
                .parameters
                .iter()
                .any(|p| p.api_version && p.name.eq_ignore_ascii_case(&header.name));
            let role = if version_header {
                Some(HeaderRole::ApiVersion)
            } else {
                header.role
            };
            let ty = types
                .header(
                    &header.schema.typify,
                    &format!("{}-{}-{}", operation.id, response.status, header.name),
                )
                .with_context(|| {
                    format!(
                        "response {} ({}): header `{}`",
                        response.status, response.pointer, header.name
                    )
                })?;
            headers.push(Header {
                name: &header.name,
                lower: header.name.to_ascii_lowercase(),
                field: format_ident!("{}", fields.claim(&snake(&header.name), Some("header"))),
                ty,
                required: header.required,
                role,
                description: header.description.as_deref(),
            });
        }
        let headers_struct = (!headers.is_empty()).then(|| match &response.component {
            Some(component) => format_ident!("{}Headers", pascal(component)),
            None => format_ident!("{op_pascal}{variant}Headers"),
        });
        let _ = model;
        Ok(Self {
            model: response,
            variant: format_ident!("{}", variant),
            status,
            body,
            kind,
            typed,
            shape,
            headers,
            headers_struct,
        })
    }

    /// The constructor's name (`ok`, `bad_request`, `status_4xx`).
    pub(crate) fn constructor(&self) -> Ident {
        format_ident!("{}", snake(&self.variant.to_string()))
    }
}
