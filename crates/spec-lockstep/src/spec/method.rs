//! The HTTP methods a path item can hold.

use std::fmt;

/// An HTTP method an operation can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lower-case key of the path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// The method as HTTP writes it (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Whether RFC 9110 calls the method safe (read-only).
    pub fn is_safe(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Head | Method::Options | Method::Trace
        )
    }

    /// The method a path item key names (`get`), if it names one.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of an operation without `operationId`: the method in lower
/// case, then each segment of the path in snake case, a `{parameter}`
/// written `by_<parameter>`, all joined by `_`; the path `/` is `root`.
/// `GET /emails/{email_id}` is `get_emails_by_email_id`, `POST /api-keys`
/// `post_api_keys`, `GET /` `get_root`.
pub fn derived_operation_id(method: Method, path: &str) -> String {
    use heck::ToSnakeCase;
    let mut parts = vec![method.key().to_string()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let words = segment.replace('{', " by ").replace('}', " ");
        let part = words.to_snake_case();
        if !part.is_empty() {
            parts.push(part);
        }
    }
    if parts.len() == 1 {
        parts.push("root".to_string());
    }
    parts.join("_")
}
