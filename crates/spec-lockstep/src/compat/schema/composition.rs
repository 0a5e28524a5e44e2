//! The members of an `allOf`, `oneOf` or `anyOf` compared with their
//! release.

use super::rules::describe;
use super::{Change, Comparer, Place};
use crate::model::{Composition, Node};

impl<'a> Comparer<'a> {
    pub(super) fn composition(
        &mut self,
        kind: Composition,
        old: &'a [Node],
        new: &'a [Node],
        place: &Place,
    ) {
        let kind = kind.key();
        let name = |node: &Node| match node {
            Node::Ref(r) => Some(r.to_string()),
            Node::Inline(_) => None,
        };
        let mut unmatched_new: Vec<usize> = (0..new.len()).collect();
        let mut pairs = Vec::new();
        let mut removed = Vec::new();
        for (i, o) in old.iter().enumerate() {
            let by_name = name(o).and_then(|on| {
                unmatched_new
                    .iter()
                    .position(|&j| name(&new[j]).as_deref() == Some(on.as_str()))
            });
            let by_position = || {
                unmatched_new
                    .iter()
                    .position(|&j| j == i && name(&new[j]).is_none() && name(o).is_none())
            };
            match by_name.or_else(by_position) {
                Some(k) => pairs.push((i, unmatched_new.remove(k))),
                None => removed.push(i),
            }
        }
        for (i, j) in pairs {
            let child = place.child(
                &format!("{kind}/{j}"),
                format!("alternative {} of {}", j + 1, place.subject),
            );
            let child = Place {
                old_pointer: format!("{}/{kind}/{i}", place.old_pointer),
                ..child
            };
            self.compare(&old[i], &new[j], &child);
        }
        // More alternatives allow more values, fewer allow fewer; allOf is the reverse.
        let (more, fewer) = if kind == "allOf" {
            (Change::Narrower, Change::Wider)
        } else {
            (Change::Wider, Change::Narrower)
        };
        for j in unmatched_new {
            let text = describe(self.new, &new[j]);
            self.constraint(
                place,
                more,
                format!("{kind} member {text} added to"),
                format!("{} members", old.len()),
                format!("{} members", new.len()),
            );
        }
        for i in removed {
            let text = describe(self.old, &old[i]);
            self.constraint(
                place,
                fewer,
                format!("{kind} member {text} removed from"),
                format!("{} members", old.len()),
                format!("{} members", new.len()),
            );
        }
    }
}
