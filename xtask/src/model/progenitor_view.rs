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
    let default_error = !two_xx_code || !(has(Status::Range(4)) && has(Status::Range(5)));
    let success: Vec<usize> = responses
        .iter()
        .enumerate()
        .filter(|(_, r)| match r.status {
            Status::Code(code) => code == 101 || (200..300).contains(&code),
            Status::Range(class) => class == 2,
            Status::Default => default_success,
        })
        .map(|(i, _)| i)
        .collect();
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
