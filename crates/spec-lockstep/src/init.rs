//! `spec-lockstep init --document api.yaml DIR`: a new spec-first workspace
//! for a document, as this one is laid out — the document under
//! `openapi/`, its three generated crates (`codegen --document … --out`),
//! a backend crate that implements the generated `Api` trait and serves it
//! (every operation answering `501` in the document's error shape until it
//! is implemented, from the trait's defaults), a README with the team's two
//! commands, and a CI workflow with the drift check and the compatibility
//! gate.
//!
//! Everything but the generated crates is the team's from the start: no
//! generated header, never written again. `init` refuses a folder that is
//! not empty, so it never overwrites anything.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::files::Mode;
use crate::model::{Model, Operation};
use crate::spec::Document;
use crate::standalone::{self, Options};

/// Writes the workspace for `document` into `dir` (absent or empty).
pub fn init(document: &Path, dir: &Path, options: &Options, report: &mut dyn Write) -> Result<()> {
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        if entries.next().is_some() {
            bail!(
                "{} is not empty: `init` writes a new workspace and overwrites nothing. Give a \
                 new folder, or generate the crates into this one with `codegen --document {} \
                 --out {}`",
                dir.display(),
                document.display(),
                dir.display()
            );
        }
    }
    let (parsed, others) = read_with_its_files(document)?;
    let (model, findings) = crate::model::load(&parsed);
    if let Some(error) = findings
        .iter()
        .find(|f| f.severity == crate::model::Severity::Error)
    {
        bail!("{}: {error}", document.display());
    }
    let prefix = match &options.prefix {
        Some(prefix) => {
            standalone::check_prefix(prefix)?;
            prefix.clone()
        }
        None => standalone::crate_prefix(document)?,
    };
    let file_name = document
        .file_name()
        .context("the document's path names no file")?;
    let openapi = dir.join("openapi");
    std::fs::create_dir_all(&openapi)
        .with_context(|| format!("cannot create {}", openapi.display()))?;
    let copied = openapi.join(file_name);
    std::fs::copy(document, &copied)
        .with_context(|| format!("cannot copy {} to {}", document.display(), copied.display()))?;
    // The files its `$ref`s name, where they are beside it.
    let beside = document.parent().unwrap_or(Path::new(""));
    for other in &others {
        let to = openapi.join(other);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let from = beside.join(other);
        std::fs::copy(&from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    let document_in_dir = PathBuf::from("openapi").join(file_name);
    let document_text = crate::codegen::slash_path(&document_in_dir);
    let dependencies = crate::pins::pinned();
    let service = format!("{prefix}-service");
    // The team's files first, so the generated workspace lists the
    // backend among its members.
    // One line: it goes into comments, a TOML string and a Rust literal.
    let title = &one_line(&parsed.api.info.title);
    let files = [
        (
            PathBuf::from(&service).join("Cargo.toml"),
            service_manifest(&prefix, title, dependencies)?,
        ),
        (
            PathBuf::from(&service).join("src").join("main.rs"),
            service_main(&prefix, &model),
        ),
        (
            PathBuf::from(&service).join("tests").join("serves.rs"),
            service_test(&prefix, &model),
        ),
        (
            PathBuf::from("README.md"),
            readme(&prefix, title, &standalone::shell_word(&document_text)),
        ),
        (
            PathBuf::from(".github").join("workflows").join("ci.yml"),
            workflow(&document_text),
        ),
        (PathBuf::from(".gitignore"), "/target\n".to_string()),
    ];
    for (path, text) in &files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&full, text).with_context(|| format!("cannot write {}", full.display()))?;
        if path.extension().is_some_and(|e| e == "rs") {
            // Laid out as `cargo fmt` would; left as written where rustfmt is missing.
            let _ = std::process::Command::new("rustfmt")
                .args(["--edition", "2021"])
                .arg(&full)
                .stderr(std::process::Stdio::null())
                .status();
        }
        writeln!(
            report,
            "{:>12} {}",
            "Wrote",
            crate::codegen::slash_path(path)
        )?;
    }
    let copied_from_cwd = dir.join(&document_in_dir);
    standalone::generate(&copied_from_cwd, dir, options, Mode::Write, report)?;
    writeln!(
        report,
        "{:>12} a workspace for {title} in {}: `cargo run -p {service}` serves it (every operation \
         answers 501 until you implement it in {service}/src/main.rs); README.md has the rest",
        "Finished",
        dir.display()
    )?;
    Ok(())
}

/// The document, and the other files its `$ref`s name (each relative to
/// the document's folder, where `init` copies them under `openapi/` the
/// same way). A file outside that folder is refused: its place under
/// `openapi/` would not be the one the `$ref` names.
fn read_with_its_files(document: &Path) -> Result<(Document, Vec<PathBuf>)> {
    let text = std::fs::read_to_string(document)
        .with_context(|| format!("cannot read the OpenAPI document {}", document.display()))?;
    let read = std::cell::RefCell::new(Vec::new());
    let parsed = Document::parse_reading(document, &text, &|other: &Path| {
        read.borrow_mut().push(other.to_path_buf());
        crate::spec::bundle::read_under(Path::new(""), document, other)
    })?;
    // The document's folder as the bundler writes the other files' paths
    // (`./api` and `x/../api` are `api` there).
    let beside = crate::spec::bundle::resolve(document, ".");
    let mut others = Vec::new();
    for file in read.into_inner() {
        let inside = file
            .strip_prefix(&beside)
            .ok()
            .filter(|rest| {
                rest.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
            })
            .map(Path::to_path_buf);
        match inside {
            Some(rest) if !others.contains(&rest) => others.push(rest),
            Some(_) => {}
            None => bail!(
                "{} refers to {}, which is not in its folder or below: `init` copies the \
                 document's folder into DIR/openapi, so a file elsewhere would not be where the \
                 `$ref` says. Move it beside the document, or lay out DIR yourself and run \
                 `codegen --document DIR/openapi/<file> --out DIR`",
                document.display(),
                file.display()
            ),
        }
    }
    Ok((parsed, others))
}

/// The backend's `Cargo.toml`.
fn service_manifest(prefix: &str, title: &str, dependencies: &crate::pins::Pins) -> Result<String> {
    Ok(format!(
        "[package]\nname = \"{prefix}-service\"\nversion = \"0.1.0\"\ndescription = {}\n\
         edition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{prefix}-server = {{ path = \"../{prefix}-server\" }}\n{}\n\n\
         [dev-dependencies]\n{prefix}-client = {{ path = \"../{prefix}-client\" }}\n",
        standalone::toml_string(&format!(
            "The backend of {title}: implements the generated server trait."
        )),
        dependencies.line("tokio")?
    ))
}

/// The first server URL's path (`https://x.example/api/v3` → `/api/v3`),
/// where the backend serves the operations; empty for the root.
fn base_path(model: &Model) -> String {
    let Some(url) = model.servers.first().map(|s| s.url.as_str()) else {
        return String::new();
    };
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => url,
    };
    // A templated path (`/{version}`) cannot be nested under as written.
    if path.contains('{') {
        return String::new();
    }
    path.trim_end_matches('/').to_string()
}

/// The backend: `Api` with every method left to the trait's 501 default,
/// `Hooks` as the document needs them, and `main` serving it.
fn service_main(prefix: &str, model: &Model) -> String {
    let krate = prefix.replace('-', "_");
    let title = one_line(&model.title);
    let base = base_path(model);
    let mut hooks = String::new();
    let rate_limit = model.requires_rate_limits();
    if model.secured() {
        hooks.push_str(
            "/// Who called, as `authenticate` established it.\n\
             #[derive(Clone, Debug)]\n\
             pub struct Caller {\n    scopes: Vec<String>,\n}\n\n\
             impl runtime::Principal for Caller {\n    \
                 fn has_scope(&self, scope: &str) -> bool {\n        \
                     self.scopes.iter().any(|s| s == scope)\n    }\n}\n\n\
             impl Hooks for Backend {\n    type Principal = Caller;\n\n    \
                 /// Checks a credential of one of the document's security schemes. Until\n    \
                 /// you write it, every credential is refused (401), so the operations\n    \
                 /// that need one are not answered: no one is let in by default.\n    \
                 async fn authenticate(\n        &self,\n        \
                     credential: &runtime::Credential,\n    \
                 ) -> Result<Caller, runtime::AuthError> {\n        \
                     let _ = credential;\n        \
                     Err(runtime::AuthError::new(\"This service does not check credentials yet.\"))\n    }\n",
        );
        if rate_limit.is_some() {
            hooks.push_str(
                "\n    /// The document requires rate-limit figures on its responses: one budget\n    \
                 /// for every caller, per minute.\n    \
                 async fn rate_limit(\n        &self,\n        \
                     _principal: Option<&Caller>,\n        \
                     _operation_id: &'static str,\n    \
                 ) -> runtime::Limited {\n        self.budget.take()\n    }\n",
            );
        }
        hooks.push_str("}\n");
    } else if rate_limit.is_some() {
        hooks.push_str(
            "impl Hooks for Backend {\n    \
                 /// The document requires rate-limit figures on its responses: one budget\n    \
                 /// for every caller, per minute.\n    \
                 async fn rate_limit(&self, _operation_id: &'static str) -> runtime::Limited {\n        \
                     self.budget.take()\n    }\n}\n",
        );
    }
    let (budget_field, budget) = if rate_limit.is_some() {
        (
            "    /// The requests allowed per minute, and this minute's count.\n    budget: Budget,\n",
            BUDGET,
        )
    } else {
        ("", "")
    };
    let hooks_import = if hooks.is_empty() { "" } else { ", Hooks" };
    let serve_at = app_at(&base);
    let title_literal = format!("{title:?}");
    let base_literal = format!("{base:?}");
    format!(
        "//! The backend of {title}: it implements the generated `Api` trait.\n\
         //!\n\
         //! Every operation answers `501 Not Implemented` in the document's error\n\
         //! shape until you implement its method in `impl Api for Backend` (the\n\
         //! trait's defaults), so you can implement them one at a time. Run it\n\
         //! with `cargo run -p {prefix}-service` (`ADDR` chooses the address;\n\
         //! 127.0.0.1:8080 by default).\n\n\
         use std::sync::Arc;\n\n\
         use {krate}_server::{{router, runtime, serve, Api{hooks_import}}};\n\n\
         /// Your backend's state: its stores, clients and settings.\n\
         #[derive(Default)]\n\
         pub struct Backend {{\n{budget_field}}}\n\n\
         /// Implement the operations here, one at a time; the rest answer 501.\n\
         impl Api for Backend {{}}\n\n\
         {hooks}{budget}\n\
         #[tokio::main]\n\
         async fn main() -> std::io::Result<()> {{\n    \
             let addr = std::env::var(\"ADDR\").unwrap_or_else(|_| \"127.0.0.1:8080\".to_string());\n    \
             let listener = tokio::net::TcpListener::bind(&addr).await?;\n    \
             eprintln!(\n        \"{{}}: serving on http://{{}}{{}} (Ctrl-C stops)\",\n        \
                 {title_literal},\n        listener.local_addr()?,\n        {base_literal}\n    );\n\
         {serve_at}    \
             serve(listener, app, runtime::Limits::default(), async {{\n        \
                 let _ = tokio::signal::ctrl_c().await;\n    }})\n    .await\n}}\n",
    )
}

/// `let app = …;`: the backend's router, under `base` where the first
/// server URL has a path (as the generated client's `DEFAULT_BASE_URL`).
fn app_at(base: &str) -> String {
    if base.is_empty() {
        "    let app = router(Arc::new(Backend::default()));\n".to_string()
    } else {
        format!(
            "    // Under the first server URL's path, as the generated client's DEFAULT_BASE_URL.\n    \
             let app = runtime::reexports::axum::Router::new()\n        \
                 .nest({base:?}, router(Arc::new(Backend::default())));\n"
        )
    }
}

/// `text` on one line: its runs of white space (line breaks too) one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A per-minute budget for the scaffold's rate-limit hook.
const BUDGET: &str = "\n/// One fixed window of requests per minute, shared by every caller.\n\
struct Budget {\n    limit: u64,\n    window: std::sync::Mutex<(std::time::Instant, u64)>,\n}\n\n\
impl Default for Budget {\n    fn default() -> Self {\n        Self {\n            limit: 600,\n            \
window: std::sync::Mutex::new((std::time::Instant::now(), 0)),\n        }\n    }\n}\n\n\
impl Budget {\n    fn take(&self) -> runtime::Limited {\n        \
let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());\n        \
let elapsed = window.0.elapsed().as_secs();\n        \
if elapsed >= 60 {\n            *window = (std::time::Instant::now(), 0);\n        }\n        \
if window.1 >= self.limit {\n            \
return runtime::Limited::Exceeded {\n                limit: self.limit,\n                \
retry_after_secs: 60 - elapsed.min(59),\n            };\n        }\n        \
window.1 += 1;\n        \
runtime::Limited::Allowed {\n            limit: self.limit,\n            remaining: self.limit - window.1,\n        }\n    }\n}\n";

/// An operation a fresh backend answers without credentials and that the
/// client calls without arguments: public, no required parameter or body.
fn callable(model: &Model) -> Option<&Operation> {
    model.operations.iter().find(|op| {
        (!op.secured() || op.auth_optional())
            && op.parameters.iter().all(|p| !p.required)
            && op.body.is_none()
    })
}

/// The backend's test: served on 127.0.0.1, an operation called with the
/// generated client answers the 501 of the trait's default.
fn service_test(prefix: &str, model: &Model) -> String {
    let krate = prefix.replace('-', "_");
    let base = base_path(model);
    let serve_at = app_at(&base);
    let Some(operation) = callable(model) else {
        // Every operation needs credentials or arguments: the test asks for
        // a path the document does not have, which the adapter answers.
        return format!(
            "//! The backend served on 127.0.0.1. Every operation of the document needs\n\
             //! credentials or arguments, so this test asks for a path it does not have;\n\
             //! add tests that call your operations with the generated client.\n\n\
             use std::io::{{Read, Write}};\nuse std::sync::Arc;\n\n\
             use {krate}_server::{{router, runtime, serve}};\n\n\
             #[path = \"../src/main.rs\"]\n#[allow(dead_code)]\nmod service;\nuse service::Backend;\n\n\
             #[tokio::test]\n\
             async fn the_service_answers_a_path_it_does_not_have_with_404() {{\n    \
                 let listener = tokio::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\n    \
                 let addr = listener.local_addr().unwrap();\n\
             {serve_at}    \
                 tokio::spawn(serve(listener, app, runtime::Limits::default(), std::future::pending()));\n    \
                 let answer = tokio::task::spawn_blocking(move || {{\n        \
                     let mut stream = std::net::TcpStream::connect(addr).unwrap();\n        \
                     stream\n            .write_all(b\"GET {base}/no-such-path HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n\")\n            .unwrap();\n        \
                     let mut answer = String::new();\n        \
                     stream.read_to_string(&mut answer).unwrap();\n        answer\n    }})\n    \
                 .await\n    .unwrap();\n    \
                 assert!(answer.starts_with(\"HTTP/1.1 404\"), \"{{answer}}\");\n}}\n"
        );
    };
    let method = crate::naming::progenitor::method(&operation.id);
    // Decoded as the operation's declared error where a JSON response that
    // can hold the problem covers 501.
    let typed = operation.response_for(501).is_some_and(|r| {
        r.content.iter().find(|m| m.is_json()).is_some_and(|m| {
            !matches!(
                crate::server::error_shape::of_media(m),
                Some((crate::server::error_shape::Shape::Unfillable(_), _))
            )
        })
    });
    let typed_check = if typed {
        format!(
            "    assert!(\n        matches!(error, {krate}_client::Error::ErrorResponse(_)),\n        \
             \"decoded as the document's error: {{error:?}}\"\n    );\n"
        )
    } else {
        String::new()
    };
    let hooks = if model.secured() || model.requires_rate_limits().is_some() {
        "\n// The test uses the backend's own hooks.\n"
    } else {
        ""
    };
    format!(
        "//! The backend served on 127.0.0.1 and called with the generated client.\n\n\
         use std::sync::Arc;\n\n\
         use {krate}_server::{{router, runtime, serve}};\n\n\
         #[path = \"../src/main.rs\"]\n#[allow(dead_code)]\nmod service;\nuse service::Backend;\n{hooks}\n\
         #[tokio::test]\n\
         async fn an_operation_not_yet_implemented_answers_501() {{\n    \
             let listener = tokio::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\n    \
             let addr = listener.local_addr().unwrap();\n\
         {serve_at}    \
             tokio::spawn(serve(listener, app, runtime::Limits::default(), std::future::pending()));\n    \
             let client = {krate}_client::Client::new(&format!(\"http://{{addr}}{base}\"), Default::default());\n    \
             let error = client.{method}().send().await.err().expect(\"`{id}` answers an error\");\n    \
             assert_eq!(error.status().map(|s| s.as_u16()), Some(501), \"{{error:?}}\");\n\
         {typed_check}}}\n",
        id = operation.id,
    )
}

/// The workspace's README: what it is, and the team's two commands.
fn readme(prefix: &str, title: &str, document: &str) -> String {
    format!(
        "# {title}\n\n\
         A spec-first workspace: `{document}` is the single source of truth. The generator writes\n\
         three crates from it, which are committed with it:\n\n\
         - `{prefix}-types`: the model types the server sends and the client reads;\n\
         - `{prefix}-client`: the client other services depend on (`Client::new(url, Access::new()…)`,\n  \
           with a credential setter per security scheme and retries);\n\
         - `{prefix}-server`: the `Api` trait the backend implements, and its HTTP adapter, which\n  \
           parses, validates, authenticates and answers as the document says.\n\n\
         `{prefix}-service` is the backend, yours to write: every operation answers `501 Not\n\
         Implemented` in the document's error shape until you implement its method in\n\
         `{prefix}-service/src/main.rs`, so you implement them one at a time.\n\n\
         ## Two commands\n\n\
         Serve the API on 127.0.0.1:8080 (`ADDR=… ` chooses another address):\n\n\
         ```sh\ncargo run -p {prefix}-service\n```\n\n\
         Every check CI runs — the drift check (the generated crates match the document), then the\n\
         build and the tests:\n\n\
         ```sh\nspec-lockstep codegen --check --document {document} --out . && cargo test --workspace\n```\n\n\
         `spec-lockstep` is the generator: `cargo install --locked spec-lockstep --version {version}`\n\
         installs the version that wrote the crates (their first line names it; from a clone of its\n\
         repository, `cargo install --locked --path crates/spec-lockstep`).\n\n\
         ## Changing the API\n\n\
         Edit `{document}`, then regenerate and commit the document and the code together:\n\n\
         ```sh\nspec-lockstep codegen --document {document} --out .\n```\n\n\
         Before a release, compare the document with the released one; the gate names every\n\
         change that breaks a client, with its rule:\n\n\
         ```sh\nspec-lockstep compat --base v1.0.0:{document} --revision {document}\n```\n\n\
         A crate you add in this folder (or under `crates/`) joins the workspace on the next\n\
         `spec-lockstep codegen`: it builds with the same runtime and the same `Cargo.lock`.\n",
        version = crate::pins::VERSION,
    )
}

/// The CI workflow: drift check, compatibility gate on pull requests, tests.
fn workflow(document: &str) -> String {
    use standalone::shell_word;
    // As YAML double-quoted strings (JSON's), whatever the file is called;
    // Actions fills `${{ … }}` in before the shell reads the words.
    let check = serde_json::Value::String(format!(
        "spec-lockstep codegen --check --document {} --out .",
        shell_word(document)
    ));
    let compat = serde_json::Value::String(format!(
        "spec-lockstep compat --base {} --revision {}",
        shell_word(&format!("origin/${{{{ github.base_ref }}}}:{document}")),
        shell_word(document)
    ));
    let install = serde_json::Value::String(format!(
        "if [ -n \"$GENERATOR_GIT\" ]; then cargo install --locked --git \"$GENERATOR_GIT\" {g}; \
         else cargo install --locked {g} --version {v}; fi",
        g = crate::pins::GENERATOR,
        v = crate::pins::VERSION,
    ));
    format!(
        "# The checks of this spec-first workspace. The generator is installed at the version\n\
         # that wrote the crates, from crates.io; set the repository variable GENERATOR_GIT to a\n\
         # git URL of its repository to install it from there instead.\n\
         name: CI\n\
         on:\n  push:\n  pull_request:\n\n\
         jobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n      \
         - name: Install the generator\n        \
           env:\n          GENERATOR_GIT: ${{{{ vars.GENERATOR_GIT }}}}\n        \
           run: {install}\n      \
         - name: The generated code matches the document\n        \
           run: {check}\n      \
         - name: The document changes nothing a client relies on\n        \
           if: github.event_name == 'pull_request'\n        \
           run: {compat}\n      \
         - name: Build and test\n        \
           run: cargo test --workspace --locked\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_file_names_of_any_spelling_give_valid_rust_toml_and_yaml() {
        let text =
            "openapi: 3.0.3\ninfo: {title: \"Fancy {API} \\\\ \\\"v2\\\"\\nbeta\", version: '1'}\n\
                    servers: [{url: 'https://x.example/a\"b'}]\npaths: {}\n";
        let document = Document::parse(Path::new("t.yaml"), text).unwrap();
        let (model, _) = crate::model::load(&document);
        assert!(
            model.title.contains('{') && model.title.contains('\n'),
            "{}",
            model.title
        );
        let main = service_main("t", &model);
        syn::parse_file(&main).unwrap_or_else(|e| panic!("{e}:\n{main}"));
        let manifest =
            service_manifest("t", &one_line(&model.title), crate::pins::pinned()).unwrap();
        manifest.parse::<toml::Table>().unwrap();
        let name = "openapi/Parcel Lockers: v2.yaml";
        let workflow: serde_yaml::Value = serde_yaml::from_str(&workflow(name)).unwrap();
        let steps = &workflow["jobs"]["check"]["steps"];
        assert_eq!(
            steps[2]["run"].as_str().unwrap(),
            "spec-lockstep codegen --check --document 'openapi/Parcel Lockers: v2.yaml' --out ."
        );
        assert!(readme("t", "T", &standalone::shell_word(name))
            .contains("--document 'openapi/Parcel Lockers: v2.yaml' --out ."));
    }

    #[test]
    fn a_document_split_over_files_is_copied_with_its_files() {
        let temp = tempfile::tempdir().unwrap();
        let api = temp.path().join("api");
        std::fs::create_dir_all(api.join("schemas")).unwrap();
        std::fs::write(
            api.join("pets.yaml"),
            "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get:\n      \
             operationId: list_pets\n      responses:\n        '200':\n          description: ok\n          \
             content: {application/json: {schema: {$ref: 'schemas/pet.yaml'}}}\n        \
             '429': {description: slow}\n        '500': {description: down}\n",
        )
        .unwrap();
        std::fs::write(
            api.join("schemas").join("pet.yaml"),
            "type: object\nproperties: {name: {$ref: 'name.yaml'}}\n",
        )
        .unwrap();
        std::fs::write(api.join("schemas").join("name.yaml"), "type: string\n").unwrap();
        let (_, others) = read_with_its_files(&api.join("pets.yaml")).unwrap();
        assert_eq!(
            others,
            [
                Path::new("schemas/pet.yaml"),
                Path::new("schemas/name.yaml")
            ]
        );
        // Named by a relative path with `./` and `..` in it (as a shell
        // user would), the same files.
        let here = std::env::current_dir().unwrap().canonicalize().unwrap();
        let relative = Path::new(".")
            .join(standalone::relative_path(
                &here,
                &api.canonicalize().unwrap(),
            ))
            .join("..")
            .join("api")
            .join("pets.yaml");
        assert!(relative.is_relative(), "{}", relative.display());
        assert_eq!(read_with_its_files(&relative).unwrap().1, others);
        // Copied the same way, the copy reads whole.
        let dir = temp.path().join("workspace");
        init(
            &api.join("pets.yaml"),
            &dir,
            &Options::default(),
            &mut Vec::new(),
        )
        .unwrap();
        assert!(dir.join("openapi/schemas/name.yaml").is_file());
        let copied = dir.join("openapi").join("pets.yaml");
        let (model, _) = crate::model::load(&read_with_its_files(&copied).unwrap().0);
        assert_eq!(model.operations.len(), 1);

        // A file above the document's folder has no place under openapi/
        // (and, outside the folder the tool runs in too, is not even read).
        std::fs::write(temp.path().join("common.yaml"), "type: string\n").unwrap();
        std::fs::write(
            api.join("schemas").join("name.yaml"),
            "$ref: '../../common.yaml'\n",
        )
        .unwrap();
        let Err(error) = read_with_its_files(&api.join("pets.yaml")) else {
            panic!("a file outside the document's folder was read");
        };
        assert!(format!("{error:#}").contains("common.yaml"), "{error:#}");
    }

    #[test]
    fn the_backend_serves_under_the_first_servers_path() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: \
                    'https://x.example/api/v3/'}]\npaths: {}\n";
        let document = Document::parse(Path::new("t.yaml"), text).unwrap();
        let (model, _) = crate::model::load(&document);
        assert_eq!(base_path(&model), "/api/v3");
        let main = service_main("t", &model);
        assert!(main.contains(".nest(\"/api/v3\""), "{main}");
        assert!(main.contains("impl Api for Backend {}"), "{main}");
        assert!(
            !main.contains("impl Hooks"),
            "no security, no hooks: {main}"
        );
    }
}
