//! The line a JSON pointer names in a document's text, for reports that
//! point at lines (`compat --format github`, the JSON's `line`). Read from
//! the text's layout, not a parse: block-style YAML and pretty-printed
//! JSON, which is how documents are written by hand and by tools. Where a
//! segment cannot be found (flow style, one-line JSON), the line of the
//! deepest segment found is given; `None` when not even the first is.

/// The 1-based line of `pointer` (`/paths/~1logs/get`) in `text`.
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        // A document on one line (minified JSON): that line.
        return Some(1);
    }
    let mut found: Option<usize> = None;
    // The line of the node found so far, and its indentation.
    let (mut at, mut indent) = (0usize, None::<usize>);
    for raw in pointer.split('/').skip(1) {
        let segment = super::unescape_pointer(raw);
        let next = match segment.parse::<usize>() {
            // A number is an array index, or a key such as a status.
            Ok(index) => {
                item(&lines, at, indent, index).or_else(|| key(&lines, at, indent, &segment))
            }
            Err(_) => key(&lines, at, indent, &segment),
        };
        match next {
            Some((line, own)) => {
                found = Some(line + 1);
                at = line + 1;
                indent = Some(own);
            }
            None => break,
        }
    }
    found
}

/// The indentation of a line, and its text after it.
fn split(line: &str) -> (usize, &str) {
    let trimmed = line.trim_start();
    (line.len() - trimmed.len(), trimmed)
}

/// Whether `line` ends the node at `indent`: a line not blank and not a
/// comment, less indented, or as indented and not an item of it (YAML lets
/// `- ` items stand at their key's indentation).
fn ends(line: &str, indent: Option<usize>) -> bool {
    let (own, text) = split(line);
    if text.is_empty() || text.starts_with('#') {
        return false;
    }
    indent.is_some_and(|parent| own < parent || (own == parent && !text.starts_with('-')))
}

/// The line of `key` among the children of the node at `from`, and the
/// indentation its children are measured from.
fn key(lines: &[&str], from: usize, indent: Option<usize>, key: &str) -> Option<(usize, usize)> {
    let written = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
        format!("\"{key}\" :"),
    ];
    for (n, line) in lines.iter().enumerate().skip(from) {
        if n > from && ends(line, indent) {
            return None;
        }
        let (own, text) = split(line);
        // A key can follow the dash of an array item (`- name: x`).
        let (own, text) = match text.strip_prefix("- ") {
            Some(rest) => (own + 2, rest.trim_start()),
            None => (own, text),
        };
        if indent.is_some_and(|parent| own <= parent) {
            continue;
        }
        if written.iter().any(|w| text.starts_with(w.as_str())) {
            return Some((n, own));
        }
    }
    None
}

/// The line of item `index` of the array at `from`: YAML's `- ` items at
/// the first item's indentation, or JSON's `{` items.
fn item(
    lines: &[&str],
    from: usize,
    indent: Option<usize>,
    index: usize,
) -> Option<(usize, usize)> {
    let mut seen = 0;
    let mut item_indent = None;
    for (n, line) in lines.iter().enumerate().skip(from) {
        if n > from && ends(line, indent) {
            return None;
        }
        let (own, text) = split(line);
        if indent.is_some_and(|parent| own < parent) {
            continue;
        }
        let starts_item = text.starts_with("- ") || text == "-" || text.starts_with('{');
        if !starts_item {
            continue;
        }
        match item_indent {
            None => item_indent = Some(own),
            Some(first) if own != first => continue,
            Some(_) => {}
        }
        if seen == index {
            return Some((n, own));
        }
        seen += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
openapi: 3.0.3
paths:
  /logs:
    get:
      parameters:
        - name: page
          in: query
        - name: site
          in: query
          required: true
      responses:
        '200':
          description: ok
  /logs/{id}:
    delete:
      responses: {}
components:
  schemas:
    Log:
      properties:
        id: {type: string}
";

    #[test]
    fn yaml_keys_items_and_quoted_keys_are_found() {
        assert_eq!(line_of(YAML, "/paths/~1logs/get"), Some(4));
        assert_eq!(line_of(YAML, "/paths/~1logs/get/parameters/1"), Some(8));
        assert_eq!(
            line_of(YAML, "/paths/~1logs/get/parameters/1/required"),
            Some(10)
        );
        assert_eq!(line_of(YAML, "/paths/~1logs/get/responses/200"), Some(12));
        assert_eq!(line_of(YAML, "/paths/~1logs~1{id}/delete"), Some(15));
        assert_eq!(
            line_of(YAML, "/components/schemas/Log/properties/id"),
            Some(21)
        );
        // Not there: the deepest line found.
        assert_eq!(line_of(YAML, "/paths/~1logs/post"), Some(3));
        assert_eq!(line_of(YAML, "/nothing"), None);
    }

    #[test]
    fn pretty_json_is_found_too() {
        let json = serde_json::to_string_pretty(&serde_json::json!({
            "paths": {"/a": {"get": {"parameters": [{"name": "x"}, {"name": "y", "in": "query"}]}}}
        }))
        .unwrap();
        let line = line_of(&json, "/paths/~1a/get/parameters/1/in").unwrap();
        assert!(
            json.lines().nth(line - 1).unwrap().contains("\"in\""),
            "{json}"
        );
    }
}
