//! How progenitor is shown an operation's responses.
//!
//! progenitor types a response only when it is `application/json` with a
//! schema (it panics on `application/json` without one), reads every other
//! content as a byte stream, and requires one type for all the success
//! responses of an operation and one for all its error responses (it
//! asserts, and the whole document is lost). Real documents break all
//! three: `*/*` for JSON, examples without a schema, a 200 with a body
//! next to a 204 without one. The model knows what each response is
//! ([`Response::body`]); this is what progenitor is shown instead, one
//! [`ClientBody`] per declared response, computed here once and used both
//! by `Document::for_generators` (which rewrites the document) and by the
//! types (which must name exactly the types progenitor names).
//!
//! Where an operation's success responses differ, progenitor sees them all
//! as any JSON value when they are all JSON, else all as bytes; the server
//! still has one variant per response, each with its own type. Error
//! responses that differ: those without content are left out of
//! progenitor's view (the client answers them with
//! `Error::UnexpectedResponse`, whose status is readable), the rest are
//! unified the same way.

use super::{BodyKind, Operation, Response, Schema, Status};

/// What progenitor is shown of one response.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClientBody<'a> {
    /// `application/json` with this schema: progenitor types it.
    Typed(&'a Schema),
    /// `application/json` with the empty schema: any JSON value
    /// (`serde_json::Value`).
    AnyJson,
    /// Content progenitor reads as bytes (`ResponseValue<ByteStream>`).
    Raw,
    /// No content.
    Empty,
    /// Not shown: the client answers the status as an unexpected response.
    Dropped,
}

impl ClientBody<'_> {
    /// What progenitor would make of a response's own body.
    fn natural(response: &Response) -> ClientBody<'_> {
        match response.body() {
            None => ClientBody::Empty,
            Some(body) if body.kind == BodyKind::Json => match body.schema() {
                Some(schema) => ClientBody::Typed(schema),
                None => ClientBody::AnyJson,
            },
            Some(_) => ClientBody::Raw,
        }
    }

    fn is_json(&self) -> bool {
        matches!(self, ClientBody::Typed(_) | ClientBody::AnyJson)
    }

    /// Whether progenitor gives both the same Rust type.
    fn same(&self, other: &ClientBody<'_>) -> bool {
        match (self, other) {
            (ClientBody::Typed(a), ClientBody::Typed(b)) => a.written == b.written,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// What progenitor is shown of each of `operation.responses`, in order.
pub fn view(operation: &Operation) -> Vec<ClientBody<'_>> {
    let responses = &operation.responses;
    let mut view: Vec<ClientBody<'_>> = responses.iter().map(ClientBody::natural).collect();
    // `Document::for_generators` turns `default` into `4XX`/`5XX` next to
    // a 2xx code; progenitor leaves `default` out of the successes next to
    // a `2XX` range.
    let has_code = |test: fn(u16) -> bool| {
        responses
            .iter()
            .any(|r| matches!(r.status, Status::Code(code) if test(code)))
    };
    let has = |status: Status| responses.iter().any(|r| r.status == status);
    let two_xx_code = has_code(|c| (200..300).contains(&c));
    let default_success = !two_xx_code && !has(Status::Range(2));
    let default_error = !(two_xx_code && has(Status::Range(4)) && has(Status::Range(5)));
    let mut success: Vec<usize> = responses
        .iter()
        .enumerate()
        .filter(|(_, r)| match r.status {
            Status::Code(code) => code == 101 || (200..300).contains(&code),
            Status::Range(class) => class == 2,
            Status::Default => default_success,
        })
        .map(|(i, _)| i)
        .collect();
    // progenitor reads a 101 that is not JSON as a connection upgrade, a
    // type of its own: beside other successes, it is left out of the view
    // (the client answers it as an unexpected response).
    if success.len() > 1 {
        success.retain(|&i| {
            let upgrade = responses[i].status == Status::Code(101) && !view[i].is_json();
            if upgrade {
                view[i] = ClientBody::Dropped;
            }
            !upgrade
        });
    }
    let errors: Vec<usize> = responses
        .iter()
        .enumerate()
        .filter(|(_, r)| match r.status {
            Status::Code(code) => (400..600).contains(&code),
            Status::Range(class) => class == 4 || class == 5,
            Status::Default => default_error,
        })
        .map(|(i, _)| i)
        .collect();
    unify(&mut view, &success);
    if !uniform(&view, &errors) {
        for &i in &errors {
            let keep = responses[i].status == Status::Default && default_success;
            if view[i] == ClientBody::Empty && !keep {
                view[i] = ClientBody::Dropped;
            }
        }
        let shown: Vec<usize> = errors
            .into_iter()
            .filter(|&i| view[i] != ClientBody::Dropped)
            .collect();
        unify(&mut view, &shown);
    }
    view
}

/// Whether the responses at `indices` all have the same type.
fn uniform(view: &[ClientBody<'_>], indices: &[usize]) -> bool {
    indices
        .windows(2)
        .all(|pair| view[pair[0]].same(&view[pair[1]]))
}

/// Gives the responses at `indices` one type: any JSON value when they are
/// all JSON, else bytes.
fn unify(view: &mut [ClientBody<'_>], indices: &[usize]) {
    if uniform(view, indices) {
        return;
    }
    let all_json = indices.iter().all(|&i| view[i].is_json());
    for &i in indices {
        view[i] = if all_json {
            ClientBody::AnyJson
        } else {
            ClientBody::Raw
        };
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::Document;

    /// The view of the one operation of a document whose `responses` are
    /// `responses` (YAML flow style), by status.
    fn shown(responses: &str) -> Vec<(String, String)> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
             operationId: a\n      responses: {responses}\n\
             components:\n  schemas:\n    A: {{type: object}}\n    B: {{type: string}}\n"
        );
        let document = Document::parse(Path::new("view.yaml"), &text).unwrap();
        let (model, _) = crate::model::load(&document);
        let operation = &model.operations[0];
        operation
            .responses
            .iter()
            .zip(view(operation))
            .map(|(r, v)| {
                let v = match v {
                    ClientBody::Typed(s) => format!("typed {}", s.component.clone().unwrap()),
                    other => format!("{other:?}").to_lowercase(),
                };
                (r.status.to_string(), v)
            })
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    const A: &str =
        "{description: a, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}";
    const B: &str =
        "{description: b, content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}";
    const EMPTY: &str = "{description: none}";

    #[test]
    fn one_type_per_set_is_left_as_it_is() {
        let any =
            "{description: any, content: {'*/*': {schema: {$ref: '#/components/schemas/A'}}}}";
        assert_eq!(
            shown(&format!("{{'200': {any}, '201': {A}, default: {B}}}")),
            pairs(&[
                ("200", "typed A"),
                ("201", "typed A"),
                ("default", "typed B")
            ]),
            "`*/*` with a schema is JSON; `default` next to 2xx is an error"
        );
    }

    #[test]
    fn differing_successes_are_any_json_or_bytes() {
        assert_eq!(
            shown(&format!("{{'200': {A}, '201': {B}}}")),
            pairs(&[("200", "anyjson"), ("201", "anyjson")])
        );
        assert_eq!(
            shown(&format!("{{'200': {A}, '204': {EMPTY}}}")),
            pairs(&[("200", "raw"), ("204", "raw")])
        );
        let untyped = "{description: u, content: {application/json: {example: {}}}}";
        assert_eq!(
            shown(&format!(
                "{{'200': {untyped}, '203': {untyped}, '300': {A}}}"
            )),
            pairs(&[("200", "anyjson"), ("203", "anyjson"), ("300", "typed A")]),
            "JSON without a schema is any value; a 3xx is in no set"
        );
        let text = "{description: t, content: {text/plain: {schema: {type: string}}}}";
        assert_eq!(
            shown(&format!("{{'200': {text}, '201': {A}}}")),
            pairs(&[("200", "raw"), ("201", "raw")])
        );
    }

    #[test]
    fn differing_errors_leave_out_those_without_content() {
        assert_eq!(
            shown(&format!("{{'200': {A}, '400': {B}, '404': {EMPTY}}}")),
            pairs(&[("200", "typed A"), ("400", "typed B"), ("404", "dropped")])
        );
        assert_eq!(
            shown(&format!(
                "{{'200': {A}, '400': {B}, '404': {A}, '500': {EMPTY}}}"
            )),
            pairs(&[
                ("200", "typed A"),
                ("400", "anyjson"),
                ("404", "anyjson"),
                ("500", "dropped")
            ])
        );
    }
}
