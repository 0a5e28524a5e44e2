//! The gate: what the adapter does around an operation, in two parts.
//!
//! - `admit`: the checks before the operation runs, in the
//!   order of [`ev_energy_spec_vocab::GATE`]:
//!   1. content negotiation: 406 when `Accept` allows no success media type;
//!   2. the API version (the header parameter marked `x-api-version`): 400
//!      "Unsupported version" for a version the document does not have;
//!   3. authentication: 401 when credentials are missing or rejected, 400
//!      when a credential is given twice (two `Authorization` headers);
//!   4. authorization: 403 when the principal lacks the operation's scopes;
//!   5. rate limiting: 429 with `Retry-After` when the hook says so;
//!   6. parameters and body: 400 with `field_errors` naming every problem.
//! - `finish`: every answer — the backend's typed response or the
//!   adapter's own problem — encoded as the document declares it, with the
//!   headers the runtime knows filled in from the request's [`Context`].

pub(crate) mod admit;
pub(crate) mod finish;
#[cfg(test)]
pub(crate) mod testing;

pub use admit::admit;
pub use finish::{encode, failure, head, method_not_allowed, not_found, refuse, Context};
