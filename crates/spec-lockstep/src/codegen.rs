//! `cargo xtask codegen`: everything that is generated from the OpenAPI
//! documents, as a list of files with their contents.
//!
//! Generation is a pure function of the document: no timestamps, no
//! environment, and rendering by `prettyplease` (not the local rustfmt), so
//! the output is byte-identical across runs and machines.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use proc_macro2::TokenStream;

use crate::spec::Document;
use crate::types::Types;

/// The command that regenerates every generated file.
pub const FIX_COMMAND: &str = "cargo xtask codegen";

/// One API: a document and the crates generated from it.
#[derive(Clone, Debug)]
pub struct Api {
    /// The OpenAPI document, relative to the workspace root.
    pub document: PathBuf,
    /// The crate that holds the model types shared by client and server.
    pub types_crate: CrateOut,
    /// The progenitor client crate.
    pub client_crate: CrateOut,
    /// The server crate (trait, request/response types, axum adapter).
    pub server_crate: CrateOut,
    /// How the client is generated.
    pub client: ClientOptions,
    /// Whether the document is released to clients, so that `cargo xtask
    /// compat` and `release` guard it (not for test fixtures).
    pub released: bool,
    /// The command that regenerates the API's files, named in their header
    /// ([`FIX_COMMAND`] for the workspace's APIs).
    pub command: String,
    /// Where that command runs, when not at the workspace's root.
    pub run_in: Option<&'static str>,
}

impl Api {
    /// The first line of every file generated for this API.
    pub fn header(&self) -> String {
        let mut header = header_with(&self.document, &self.command);
        if let Some(place) = self.run_in {
            header.pop();
            header.push_str(&format!(" {place}."));
        }
        header
    }
}

pub use crate::client::ClientOptions;

/// The hand-written runtime every generated server uses.
pub const RUNTIME_CRATE: &str = "ev_energy_runtime";

/// Where a generated crate lives and what it is called in Rust paths.
#[derive(Clone, Debug)]
pub struct CrateOut {
    /// The crate's folder, relative to the workspace root.
    pub dir: PathBuf,
    /// The crate's name as used in Rust paths (`ev_energy_types`).
    pub ident: String,
}

impl CrateOut {
    fn new(dir: &str, ident: &str) -> Self {
        Self {
            dir: PathBuf::from(dir),
            ident: ident.to_string(),
        }
    }

    /// The generated file of this crate (types and client crates).
    pub fn generated_file(&self) -> PathBuf {
        self.dir.join("src").join("generated.rs")
    }

    /// A generated file of a server crate: `src/generated/<name>`.
    pub fn generated_module(&self, name: &str) -> PathBuf {
        self.dir.join("src").join("generated").join(name)
    }
}

/// The APIs of this workspace. Adding an API is adding an entry here (and
/// the crates' hand-written `Cargo.toml` and `lib.rs`); adding an operation
/// to a document needs no change at all.
pub fn workspace_apis() -> Vec<Api> {
    vec![
        Api {
            document: PathBuf::from("openapi/ev-energy-v2.yaml"),
            types_crate: CrateOut::new("crates/ev-energy-types", "ev_energy_types"),
            client_crate: CrateOut::new("crates/ev-energy-client", "ev_energy_client"),
            server_crate: CrateOut::new("crates/ev-energy-server", "ev_energy_server"),
            client: ClientOptions {
                inner_type: Some("crate::Session".into()),
                mock: true,
            },
            released: true,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
        Api {
            // A third fixture, unlike the others: other paths and security
            // schemes, a 202 with a required header, default and 4XX
            // responses, cookies, its own version header.
            document: PathBuf::from("xtask/fixtures/lockers/lockers.yaml"),
            types_crate: CrateOut::new("xtask/fixtures/lockers/types", "lockers_types"),
            client_crate: CrateOut::new("xtask/fixtures/lockers/client", "lockers_client"),
            server_crate: CrateOut::new("xtask/fixtures/lockers/server", "lockers_server"),
            client: ClientOptions::default(),
            released: false,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
        Api {
            // A fixture for the generator's own tests: another document, with
            // what ev-energy-v2.yaml does not exercise.
            document: PathBuf::from("xtask/fixtures/widgets/widgets.yaml"),
            types_crate: CrateOut::new("xtask/fixtures/widgets/types", "widgets_types"),
            client_crate: CrateOut::new("xtask/fixtures/widgets/client", "widgets_client"),
            server_crate: CrateOut::new("xtask/fixtures/widgets/server", "widgets_server"),
            client: ClientOptions::default(),
            released: false,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
    ]
}

/// Where orphaned generated files are looked for.
pub fn generated_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("crates"), PathBuf::from("xtask/fixtures")]
}

/// A file the generator owns: where it goes and what it must contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the workspace root.
    pub path: PathBuf,
    /// The whole file, header included.
    pub contents: String,
}

/// The header that marks a file as generated, up to the generator's
/// version. The generator only ever overwrites or deletes files that start
/// with it (or with [`LEGACY_HEADER_PREFIX`]).
pub const HEADER_PREFIX: &str = "// @generated by spec-lockstep ";

/// How files generated before the generator had a name of its own start
/// (the ev.energy workspace's `cargo xtask codegen`, up to spec-lockstep
/// 0.1.0): still recognised as generated, so they are updated in place.
pub const LEGACY_HEADER_PREFIX: &str = "// @generated by `cargo xtask codegen`";

/// The first line of every generated file of the workspace's APIs.
pub fn header(document: &Path) -> String {
    header_with(document, FIX_COMMAND)
}

/// The first line of a generated file: the generator and its version, the
/// document, and the command that regenerates it.
pub fn header_with(document: &Path, command: &str) -> String {
    format!(
        "{HEADER_PREFIX}{} from {}. Do not edit by hand: edit the document and run `{command}`.",
        crate::pins::VERSION,
        slash_path(document)
    )
}

/// Whether file contents carry the generated header (`// @generated …`
/// in Rust, `# @generated …` in a generated `Cargo.toml`).
pub fn is_generated(contents: &str) -> bool {
    header_rest(contents).is_some()
}

/// What follows the generated header's prefix: `Some("0.1.0 from …")`, or
/// `Some("")` for a legacy header, which records no version.
fn header_rest(contents: &str) -> Option<&str> {
    let line = contents.lines().next()?;
    let line = match line.strip_prefix('#') {
        Some(rest) => std::borrow::Cow::Owned(format!("//{rest}")),
        None => std::borrow::Cow::Borrowed(line),
    };
    if line.starts_with(LEGACY_HEADER_PREFIX) {
        return Some("");
    }
    line.strip_prefix(HEADER_PREFIX)?;
    // The same text, borrowed from `contents`.
    let skip = HEADER_PREFIX.len() - usize::from(contents.starts_with('#'));
    contents.get(skip..)
}

/// The generator version a generated file's header records (`None` for a
/// file generated before headers recorded one, or not generated at all).
pub fn generated_by(contents: &str) -> Option<&str> {
    header_rest(contents)?
        .split_whitespace()
        .next()
        .filter(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

/// A path with forward slashes, the same on every platform.
pub fn slash_path(path: &Path) -> String {
    let joined = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::RootDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if path.has_root() {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Generates every file of one API from its document.
pub fn generate_api(root: &Path, api: &Api) -> Result<Vec<GeneratedFile>> {
    let document = Document::load(root, &api.document)?;
    generate_from_document(&document, api)
}

/// Generates every file of one API from an already parsed document.
///
/// A panic anywhere in it — typify and progenitor panic on some schemas
/// they do not expect — is an error naming the document, never a crash
/// with a backtrace (the typify and progenitor calls are also guarded one
/// by one, to say what they were reading).
pub fn generate_from_document(document: &Document, api: &Api) -> Result<Vec<GeneratedFile>> {
    crate::spec::subset::check_size(&document.raw)?;
    match crate::panic_guard::quiet_catch_unwind(|| generate_unguarded(document, api)) {
        Ok(result) => result,
        Err(panic) => bail!(
            "{}: a generator panicked on this document, so nothing was written: {}",
            slash_path(&document.path),
            panic.trim()
        ),
    }
}

fn generate_unguarded(document: &Document, api: &Api) -> Result<Vec<GeneratedFile>> {
    let (model, mut findings) = crate::model::load(document);
    let built = Types::build(&model);
    if built
        .as_ref()
        .is_err_and(|e| e.is::<crate::types::Untypeable>())
    {
        // A schema typify cannot read: that schema alone as any value
        // (`types::settle`, warned), the document read again.
        return generate_unguarded(&*crate::types::settle(document)?, api);
    }
    // Error schemas the adapter's own errors cannot fill: warned, answered
    // with problem+json.
    findings.extend(crate::server::error_shape::findings(&model));
    // Struct fields typify names alike: told apart, warned.
    if let Ok(types) = &built {
        findings.extend(types.field_clash_findings());
    }
    let path = slash_path(&document.path);
    let header = api.header();
    let (errors, warnings): (Vec<_>, Vec<_>) = findings.iter().partition(|f| f.is_error());
    // Warnings, cargo-style, and on: the document is sloppy, the code right.
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if !warnings.is_empty() {
        eprintln!(
            "warning: {path} has {} warning(s); the code is generated anyway",
            warnings.len()
        );
    }
    if !errors.is_empty() {
        bail!(
            "{path} has {} problem(s) the generators cannot work around:\n  {}",
            errors.len(),
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
    let mut types = built?;
    let spec = document.for_generators(&model)?;
    let (client, generator) = crate::client::progenitor_client(&spec, &api.client)?;
    types.verify_client(generator.get_type_space())?;
    types.add_cookie_params(&model)?;
    let server = crate::server::generate(
        &model,
        &mut types,
        &crate::server::Crates {
            types: &api.types_crate.ident,
            runtime: RUNTIME_CRATE,
        },
    )?;
    // After the server: it adds the response types only it names, which
    // the mock's response helpers take too.
    let mock = if api.client.mock {
        Some(crate::mock::generate(&model, &types)?)
    } else {
        None
    };
    // Last: the server may have added types only it reads (headers).
    let mut types_tokens = types.crate_tokens()?;
    let conveniences = types.conveniences(&types_tokens);
    types_tokens.extend(conveniences);
    let mut client = crate::client::without_types(client, &api.types_crate.ident, &model)?;
    let mut extra = crate::client::server_url_const(&model);
    extra.extend(crate::client::security_consts(&model));
    extra.extend(crate::client::parameter_rules(&model));
    extra.extend(crate::client::request_headers(&model));
    if api.client.inner_type.is_none() {
        extra.extend(crate::client::access::module(&model)?);
    }
    client.items.extend(
        syn::parse2::<syn::File>(extra)
            .context("generated code for the client does not parse")?
            .items,
    );
    let mut files = vec![
        render(&api.types_crate.generated_file(), &header, types_tokens)?,
        render_file(&api.client_crate.generated_file(), &header, &client),
        render(
            &api.server_crate.generated_module("api.rs"),
            &header,
            server.api,
        )?,
        render(
            &api.server_crate.generated_module("adapter.rs"),
            &header,
            server.adapter,
        )?,
    ];
    if let Some(mock) = mock {
        files.push(render(
            &api.client_crate.dir.join("src").join("mock.rs"),
            &header,
            mock,
        )?);
        files.push(render(
            &api.client_crate
                .dir
                .join("tests")
                .join("mock_matches_client.rs"),
            &header,
            crate::mock::generate_test(&model, &types, &api.client_crate.ident)?,
        )?);
    }
    Ok(files)
}

/// Renders tokens as a generated file: header, then `prettyplease` output.
fn render(path: &Path, header: &str, tokens: TokenStream) -> Result<GeneratedFile> {
    let file: syn::File = syn::parse2(tokens)
        .with_context(|| format!("generated code for {} does not parse", path.display()))?;
    Ok(render_file(path, header, &file))
}

/// Renders a parsed file as a generated file.
fn render_file(path: &Path, header: &str, file: &syn::File) -> GeneratedFile {
    let mut contents = header.to_string();
    contents.push('\n');
    contents.push_str(&prettyplease::unparse(file));
    GeneratedFile {
        path: path.to_path_buf(),
        contents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_paths_print_one_leading_slash_for_absolute_paths() {
        assert_eq!(slash_path(Path::new("/work/api.yaml")), "/work/api.yaml");
        assert_eq!(
            slash_path(Path::new("openapi/api.yaml")),
            "openapi/api.yaml"
        );
        assert_eq!(slash_path(Path::new("./api.yaml")), "./api.yaml");
    }

    #[test]
    fn types_read_closed_objects_leniently_and_the_server_validates_them_strictly() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      \
                    operationId: a\n      requestBody: {required: true, content: {application/json: \
                    {schema: {$ref: '#/components/schemas/Pet'}}}}\n      responses:\n        \
                    '200': {description: ok, content: {application/json: {schema: {$ref: \
                    '#/components/schemas/Pet'}}}}\ncomponents:\n  schemas:\n    Pet: {type: object, \
                    additionalProperties: false, properties: {name: {type: string}}}\n";
        let document = Document::parse(Path::new("closed.yaml"), text).unwrap();
        let api = crate::standalone::api(Path::new("closed.yaml")).unwrap();
        let files = generate_from_document(&document, &api).unwrap();
        let text_of = |end: &str| {
            files
                .iter()
                .find(|f| f.path.ends_with(end))
                .map(|f| f.contents.clone())
                .unwrap()
        };
        // A regenerated client reads a server that still sends a removed property ...
        assert!(!text_of("generated.rs").contains("deny_unknown_fields"));
        assert!(!files
            .iter()
            .any(|f| f.contents.contains("deny_unknown_fields")));
        // ... and the server still refuses a request body with one.
        assert!(
            text_of("adapter.rs").contains(r#"\"additionalProperties\":false"#),
            "{}",
            text_of("adapter.rs")
        );
    }

    #[test]
    fn codegen_goes_on_past_warnings_and_stops_on_errors() {
        let document = |example: &str| {
            let text = format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
                 responses:\n        \
                 '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Id'}}}}}}}}\n\
                 components:\n  schemas:\n    Id: {{type: integer, example: {example}}}\n"
            );
            Document::parse(Path::new("small.yaml"), &text).unwrap()
        };
        let api = crate::standalone::api(Path::new("small.yaml")).unwrap();
        // A bad example and a derived operationId: warnings, the code is written.
        let sloppy = document("nope");
        let files = generate_from_document(&sloppy, &api).unwrap();
        assert!(files.iter().any(|f| f.contents.contains("get_a")));
        // The lint stays strict.
        let warnings = crate::lint::lint(&sloppy)
            .into_iter()
            .filter(|f| !f.is_error())
            .count();
        assert_eq!(warnings, 2);
        // Errors stop it, every one of every operation listed.
        let broken = Document::parse(
            Path::new("broken.yaml"),
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  \
             /a:\n    get: {responses: {'200': {$ref: '#/components/responses/A'}}}\n  \
             /b:\n    get: {responses: {'200': {$ref: '#/components/responses/B'}}}\n",
        )
        .unwrap();
        let error = generate_from_document(&broken, &api)
            .unwrap_err()
            .to_string();
        assert!(error.contains("has 2 problem(s)"), "{error}");
        assert!(
            error.contains("/paths/~1a/get/responses/200/$ref"),
            "{error}"
        );
        assert!(
            error.contains("/paths/~1b/get/responses/200/$ref"),
            "{error}"
        );
    }
}
