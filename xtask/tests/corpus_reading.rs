//! Every document of the corpus (`../shared/corpus/`, beside the checkout;
//! skipped with a note when absent) is read: it parses (OpenAPI 3.0 and
//! 3.1), its model has no error the reader could have turned into a
//! warning, and generating its code never panics — whatever a generator
//! crate does with it is at worst an error naming the document. Whether
//! it then generates and builds is the corpus task's business.

use std::path::{Path, PathBuf};

use xtask::spec::Document;
use xtask::workspace_root;

fn documents() -> Option<Vec<PathBuf>> {
    let dir = workspace_root().join("..").join("shared").join("corpus");
    if !dir.is_dir() {
        eprintln!("note: {} is absent: the corpus is not read", dir.display());
        return None;
    }
    let mut out = Vec::new();
    for sub in [dir.clone(), dir.join("3.1")] {
        for entry in std::fs::read_dir(&sub).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Some(out)
}

#[test]
fn every_corpus_document_is_read_and_never_makes_codegen_panic() {
    let Some(documents) = documents() else { return };
    let mut problems = Vec::new();
    for path in documents {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let document = match Document::load(Path::new(""), &path) {
            Ok(document) => document,
            Err(e) => {
                problems.push(format!("{name}: does not parse: {e:#}"));
                continue;
            }
        };
        let (_, findings) = xtask::model::load(&document);
        for error in findings.iter().filter(|f| f.is_error()) {
            problems.push(format!("{name}: {error}"));
        }
        let api = xtask::standalone::api(Path::new(&name)).unwrap();
        if let Err(e) = xtask::codegen::generate_from_document(&document, &api) {
            let text = format!("{e:#}");
            if text.contains("panicked") {
                problems.push(format!("{name}: {text}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
