//! The document's `x-` conventions (`x-problem-details`).

use super::super::*;
use super::Loader;
use crate::spec::escape_pointer;

impl<'a> Loader<'a> {
    /// The root's `x-problem-details`.
    pub(super) fn conventions(&mut self) -> Conventions {
        let mut conventions = Conventions::default();
        let Some(details) = self.api.extensions.get("x-problem-details") else {
            return conventions;
        };
        let pointer = "/x-problem-details";
        let Some(details) = details.as_object() else {
            self.finding(
                pointer,
                "`x-problem-details` must be a map from situation to texts",
            );
            return conventions;
        };
        for (key, texts) in details {
            let at = format!("{pointer}/{}", escape_pointer(key));
            let Some(situation) = ProblemSituation::ALL.into_iter().find(|s| s.key() == key) else {
                let known: Vec<&str> = ProblemSituation::ALL.iter().map(|s| s.key()).collect();
                self.finding(
                    at,
                    format!("unknown situation `{key}`; known: {}", known.join(", ")),
                );
                continue;
            };
            let Some(texts) = texts.as_object() else {
                self.finding(at, "expected a map with `type`, `title` and `detail`");
                continue;
            };
            let mut text = ProblemText::default();
            for (field, value) in texts {
                let Some(value) = value.as_str() else {
                    self.finding(format!("{at}/{field}"), "must be a string");
                    continue;
                };
                match field.as_str() {
                    "type" => text.type_uri = Some(value.to_string()),
                    "title" => text.title = Some(value.to_string()),
                    "detail" => {
                        for placeholder in placeholders(value) {
                            if !situation.placeholders().contains(&placeholder) {
                                self.finding(
                                    format!("{at}/detail"),
                                    format!(
                                        "unknown placeholder `{{{placeholder}}}`; `{key}` offers: {}",
                                        if situation.placeholders().is_empty() {
                                            "none".to_string()
                                        } else {
                                            situation
                                                .placeholders()
                                                .iter()
                                                .map(|p| format!("{{{p}}}"))
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        }
                                    ),
                                );
                            }
                        }
                        text.detail = Some(value.to_string());
                    }
                    other => self.finding(
                        format!("{at}/{}", escape_pointer(other)),
                        format!("unknown field `{other}`; use `type`, `title` and `detail`"),
                    ),
                }
            }
            conventions.problem_details.insert(situation, text);
        }
        conventions
    }
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> Vec<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}
