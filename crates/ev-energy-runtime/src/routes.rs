//! The router of a generated server: one registration per operation, the
//! rest — routing by path and method, `HEAD`, 404 and 405, parsing, the
//! gate, the backend call, encoding, spans and metrics — here, once.
//!
//! A generated `router` reads:
//!
//! ```text
//! runtime::Routes::new(&API, Gate(api))
//!     .secured(&LIST_DISPATCHER_LOGS, |gate, principal, request| async move {
//!         gate.0.list_dispatcher_logs(principal, request).await
//!     })
//!     .build()
//! ```
//!
//! [`Routes::secured`] registers an operation that needs credentials (the
//! backend method receives the principal), [`Routes::optional`] one whose
//! credentials are optional (`Option` of it) and [`Routes::public`] one
//! without security. Every schema is compiled when the operation is
//! registered.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::compiled::CompiledOperation;
use crate::error::Error;
use crate::gate::{self, Context};
use crate::hooks::Gatekeeper;
use crate::observe::Observation;
use crate::params::{parse, RawBody, RawRequest};
use crate::problem::Situation;
use crate::reply::Responses;
use crate::spec::{ApiSpec, OperationSpec};
use crate::templates::Template;

type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;
type Handler<G> = Arc<dyn Fn(Arc<G>, RawRequest, RawBody) -> Answer + Send + Sync>;
/// The methods of one path, with their handlers.
type Methods<G> = Vec<(Method, Handler<G>)>;

/// Decoded path parameters, or why they could not be decoded.
type PathParams = Result<Vec<(String, String)>, String>;

/// One path template of the document, with its methods.
struct Entry<G> {
    template: Template,
    path: &'static str,
    methods: Methods<G>,
    /// The `Allow` header of the path (see [`allow`]), once built.
    allow: Arc<str>,
}

/// The operations of a document, registered one by one, then built into an
/// axum router.
pub struct Routes<G> {
    api: &'static ApiSpec,
    gate: Arc<G>,
    /// Per route (see [`Template::route`]), in the order of first
    /// registration: the templates routed there, with their methods.
    routes: Vec<(String, Vec<Entry<G>>)>,
}

impl<G: Gatekeeper + 'static> Routes<G> {
    /// No operations yet; `gate` is the backend behind its hooks.
    pub fn new(api: &'static ApiSpec, gate: G) -> Self {
        Self {
            api,
            gate: Arc::new(gate),
            routes: Vec::new(),
        }
    }

    /// An operation that needs credentials: `call` gets the principal.
    pub fn secured<R, T, F, Fut>(self, spec: &'static OperationSpec, call: F) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        T: Responses,
        F: Fn(Arc<G>, G::Principal, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.register(spec, move |gate, principal, request| {
            // The gate admits a secured operation only with a principal.
            principal.map(|principal| call(gate, principal, request))
        })
    }

    /// An operation whose credentials are optional: `call` gets the
    /// principal when the request had credentials.
    pub fn optional<R, T, F, Fut>(self, spec: &'static OperationSpec, call: F) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        T: Responses,
        F: Fn(Arc<G>, Option<G::Principal>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.register(spec, move |gate, principal, request| {
            Some(call(gate, principal, request))
        })
    }

    /// An operation without security.
    pub fn public<R, T, F, Fut>(self, spec: &'static OperationSpec, call: F) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        T: Responses,
        F: Fn(Arc<G>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.register(spec, move |gate, _, request| Some(call(gate, request)))
    }

    fn register<R, T, F, Fut>(mut self, spec: &'static OperationSpec, call: F) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        T: Responses,
        F: Fn(Arc<G>, Option<G::Principal>, R) -> Option<Fut> + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let compiled = Arc::new(CompiledOperation::new(spec));
        let call = Arc::new(call);
        let handler: Handler<G> = Arc::new(move |gate, raw, body| {
            let compiled = compiled.clone();
            let call = call.clone();
            Box::pin(async move { answer(&compiled, gate, raw, body, &*call).await })
        });
        let method = Method::from_bytes(spec.method.as_bytes()).unwrap_or(Method::GET);
        let template = Template::parse(spec.path);
        let route = template.route();
        let entries = match self.routes.iter_mut().position(|(r, _)| *r == route) {
            Some(at) => &mut self.routes[at].1,
            None => {
                self.routes.push((route, Vec::new()));
                &mut self.routes.last_mut().expect("just pushed").1
            }
        };
        match entries.iter_mut().find(|entry| entry.path == spec.path) {
            Some(entry) => entry.methods.push((method, handler)),
            None => entries.push(Entry {
                template,
                path: spec.path,
                methods: vec![(method, handler)],
                allow: Arc::from(""),
            }),
        }
        self
    }

    /// The axum router: every registered operation at its path (nest it
    /// under the server's base path); a path the document does not have
    /// gets 404 and a method it does not declare 405 with `Allow`, both as
    /// the document's problems; `HEAD` is answered like `GET`, without the
    /// body. Every request gets an ID (see [`request_id`](crate::request_id)).
    pub fn build(self) -> axum::Router {
        self.build_at("")
    }

    /// [`Routes::build`] with every path under `base_path` (the path of the
    /// server's URL, e.g. `/v2`; `""` or `/` for none): routed in one step,
    /// where a router nested under the base path strips the prefix and
    /// rebuilds the URI of every request first. Its fallback answers any
    /// other path with the document's 404, so it can be merged into an
    /// application as it is.
    pub fn build_at(self, base_path: &str) -> axum::Router {
        // `v2`, `/v2` and `/v2/` are one base path (axum refuses a route
        // without its leading slash, at start-up).
        let base = match base_path.trim_matches('/') {
            "" => String::new(),
            inner => format!("/{inner}"),
        };
        let api = self.api;
        let mut router = axum::Router::new();
        for (route, mut entries) in self.routes {
            let route = match (base.as_str(), route.as_str()) {
                ("", _) => route,
                (base, "/") => base.to_string(),
                (base, route) => format!("{base}{route}"),
            };
            for entry in &mut entries {
                entry.allow = allow(&entry.methods);
            }
            // The more specific template first (`{id}.json` before `{id}`).
            entries.sort_by_key(|entry| std::cmp::Reverse(entry.template.specificity()));
            // Only a template with a parameter inside a segment can fail to
            // fit a request its route matched (see `dispatch`'s 404).
            let all_plain = entries.iter().all(|entry| entry.template.is_plain());
            let entries: Arc<[Entry<G>]> = entries.into();
            router = router.route(
                &route,
                axum::routing::any(move |State(gate): State<Arc<G>>, request: Request| {
                    let entries = entries.clone();
                    // The request ID here rather than in a `Router::layer`
                    // (which wraps and clones every route per request):
                    // under `serve`, whose middleware set it already, this
                    // is one lookup.
                    crate::request_id::around(request, move |request| async move {
                        let original = match all_plain {
                            true => None,
                            false => request.extensions().get::<OriginalUri>().cloned(),
                        };
                        let (mut parts, body) = request.into_parts();
                        let Ok(raw) = RawRequest::from_request_parts(&mut parts, &()).await;
                        // A request that says it has no body (a GET, or
                        // `Content-Length: 0`) has nothing to collect.
                        let body = match axum::body::HttpBody::is_end_stream(&body) {
                            true => Ok(Bytes::new()),
                            false => {
                                Bytes::from_request(Request::from_parts(parts, body), &()).await
                            }
                        };
                        if let Err(rejection) = &body {
                            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                return crate::limits::refusal(
                                    api,
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    "The request body grew past the largest this server \
                                     accepts."
                                        .to_string(),
                                );
                            }
                        }
                        let body: RawBody = body.map_err(|rejection| rejection.body_text());
                        dispatch(api, &entries, original, gate, raw, body).await
                    })
                }),
            );
        }
        router
            .fallback(move |request: Request| {
                crate::request_id::around(request, move |request| async move {
                    // The path as the client sent it, base path included.
                    let path = match request.extensions().get::<OriginalUri>() {
                        Some(original) => original.path(),
                        None => request.uri().path(),
                    };
                    gate::not_found(api, path)
                })
            })
            .with_state(self.gate)
    }
}

/// The `Allow` header of a path: its methods, with `HEAD` where there is a `GET`.
fn allow<G>(methods: &[(Method, Handler<G>)]) -> Arc<str> {
    let mut names: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    names.join(", ").into()
}

/// Answers a request whose route matched: the first template (most
/// specific first) that fits the request and has its method answers it,
/// with the parameters named as that template names them; a request that
/// fits templates without its method gets 405, one that fits none 404.
async fn dispatch<G>(
    api: &'static ApiSpec,
    entries: &[Entry<G>],
    original: Option<OriginalUri>,
    gate: Arc<G>,
    mut raw: RawRequest,
    body: RawBody,
) -> Response {
    // The templates this request fits, with their parameters (an
    // undecodable path fits every template: the operation refuses it).
    let fitting: Vec<(&Entry<G>, PathParams)> = entries
        .iter()
        .filter_map(|entry| match &raw.path_params {
            Ok(captured) => entry.template.capture(captured).map(|p| (entry, Ok(p))),
            Err(e) => Some((entry, Err(e.clone()))),
        })
        .collect();
    let chosen = fitting
        .iter()
        .find_map(|(entry, params)| {
            let handler = entry.methods.iter().find(|(m, _)| *m == raw.method)?;
            Some((&handler.1, params, false))
        })
        .or_else(|| {
            (raw.method == Method::HEAD).then_some(())?;
            fitting.iter().find_map(|(entry, params)| {
                let get = entry.methods.iter().find(|(m, _)| *m == Method::GET)?;
                Some((&get.1, params, true))
            })
        });
    if let Some((handler, params, head)) = chosen {
        raw.path_params = params.clone();
        let response = handler(gate, raw, body).await;
        return if head { gate::head(response) } else { response };
    }
    match fitting.as_slice() {
        // The path as the client sent it, base path included.
        [] => gate::not_found(api, original.as_ref().map_or(&raw.path, |u| u.path())),
        [(entry, _)] => gate::method_not_allowed(api, &raw.method, &entry.allow),
        several => {
            let mut methods: Vec<&str> = Vec::new();
            for (entry, _) in several {
                for method in entry.allow.split(", ") {
                    if !methods.contains(&method) {
                        methods.push(method);
                    }
                }
            }
            gate::method_not_allowed(api, &raw.method, &methods.join(", "))
        }
    }
}

/// Answers one request to an operation, in its span, with its metrics.
async fn answer<G, R, T, Fut>(
    operation: &CompiledOperation,
    gate: Arc<G>,
    raw: RawRequest,
    body: RawBody,
    call: &(dyn Fn(Arc<G>, Option<G::Principal>, R) -> Option<Fut> + Send + Sync),
) -> Response
where
    G: Gatekeeper,
    R: DeserializeOwned,
    T: Responses,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut context = Context::new(operation);
    let observation = Observation::start(operation.spec);
    let response = async {
        let parse = || parse::<R>(operation, &raw, &body);
        let (principal, request) =
            match gate::admit(&*gate, operation, &raw, parse, &mut context).await {
                Ok(admitted) => admitted,
                Err(problem) => return gate::refuse(&problem, &context),
            };
        let Some(called) = call(gate.clone(), principal, request) else {
            let problem = context.problem(Situation::Unauthenticated, &[]);
            return gate::refuse(&problem, &context);
        };
        match called.await {
            Ok(response) => gate::encode(response.reply(), &context),
            Err(error) => gate::failure(&context, &error),
        }
    }
    .instrument(observation.span().clone())
    .await;
    observation.finish(&response, context.client_id.as_deref());
    response
}
