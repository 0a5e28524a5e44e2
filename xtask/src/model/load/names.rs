//! Names the generated client cannot make unique: two document names that
//! become one Rust name there are an error naming both nodes (the server
//! generator makes its own names unique, see `crate::server::names`).
//!
//! progenitor (0.15) names an operation's client method after the
//! `operationId` in snake case, and the builder's setters after the
//! parameters' names in snake case, beside a `body` setter for the request
//! body; it does not make them unique, so two of them that collide would
//! be a rustc error in the generated client.

use std::collections::BTreeMap;

use super::super::*;
use super::Loader;
use crate::client::progenitor_names;

impl Loader<'_> {
    /// Every parameter the client sends, and the request body, need
    /// distinct setters.
    pub(super) fn check_setter_names(
        &mut self,
        parameters: &[Parameter],
        body: Option<&RequestBody>,
    ) {
        let mut taken: BTreeMap<String, (String, String)> = BTreeMap::new();
        if let Some(body) = body {
            taken.insert(
                "body".into(),
                ("the request body".into(), body.pointer.clone()),
            );
        }
        // progenitor's client leaves cookie parameters out.
        for parameter in parameters.iter().filter(|p| p.location != Location::Cookie) {
            let setter = progenitor_names::setter(&parameter.name);
            let this = format!("{} parameter `{}`", parameter.location, parameter.name);
            match taken.get(&setter) {
                Some((first, first_pointer)) => {
                    let message = format!(
                        "{this} and {first} ({first_pointer}) are both `{setter}` in the generated \
                         client's request builder, which cannot tell them apart: rename one of them"
                    );
                    self.finding(&parameter.pointer, message);
                }
                None => {
                    taken.insert(setter, (this, parameter.pointer.clone()));
                }
            }
        }
    }

    /// An operation's client method must not be another's: `getUser` and
    /// `get_user` are both `get_user`. `Some(first)`: the operation that has
    /// the method already.
    pub(super) fn method_taken<'m>(
        methods: &'m BTreeMap<String, (String, String)>,
        id: &str,
    ) -> Option<&'m (String, String)> {
        methods
            .get(&progenitor_names::method(id))
            .filter(|(other, _)| other != id)
    }
}
