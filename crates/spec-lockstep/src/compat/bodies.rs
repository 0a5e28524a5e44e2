//! Comparing request bodies and responses, with their media types and
//! headers.

use super::schema::{Comparer, Direction, Place};
use super::Severity;
use crate::model::{Operation, RequestBody, Response, Status};

impl<'a> Comparer<'a> {
    pub(super) fn body(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        match (&old.body, &new.body) {
            (None, None) => {}
            (None, Some(n)) => self.body_added(new, n),
            (Some(o), None) => self.push(
                "request-body-removed",
                Severity::Breaking,
                &o.pointer,
                format!("request body of `{}` removed", old.id),
                "a body".into(),
                "none".into(),
                format!("clients built against {v} still send a body the server no longer reads"),
                "keep the body, or bump the major version in info.version",
            ),
            (Some(o), Some(n)) => {
                if !o.required && n.required {
                    self.push(
                        "request-body-became-required",
                        Severity::Breaking,
                        &n.pointer,
                        format!("request body of `{}` made required", new.id),
                        "optional".into(),
                        "required".into(),
                        format!(
                            "requests from clients built against {v} without a body are refused"
                        ),
                        "keep it optional, or bump the major version in info.version",
                    );
                }
                self.body_media(new, o, n);
            }
        }
    }

    /// `new` declares a request body where there was none: breaking if it
    /// is required.
    fn body_added(&mut self, new: &'a Operation, n: &'a RequestBody) {
        let v = self.version.clone();
        let (severity, impact, fix) = if n.required {
            (
                Severity::Breaking,
                format!("requests from clients built against {v} carry no body and are refused"),
                "make the body optional, or bump the major version in info.version",
            )
        } else {
            (
                Severity::Compatible,
                format!("clients built against {v} send none, which is allowed"),
                "",
            )
        };
        self.push(
            if n.required {
                "required-request-body-added"
            } else {
                "optional-request-body-added"
            },
            severity,
            &n.pointer,
            format!("request body of `{}` added", new.id),
            "none".into(),
            if n.required { "required" } else { "optional" }.into(),
            impact,
            fix,
        );
    }

    /// Each media type of the old body `o`: still accepted by the new `n`
    /// (breaking if not), and its schema compared with the new one.
    fn body_media(&mut self, new: &'a Operation, o: &'a RequestBody, n: &'a RequestBody) {
        let v = self.version.clone();
        for media in &o.content {
            let Some(now) = n.content.iter().find(|m| m.media_type == media.media_type) else {
                self.push(
                    "request-media-type-removed",
                    Severity::Breaking,
                    &n.pointer,
                    format!(
                        "request body media type `{}` of `{}` removed",
                        media.media_type, new.id
                    ),
                    format!("`{}`", media.media_type),
                    n.content
                        .iter()
                        .map(|m| format!("`{}`", m.media_type))
                        .collect::<Vec<_>>()
                        .join(", "),
                    format!(
                        "clients built against {v} send `{}`, which is refused (415)",
                        media.media_type
                    ),
                    "keep accepting the media type, or bump the major version in info.version",
                );
                continue;
            };
            if let (Some(a), Some(b)) = (&media.schema, &now.schema) {
                let place = Place {
                    direction: Direction::Request,
                    subject: format!("the request body of `{}`", new.id),
                    type_name: None,
                    old_pointer: a.pointer.clone(),
                    new_pointer: b.pointer.clone(),
                };
                self.compare(&a.node, &b.node, &place);
            }
        }
    }

    pub(super) fn responses(&mut self, old: &'a Operation, new: &'a Operation) {
        for o in &old.responses {
            match new.responses.iter().find(|r| r.status == o.status) {
                Some(n) => {
                    let what = format!("the {} response of `{}`", o.status, new.id);
                    self.response_bodies(o, n, new, &what);
                    self.response_headers(o, n, &what);
                }
                None => self.response_removed(old, o),
            }
        }
        for n in &new.responses {
            if !old.responses.iter().any(|o| o.status == n.status) {
                self.response_added(old, new, n);
            }
        }
    }

    /// A response the release declares that is gone.
    fn response_removed(&mut self, old: &Operation, o: &Response) {
        let v = self.version.clone();
        if o.status.is_success() {
            self.push(
                "response-success-status-removed",
                Severity::Breaking,
                &o.pointer,
                format!("{} response of `{}` removed", o.status, old.id),
                "declared".into(),
                "absent".into(),
                format!("clients built against {v} expect a {} and treat what comes instead as unexpected", o.status),
                "keep the response, or bump the major version in info.version",
            );
        } else {
            self.push(
                "response-error-status-removed",
                Severity::Compatible,
                &o.pointer,
                format!("{} response of `{}` removed", o.status, old.id),
                "declared".into(),
                "absent".into(),
                format!("clients built against {v} still handle it, should it come"),
                "",
            );
        }
    }

    /// The bodies of a response in both, by media type.
    fn response_bodies(&mut self, o: &'a Response, n: &'a Response, new: &Operation, what: &str) {
        let v = self.version.clone();
        for media in &o.content {
            let Some(now) = n.content.iter().find(|m| m.media_type == media.media_type) else {
                self.push(
                    "response-media-type-removed",
                    Severity::Breaking,
                    &n.pointer,
                    format!("media type of {what}"),
                    format!("`{}`", media.media_type),
                    n.content.iter().map(|m| format!("`{}`", m.media_type)).collect::<Vec<_>>().join(", "),
                    format!("clients built against {v} ask for and decode `{}`", media.media_type),
                    "keep offering the media type (add the new one next to it), or bump the major version in info.version",
                );
                continue;
            };
            if let (Some(a), Some(b)) = (&media.schema, &now.schema) {
                let place = Place {
                    direction: Direction::Response,
                    subject: format!("the {} body of `{}`", o.status, new.id),
                    type_name: None,
                    old_pointer: a.pointer.clone(),
                    new_pointer: b.pointer.clone(),
                };
                self.compare(&a.node, &b.node, &place);
            }
        }
    }

    /// The headers of a response in both.
    fn response_headers(&mut self, o: &'a Response, n: &'a Response, what: &str) {
        let v = self.version.clone();
        for header in &o.headers {
            let key = header.name.to_ascii_lowercase();
            let now = n
                .headers
                .iter()
                .find(|h| h.name.to_ascii_lowercase() == key);
            let subject = format!("header `{}` of {what}", header.name);
            match now {
                None if header.required => self.push(
                    "response-required-header-removed",
                    Severity::Breaking,
                    &n.pointer,
                    format!("required {subject} removed"),
                    "required".into(),
                    "absent".into(),
                    format!(
                        "clients built against {v} read `{}` from every such answer",
                        header.name
                    ),
                    "keep sending the header, or bump the major version in info.version",
                ),
                None => {}
                Some(h) => {
                    if header.required && !h.required {
                        self.push(
                            "response-header-became-optional",
                            Severity::Breaking,
                            &n.pointer,
                            format!("{subject} made optional"),
                            "required".into(),
                            "optional".into(),
                            format!(
                                "clients built against {v} read `{}` from every such answer",
                                header.name
                            ),
                            "keep it required, or bump the major version in info.version",
                        );
                    }
                    let place = Place {
                        direction: Direction::Response,
                        subject: format!("header `{}`", header.name),
                        type_name: None,
                        old_pointer: header.schema.pointer.clone(),
                        new_pointer: h.schema.pointer.clone(),
                    };
                    self.compare(&header.schema.node, &h.schema.node, &place);
                }
            }
        }
    }

    /// A response the release does not declare.
    fn response_added(&mut self, old: &Operation, new: &Operation, n: &Response) {
        let v = self.version.clone();
        let covered = match n.status {
            Status::Code(code) => old.response_for(code).is_some(),
            _ => false,
        };
        let (severity, impact) = if n.status.is_success() {
            (
                Severity::Breaking,
                format!(
                    "clients built against {v} treat a {} answer as unexpected",
                    n.status
                ),
            )
        } else if covered {
            (
                Severity::Compatible,
                format!("clients built against {v} already handle it under a range or `default`"),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "clients built against {v} see a {} as an unexpected status until they update",
                    n.status
                ),
            )
        };
        self.push(
            match severity { Severity::Breaking => "response-success-status-added", Severity::Compatible => "response-status-added-under-range", _ => "response-status-added" },
            severity,
            &n.pointer,
            format!("{} response of `{}` declared", n.status, new.id),
            "absent".into(),
            "declared".into(),
            impact,
            if severity == Severity::Breaking {
                "answer with a status the release declares, or bump the major version in info.version"
            } else {
                ""
            },
        );
    }
}
