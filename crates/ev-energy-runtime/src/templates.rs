//! OpenAPI path templates, routed by axum's router (matchit).
//!
//! matchit takes fewer templates than OpenAPI allows: a parameter must be a
//! whole segment (`/files/{id}.json`, `/{a}-{b}` and Google's
//! `/v1/{name}:cancel` are refused), and parameters at the same place in
//! two routes must have the same name (`/genres/{id}` beside
//! `/genres/{name}/mix` is refused). Both are common in real documents,
//! and axum panics on them when the router is built.
//!
//! So a template is routed by its *route*: every segment holding a
//! parameter becomes a whole-segment parameter named after its position
//! (`/files/{id}.json` → `/files/{s1}`). Templates with the same route
//! share it; a request's captured segments are then matched against each
//! template's pieces ([`Template::capture`]), which gives the parameters
//! their document names.

/// One piece of a segment: literal text, or a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Parameter(String),
}

/// A segment of a template: literal, or holding one or more parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Pieces(Vec<Piece>),
}

/// A path template of the document, as routed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

impl Template {
    /// Reads `path` (`/users/{id}/files/{name}.{ext}`). Text that is not a
    /// well-formed `{name}` (an unclosed `{`, a stray `}`) is literal. What
    /// follows a `#` or a `?` (`/user#maxResults`, `/{Bucket}?acl`, as the
    /// directory's AWS documents write operations that differ by their
    /// query) is not part of the path a request sends: the template ends
    /// before it.
    pub fn parse(path: &str) -> Self {
        let path = path.split(['#', '?']).next().unwrap_or(path);
        let segments = path
            .split('/')
            .map(|segment| {
                let pieces = pieces(segment);
                if pieces.iter().any(|p| matches!(p, Piece::Parameter(_))) {
                    Segment::Pieces(pieces)
                } else {
                    Segment::Literal(segment.to_string())
                }
            })
            .collect();
        Self { segments }
    }

    /// The route matchit is given: literal segments as written (braces
    /// escaped), every segment with a parameter as `{sN}`, N its position.
    pub fn route(&self) -> String {
        self.segments
            .iter()
            .enumerate()
            .map(|(n, segment)| match segment {
                Segment::Literal(text) => text.replace('{', "{{").replace('}', "}}"),
                Segment::Pieces(_) => format!("{{s{n}}}"),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Whether every parameter is a whole segment: the captured segments
    /// are then the parameters, and no other template of the same route
    /// can be told apart from this one by the request.
    pub fn is_plain(&self) -> bool {
        self.segments.iter().all(|segment| match segment {
            Segment::Literal(_) => true,
            Segment::Pieces(pieces) => pieces.len() == 1,
        })
    }

    /// How many literal characters the template's parameter segments
    /// hold: of two templates matching a request, the one with more is the
    /// more specific (`{id}.json` before `{id}`).
    pub fn specificity(&self) -> usize {
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(_) => 0,
                Segment::Pieces(pieces) => pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Literal(text) => text.len(),
                        Piece::Parameter(_) => 0,
                    })
                    .sum(),
            })
            .sum()
    }

    /// The document's parameters of a request whose route matched
    /// `captured` (the route's `sN` names and their decoded values), or
    /// `None` where a parameter segment does not fit this template's
    /// pieces. A parameter takes at least one character, and as few as
    /// let the rest of its segment match.
    pub fn capture(&self, captured: &[(String, String)]) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (n, segment) in self.segments.iter().enumerate() {
            let Segment::Pieces(pieces) = segment else {
                continue;
            };
            let name = format!("s{n}");
            let value = captured.iter().find(|(k, _)| *k == name)?.1.as_str();
            let mut found = Vec::new();
            if !fit(pieces, value, &mut found) {
                return None;
            }
            out.extend(
                found
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
        }
        Some(out)
    }
}

/// Splits a segment into literal text and `{name}` parameters.
fn pieces(segment: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['{', '}']) {
            Some(close) if after.as_bytes()[close] == b'}' && close > 0 => {
                literal.push_str(&rest[..open]);
                if !literal.is_empty() {
                    out.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                out.push(Piece::Parameter(after[..close].to_string()));
                rest = &after[close + 1..];
            }
            _ => {
                literal.push_str(&rest[..open + 1]);
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Piece::Literal(literal));
    }
    out
}

/// Matches `value` against `pieces`, pushing each parameter's text
/// (borrowed: nothing is copied until the whole segment fits).
fn fit<'a>(pieces: &'a [Piece], value: &'a str, out: &mut Vec<(&'a str, &'a str)>) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return value.is_empty();
    };
    match first {
        Piece::Literal(text) => value
            .strip_prefix(text.as_str())
            .is_some_and(|value| fit(rest, value, out)),
        Piece::Parameter(name) => {
            // The shortest text that lets the rest match; the last
            // parameter takes what remains. Only the places where the next
            // literal stands are tried, so a long segment sent to a
            // template like `{from}-{to}` costs one scan, not one try per
            // character.
            let ends: Box<dyn Iterator<Item = usize>> = match rest.first() {
                None => Box::new(std::iter::once(value.len())),
                Some(Piece::Literal(next)) => {
                    Box::new(value.match_indices(next.as_str()).map(|(at, _)| at))
                }
                Some(Piece::Parameter(_)) => {
                    Box::new(value.char_indices().map(|(at, _)| at).skip(1))
                }
            };
            let pushed = out.len();
            for end in ends.filter(|end| *end > 0) {
                out.push((name.as_str(), &value[..end]));
                if fit(rest, &value[end..], out) {
                    return true;
                }
                out.truncate(pushed);
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_are_routed_by_position_not_name() {
        assert_eq!(Template::parse("/genres/{id}").route(), "/genres/{s2}");
        assert_eq!(
            Template::parse("/genres/{name}/mix").route(),
            "/genres/{s2}/mix"
        );
        assert_eq!(Template::parse("/a/{x}/b/{y}").route(), "/a/{s2}/b/{s4}");
        let names = Template::parse("/genres/{name}/mix")
            .capture(&captured(&[("s2", "jazz")]))
            .unwrap();
        assert_eq!(names, captured(&[("name", "jazz")]));
    }

    #[test]
    fn a_parameter_inside_a_segment_is_routed_by_the_whole_segment() {
        let json = Template::parse("/files/{id}.json");
        assert_eq!(json.route(), "/files/{s2}");
        assert!(!json.is_plain());
        assert_eq!(
            json.capture(&captured(&[("s2", "42.json")])),
            Some(captured(&[("id", "42")]))
        );
        assert_eq!(json.capture(&captured(&[("s2", "42.xml")])), None);
        assert_eq!(json.capture(&captured(&[("s2", ".json")])), None);

        let google = Template::parse("/v1/{name}:cancel");
        assert_eq!(
            google.capture(&captured(&[("s2", "ops/7:cancel")])),
            Some(captured(&[("name", "ops/7")]))
        );

        let two = Template::parse("/{from}-{to}");
        assert_eq!(
            two.capture(&captured(&[("s1", "a-b-c")])),
            Some(captured(&[("from", "a"), ("to", "b-c")]))
        );
        assert_eq!(two.capture(&captured(&[("s1", "a-")])), None);
    }

    #[test]
    fn a_query_or_fragment_written_in_the_template_is_not_routed() {
        assert_eq!(Template::parse("/user#maxResults").route(), "/user");
        assert_eq!(Template::parse("/{Bucket}?acl").route(), "/{s1}");
        assert_eq!(
            Template::parse("/{Bucket}?acl").capture(&captured(&[("s1", "b")])),
            Some(captured(&[("Bucket", "b")]))
        );
    }

    #[test]
    fn a_long_segment_is_matched_in_one_scan() {
        // A hostile client's 64 KB segment against `{from}-{to}` and
        // `{name}:cancel`: one pass over the text, no copy per try.
        let long = "-".repeat(64 * 1024);
        let two = Template::parse("/{from}-{to}");
        let fitted = two.capture(&captured(&[("s1", &long)])).unwrap();
        assert_eq!((fitted[0].1.len(), fitted[1].1.len()), (1, long.len() - 2));
        let google = Template::parse("/v1/{name}:cancel");
        let no_suffix = "a".repeat(64 * 1024);
        assert_eq!(google.capture(&captured(&[("s2", &no_suffix)])), None);
    }

    #[test]
    fn braces_that_are_not_parameters_are_literal() {
        let odd = Template::parse("/a/{/b}/c{");
        assert!(odd.is_plain());
        assert_eq!(odd.route(), "/a/{{/b}}/c{{");
        assert_eq!(Template::parse("/x/{}").route(), "/x/{{}}");
    }

    #[test]
    fn the_more_literal_template_is_the_more_specific() {
        assert!(
            Template::parse("/f/{id}.json").specificity()
                > Template::parse("/f/{id}").specificity()
        );
    }
}
