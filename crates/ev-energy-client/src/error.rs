//! One error type a caller can match on.

use std::time::Duration;

use progenitor_client::Error;
use reqwest::StatusCode;

use crate::types::Problem;

/// What can go wrong calling the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with a problem the document declares (400, 401,
    /// 403, 406, 429, 503): its typed body.
    #[error("{status}: {}{}", problem_text(*.status, .problem), request_text(.request_id.as_deref(), *.attempts))]
    Problem {
        /// The HTTP status.
        status: StatusCode,
        /// The RFC 9457 body: title, detail, field errors, …
        problem: Box<Problem>,
        /// For 429 and 503: how long the API asked to wait.
        retry_after: Option<Duration>,
        /// The request's ID (`X-Request-Id`): quote it to the API's team.
        request_id: Option<String>,
        /// How many attempts the call took (retries included).
        attempts: u32,
    },
    /// A parameter was invalid, so nothing was sent (e.g. a malformed ID).
    #[error("invalid request, nothing was sent: {0}")]
    InvalidRequest(String),
    /// The request could not be sent or the answer not read (connection,
    /// timeout, TLS).
    #[error("could not reach the API: {0}")]
    Transport(#[source] reqwest::Error),
    /// An answer the document does not declare, or a body that does not
    /// match it.
    #[error("unexpected answer from the API: {0}")]
    Unexpected(String),
    /// No access token could be had (client credentials).
    #[error("authentication failed: {0}")]
    Auth(String),
}

fn request_text(request_id: Option<&str>, attempts: u32) -> String {
    let mut text = String::new();
    if let Some(id) = request_id {
        text.push_str(&format!(" (request {id}"));
        if attempts > 1 {
            text.push_str(&format!(", after {attempts} attempts"));
        }
        text.push(')');
    } else if attempts > 1 {
        text.push_str(&format!(" (after {attempts} attempts)"));
    }
    text
}

fn problem_text(status: StatusCode, problem: &Problem) -> String {
    // "401 Unauthorized: Unauthorized: …" says the title twice; skip it when
    // it is the status's own reason.
    let mut text = if status.canonical_reason() == Some(problem.title.as_str()) {
        problem.detail.clone()
    } else {
        format!("{}: {}", problem.title, problem.detail)
    };
    let mut fields: Vec<_> = problem.field_errors.iter().collect();
    fields.sort();
    for (field, reasons) in fields {
        text.push_str(&format!("; {field}: {}", reasons.join(" ")));
    }
    text
}

impl ApiError {
    /// The HTTP status, if the API answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Problem { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request's ID, if the API answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Problem { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The typed problem, if the API answered with one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ApiError::Problem { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

impl From<Error<Problem>> for ApiError {
    fn from(error: Error<Problem>) -> Self {
        match error {
            Error::ErrorResponse(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
                    .map(Duration::from_secs);
                let request_id = response
                    .headers()
                    .get(crate::session::REQUEST_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let attempts = crate::session::attempts(response.headers());
                ApiError::Problem {
                    status,
                    problem: Box::new(response.into_inner()),
                    retry_after,
                    request_id,
                    attempts,
                }
            }
            Error::InvalidRequest(message) => ApiError::InvalidRequest(message),
            Error::CommunicationError(e)
            | Error::ResponseBodyError(e)
            | Error::InvalidUpgrade(e) => ApiError::Transport(e),
            Error::InvalidResponsePayload(bytes, e) => ApiError::Unexpected(format!(
                "the body does not match the document ({e}): {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            )),
            Error::UnexpectedResponse(response) => ApiError::Unexpected(format!(
                "status {} is not in the document{}",
                response.status(),
                request_text(
                    response
                        .headers()
                        .get(crate::session::REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok()),
                    crate::session::attempts(response.headers()),
                )
            )),
            Error::Custom(message) => ApiError::Auth(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_displays_status_title_detail_and_fields() {
        let problem = Problem {
            type_: None,
            status: 400,
            title: "Invalid parameters".into(),
            detail: "The request has 1 invalid parameter: expand.".into(),
            instance: None,
            notification: None,
            field_errors: [(
                "expand".to_string(),
                vec!["Must be charging_sub_session.".to_string()],
            )]
            .into(),
        };
        let error = ApiError::Problem {
            status: StatusCode::BAD_REQUEST,
            problem: Box::new(problem.clone()),
            retry_after: None,
            request_id: None,
            attempts: 1,
        };
        assert_eq!(
            error.to_string(),
            "400 Bad Request: Invalid parameters: The request has 1 invalid parameter: expand.; expand: Must be charging_sub_session."
        );
        let error = ApiError::Problem {
            status: StatusCode::SERVICE_UNAVAILABLE,
            problem: Box::new(problem),
            retry_after: None,
            request_id: Some("01HSH04KDEWF6Z4DB2J77J74K5".into()),
            attempts: 3,
        };
        assert!(
            error
                .to_string()
                .ends_with(" (request 01HSH04KDEWF6Z4DB2J77J74K5, after 3 attempts)"),
            "{error}"
        );
    }
}
