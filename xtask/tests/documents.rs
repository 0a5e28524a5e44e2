//! This workspace's documents as the generator reads them: each loads
//! without findings, is already its own 3.0 view, and lints clean.

use serde_json::Value;
use xtask::spec::Document;
use xtask::workspace_root;

#[test]
fn the_workspace_documents_load_without_findings_are_their_own_view_and_lint_clean() {
    let root = workspace_root();
    for api in xtask::workspace::apis() {
        let name = api.document.display();
        let document = Document::load(&root, &api.document).unwrap();
        let (model, findings) = xtask::model::load(&document);
        assert!(findings.is_empty(), "{name}: {findings:?}");
        assert!(!model.operations.is_empty(), "{name}");

        let text = std::fs::read_to_string(root.join(&api.document)).unwrap();
        let raw: Value = serde_yaml::from_str(&text).unwrap();
        let (view, findings) = xtask::spec::view::normalize(raw.clone()).unwrap();
        assert!(findings.is_empty(), "{name}: {findings:?}");
        assert!(view == raw, "{name}: the view differs");

        let found = xtask::lint::lint_text(&api.document, &text);
        let found: Vec<String> = found.iter().map(|f| f.to_string()).collect();
        assert!(found.is_empty(), "{name}:\n{}", found.join("\n"));
    }
}
