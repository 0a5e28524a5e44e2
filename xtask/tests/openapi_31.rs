//! The OCPI 2.2 document of the corpus, once in OpenAPI 3.0.1 and once
//! after its authors moved it to 3.1.0 (`../shared/corpus/`, beside the
//! checkout; skipped with a note when absent), reads as one model: the
//! 3.0 view of the 3.1 document, the types typify generates from it and
//! the client progenitor generates from it differ from the 3.0 document's
//! only where the two documents say different things; so does every file
//! codegen writes (types, client, server), once every `*/*` media type of
//! the two documents is read as `application/json` (the server generator
//! is learning `*/*` on another branch; until then it refuses it).
//!
//! What the authors changed besides the version, and so what may differ:
//! the `Connector` schema (its `required` list no longer names
//! `max_amperage`, which became `type: [integer, 'null']` with a
//! description), and one more value (`START_SESSION_CONNECTOR_REQUIRED`)
//! in the enum of `CommandResult.result`. Everything else, in particular
//! every 3.1 construct the view rewrites, must come out the same.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use xtask::spec::Document;
use xtask::types::Types;
use xtask::workspace_root;

const V30: &str = "ocpi-2.2-openchargemap.yaml";
const V31: &str = "3.1/ocpi-2.2-openchargemap-3.1.yaml";

fn corpus() -> Option<PathBuf> {
    let dir = workspace_root().join("..").join("shared").join("corpus");
    if dir.join(V30).exists() && dir.join(V31).exists() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent: the 3.0/3.1 comparison is skipped",
            dir.display()
        );
        None
    }
}

/// The pointers where two JSON trees differ (map order ignored), as deep
/// as both sides are maps.
fn differences(a: &Value, b: &Value, pointer: String, out: &mut BTreeSet<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(x, y, at, out),
                    _ => {
                        out.insert(at);
                    }
                }
            }
        }
        _ if a != b => {
            out.insert(pointer);
        }
        _ => {}
    }
}

/// Each item typify renders for a document, by name (a type, or the
/// `impl`s of one), as prettyplease prints it.
fn rendered_types(document: &Document) -> std::collections::BTreeMap<String, String> {
    let (model, findings) = xtask::model::load(document);
    assert!(
        findings.iter().all(|f| !f.is_error()),
        "{}: {findings:?}",
        document.path.display()
    );
    let types = Types::build(&model).unwrap();
    let file: syn::File = syn::parse2(types.tokens()).unwrap();
    let mut out = std::collections::BTreeMap::<String, String>::new();
    collect(file.items, "", &mut out);
    out
}

fn collect(
    items: Vec<syn::Item>,
    prefix: &str,
    out: &mut std::collections::BTreeMap<String, String>,
) {
    for item in items {
        let name = match &item {
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            syn::Item::Impl(i) => match &*i.self_ty {
                syn::Type::Path(p) => p.path.segments.last().unwrap().ident.to_string(),
                _ => "impl".into(),
            },
            syn::Item::Mod(m) => {
                if let Some((_, items)) = m.content.clone() {
                    collect(items, &format!("{prefix}{}::", m.ident), out);
                    continue;
                }
                format!("mod {}", m.ident)
            }
            syn::Item::Static(s) => s.ident.to_string(),
            syn::Item::Const(c) => c.ident.to_string(),
            syn::Item::Fn(f) => f.sig.ident.to_string(),
            syn::Item::Trait(t) => t.ident.to_string(),
            _ => "other".into(),
        };
        let text = prettyplease::unparse(&syn::parse2(quote::quote!(#item)).unwrap());
        out.entry(format!("{prefix}{name}"))
            .or_default()
            .push_str(&text);
    }
}

#[test]
fn the_3_1_twin_reads_as_the_3_0_document_where_they_say_the_same() {
    let Some(dir) = corpus() else { return };
    let v30 = Document::load(&dir, Path::new(V30)).unwrap();
    let v31 = Document::load(&dir, Path::new(V31)).unwrap();

    // The views: only what the authors changed differs.
    let mut found = BTreeSet::new();
    differences(&v30.raw, &v31.raw, String::new(), &mut found);
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(
        found,
        [
            // Added in 3.1: `type: [integer, 'null']` reads as `nullable`.
            "/components/schemas/Connector/properties/max_amperage/description",
            "/components/schemas/Connector/properties/max_amperage/nullable",
            // Reordered, and without `max_amperage` (checked below).
            "/components/schemas/Connector/required",
            // One more value.
            "/components/schemas/Evse/properties/capabilities/items/enum",
            // `3.0.1` and the view's `3.0.3`.
            "/openapi",
        ]
    );
    let required = |d: &Document| -> BTreeSet<String> {
        serde_json::from_value(d.raw["components"]["schemas"]["Connector"]["required"].clone())
            .unwrap()
    };
    let mut expected = required(&v30);
    expected.remove("max_amperage");
    assert_eq!(required(&v31), expected);
    assert_eq!(
        v31.raw
            .pointer("/components/schemas/Connector/properties/max_amperage/type"),
        Some(&Value::from("integer"))
    );
    assert_eq!(v31.raw["openapi"], "3.0.3");

    // The types typify writes: the same, but for those two schemas' types.
    let a = rendered_types(&v30);
    let b = rendered_types(&v31);
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differing: Vec<&str> = names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(String::as_str)
        .collect();
    assert_eq!(
        differing,
        ["Connector", "EvseCapabilitiesItem", "builder::Connector"]
    );
    assert!(a["Connector"].contains("pub max_amperage: i32,"));
    assert!(b["Connector"].contains("pub max_amperage: ::std::option::Option<i32>,"));
    assert!(b["EvseCapabilitiesItem"].contains("StartSessionConnectorRequired"));

    // The client progenitor writes from the view (its own type space
    // included; the client file leaves its `types` module out, as the types
    // crate stands in for it): the same, but for those two types.
    let client = |d: &Document| {
        let (model, _) = xtask::model::load(d);
        let spec = d.for_generators(&model).unwrap();
        let (file, generator) =
            xtask::client::progenitor_client(&spec, &Default::default()).unwrap();
        let mut out = std::collections::BTreeMap::new();
        collect(file.items, "", &mut out);
        let types: syn::File = syn::parse2(generator.get_type_space().to_stream()).unwrap();
        collect(types.items, "types::", &mut out);
        out
    };
    let a = client(&v30);
    let b = client(&v31);
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differing: Vec<&str> = names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(String::as_str)
        .collect();
    assert_eq!(
        differing,
        [
            "types::Connector",
            "types::EvseCapabilitiesItem",
            "types::builder::Connector"
        ]
    );

    // And what the reader warns about, node by node.
    let warnings = |d: &Document| -> Vec<String> {
        xtask::model::load(d)
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(warnings(&v30), warnings(&v31));

    // The whole generated code, with every `*/*` read as JSON (the server
    // generator is learning `*/*` elsewhere): the same, but for the two
    // types and the operations whose bodies hold a `Connector` (their
    // declared body schema, embedded in the adapter).
    let generated = |path: &str| {
        let text = std::fs::read_to_string(dir.join(path)).unwrap();
        let text = text.replace("'*/*'", "application/json");
        let document = Document::parse(Path::new("ocpi.yaml"), &text).unwrap();
        let api = xtask::standalone::api(Path::new("ocpi.yaml")).unwrap();
        let files = xtask::codegen::generate_from_document(&document, &api).unwrap();
        let mut out = std::collections::BTreeMap::new();
        for file in files {
            let parsed: syn::File = syn::parse_str(&file.contents).unwrap();
            let prefix = format!("{}: ", file.path.display());
            collect(parsed.items, &prefix, &mut out);
        }
        out
    };
    let a = generated(V30);
    let b = generated(V31);
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differing: Vec<&str> = names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(String::as_str)
        .collect();
    assert_eq!(
        differing,
        [
            // The body schemas the adapter validates requests against.
            "ocpi-server/src/generated/adapter.rs: PUT_CLIENT_OWNED_CONNECTOR",
            "ocpi-server/src/generated/adapter.rs: PUT_CLIENT_OWNED_EVSE",
            "ocpi-server/src/generated/adapter.rs: PUT_CLIENT_OWNED_LOCATION",
            "ocpi-types/src/generated.rs: Connector",
            "ocpi-types/src/generated.rs: EvseCapabilitiesItem",
            "ocpi-types/src/generated.rs: builder::Connector",
        ]
    );
}
