//! `cargo xtask codegen --document PATH --out DIR`: the types, client and
//! server crates of a document that is not in the workspace list, written
//! into `DIR` as a small workspace of their own, buildable there
//! (`cargo check --manifest-path DIR/<name>-server/Cargo.toml`) and after
//! being moved anywhere else: nothing written names an absolute path or
//! this checkout (the document, and a `--runtime-path`, are named relative
//! to `DIR`).
//!
//! Everything written carries the generated header, `Cargo.toml` and
//! `lib.rs` included, so running it again updates them and never touches
//! a file it did not write. The header names the document relative to
//! `DIR` and the command that regenerates the files, run in `DIR`, so it
//! reads the same whether the generator was given absolute or relative
//! paths. Dependency versions are this workspace's
//! (`[workspace.dependencies]`), each only where the generated code names
//! it; the server names `ev-energy-runtime` by its version, as a registry
//! dependency, and a local copy or a git repository of it, when asked for,
//! is a `[patch.crates-io]` of the generated workspace
//! ([`RuntimeSource`]). This workspace's `Cargo.lock` seeds theirs.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::codegen::{self, Api, ClientOptions, CrateOut, GeneratedFile};
use crate::files::{self, Mode, Summary};
use crate::spec::Document;

pub use crate::pins::RUNTIME_PACKAGE;

/// Where the generated server's `ev-energy-runtime` comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RuntimeSource {
    /// A registry (crates.io), by the version this generator was built
    /// with: the server's `Cargo.toml` says only that, and nothing else is
    /// written.
    #[default]
    Registry,
    /// A local copy (the runtime crate's folder): the same dependency by
    /// version, with a `[patch.crates-io]` in the generated workspace's
    /// `Cargo.toml` pointing at the copy, written relative to the output
    /// folder so that both can move together.
    Path(PathBuf),
    /// A git repository that holds the runtime, at a revision if given:
    /// likewise, a `[patch.crates-io]`.
    Git {
        /// The repository's URL.
        url: String,
        /// A commit, tag or branch name (`rev = …`); the default branch without it.
        rev: Option<String>,
    },
}

/// How `--document … --out …` names and links the crates.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The crate-name prefix (`--crate-prefix`); the document's file stem
    /// without it ([`crate_prefix`]).
    pub prefix: Option<String>,
    /// Where the runtime comes from (`--runtime-path`, `--runtime-git`).
    pub runtime: RuntimeSource,
    /// Generate only the operations under these path prefixes (`--paths`;
    /// empty: all of them), see [`crate::spec::subset::keep_paths`].
    pub paths: Vec<String>,
}

/// The crates' name prefix for a document: its file stem, lower case, with
/// `-` between words (`openapi/Parcel Lockers.yaml` → `parcel-lockers`).
/// A name a team cannot choose still gives a valid prefix: characters a
/// crate name cannot hold are dropped (`café` → `caf`), and a stem that
/// does not start with a letter is prefixed with `api-`
/// (`1forge.com.json` → `api-1forge-com`; nothing left at all → `api`).
/// `--crate-prefix` chooses another.
pub fn crate_prefix(document: &Path) -> Result<String> {
    let stem = document
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| anyhow!("{} has no file name", document.display()))?;
    let words: Vec<String> = heck::AsKebabCase(stem)
        .to_string()
        .split('-')
        .map(|word| {
            word.chars()
                .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect();
    let prefix = words.join("-");
    Ok(match prefix.chars().next() {
        None => "api".to_string(),
        Some(c) if c.is_ascii_lowercase() => prefix,
        Some(_) => format!("api-{prefix}"),
    })
}

/// Checks a `--crate-prefix`: kebab-case (lower-case ASCII letters and
/// digits, words joined by single `-`), starting with a letter.
pub fn check_prefix(prefix: &str) -> Result<()> {
    let words_ok = prefix.split('-').all(|word| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !words_ok || !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        bail!(
            "--crate-prefix `{prefix}` is not a crate-name prefix: write it in kebab-case \
             (lower-case letters and digits, words joined by single `-`), starting with a letter, \
             e.g. `parcel-lockers`"
        );
    }
    Ok(())
}

/// The API of a document outside the workspace list: its three crates
/// `<prefix>-types`, `-client` and `-server` ([`crate_prefix`]), relative
/// to the output folder. The feature documents' snapshot test
/// (`xtask/tests/features.rs`) generates with it too, so its snapshots are
/// what `--document` writes (below the header, which [`generate`] writes
/// relative to the output folder).
pub fn api(document: &Path) -> Result<Api> {
    named_api(document, &crate_prefix(document)?)
}

/// [`api`] with the crates named `<prefix>-…`.
pub(crate) fn named_api(document: &Path, prefix: &str) -> Result<Api> {
    let snake = prefix.replace('-', "_");
    Ok(Api {
        document: document.to_path_buf(),
        types_crate: CrateOut {
            dir: PathBuf::from(format!("{prefix}-types")),
            ident: format!("{snake}_types"),
        },
        client_crate: CrateOut {
            dir: PathBuf::from(format!("{prefix}-client")),
            ident: format!("{snake}_client"),
        },
        server_crate: CrateOut {
            dir: PathBuf::from(format!("{prefix}-server")),
            ident: format!("{snake}_server"),
        },
        client: ClientOptions::default(),
        released: false,
        command: codegen::FIX_COMMAND.into(),
        run_in: None,
    })
}

impl Options {
    /// Whether no flag was given: every option at its default.
    fn is_default(&self) -> bool {
        self.prefix.is_none() && self.runtime == RuntimeSource::Registry && self.paths.is_empty()
    }
}

/// The flags an earlier run recorded in the header of `out`'s generated
/// `Cargo.toml` (the command that regenerates it), as options relative to
/// the current folder; `None` when there is no such file, or its command
/// names no flag.
pub fn recorded_options(out: &Path) -> Option<Options> {
    let text = std::fs::read_to_string(out.join("Cargo.toml")).ok()?;
    let first = text.lines().next()?;
    if !crate::codegen::is_generated(&text) {
        return None;
    }
    let command = first.split_once("and run `")?.1.split_once('`')?.0;
    let words = shlex::split(command)?;
    let mut options = Options::default();
    let (mut git, mut rev) = (None, None);
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--crate-prefix" => options.prefix = Some(words.next()?),
            "--paths" => options.paths.push(words.next()?),
            // Recorded relative to `out`.
            "--runtime-path" => options.runtime = RuntimeSource::Path(out.join(words.next()?)),
            "--runtime-git" => git = Some(words.next()?),
            "--runtime-rev" => rev = Some(words.next()?),
            _ => {}
        }
    }
    if let Some(url) = git {
        options.runtime = RuntimeSource::Git { url, rev };
    }
    (!options.is_default()).then_some(options)
}

/// Generates the crates of `document` (relative to the current folder or
/// absolute) into `out`, in `mode`. Given no flag, a run into a folder
/// generated before takes the flags its header records (`--crate-prefix`,
/// `--paths`, `--runtime-…`), so `--check` needs only `--document` and
/// `--out`.
pub fn generate(
    document: &Path,
    out: &Path,
    options: &Options,
    mode: Mode,
    report: &mut dyn Write,
) -> Result<Summary> {
    let recorded;
    let options = match options
        .is_default()
        .then(|| recorded_options(out))
        .flatten()
    {
        Some(found) => {
            recorded = found;
            writeln!(
                report,
                "{:>12} the flags recorded in {}: {}",
                "Using",
                out.join("Cargo.toml").display(),
                describe_flags(&recorded)
            )?;
            &recorded
        }
        None => options,
    };
    let prefix = match &options.prefix {
        Some(prefix) => {
            check_prefix(prefix)?;
            prefix.clone()
        }
        None => crate_prefix(document)?,
    };
    let mut parsed = Document::load(Path::new(""), document)?;
    if !options.paths.is_empty() {
        parsed = parsed.only_paths(&options.paths)?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let out_dir = out
        .canonicalize()
        .with_context(|| format!("cannot find {}", out.display()))?;
    let from_out = |path: &Path, what: &str| -> Result<PathBuf> {
        let full = path
            .canonicalize()
            .with_context(|| format!("cannot find {what} {}", path.display()))?;
        Ok(relative_path(&out_dir, &full))
    };
    let document_from_out = from_out(document, "the OpenAPI document")?;
    let runtime = match &options.runtime {
        RuntimeSource::Path(path) => {
            check_runtime_folder(path)?;
            RuntimeSource::Path(from_out(path, "the runtime")?)
        }
        other => other.clone(),
    };
    let mut api = named_api(&document_from_out, &prefix)?;
    // `--crate-prefix` only where it is not the document's default.
    let own_prefix = crate_prefix(document).ok().as_deref() != Some(prefix.as_str());
    api.command = regenerate_command(
        &document_from_out,
        own_prefix.then_some(prefix.as_str()),
        &runtime,
        &options.paths,
    );
    api.run_in = Some(RUN_IN);
    let mut generated = codegen::generate_from_document(&parsed, &api)?;
    let team = team_crates(out, &prefix)?;
    generated.extend(manifests(
        &api, &prefix, &parsed, &runtime, &generated, &team,
    )?);
    let fix = format!("`{}` in {}", api.command, out.display());
    let summary = files::sync(out, &generated, &[PathBuf::new()], mode, &fix, report)?;
    // The generator's lock file seeds theirs, so the crates first build
    // with the versions the generator is tested with (and offline, where
    // those are in cargo's cache); cargo drops what they do not use, and
    // the lock is theirs from then on: never checked, never overwritten.
    let lock = out.join("Cargo.lock");
    if mode == Mode::Write && !lock.exists() {
        std::fs::write(&lock, crate::pins::lock_seed())
            .with_context(|| format!("cannot write {}", lock.display()))?;
        writeln!(
            report,
            "{:>12} Cargo.lock (seeded with the versions the generator is tested with; cargo keeps it from now on)",
            "Seeded"
        )?;
    }
    if mode == Mode::Write && matches!(runtime, RuntimeSource::Registry) {
        // Said every time: the first build fails without it where the
        // team's registry does not have the runtime.
        let version = crate::pins::pinned().runtime_version();
        writeln!(
            report,
            "{:>12} the server crate names `{RUNTIME_PACKAGE} = \"{version}\"` from your registry; \
             where the registry does not have it, run again with `--runtime-path PATH` (the \
             folder of a copy of the runtime crate) or `--runtime-git URL`, or add a \
             [patch.crates-io] for it",
            "Note",
        )?;
    }
    Ok(summary)
}

/// A runtime folder given by `--runtime-path` must hold the runtime crate.
fn check_runtime_folder(path: &Path) -> Result<()> {
    let manifest = path.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).with_context(|| {
        format!(
            "--runtime-path {}: cannot read {} (give the folder of the `{RUNTIME_PACKAGE}` crate)",
            path.display(),
            manifest.display()
        )
    })?;
    let name = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_string));
    if name.as_deref() != Some(RUNTIME_PACKAGE) {
        bail!(
            "--runtime-path {}: {} is not the `{RUNTIME_PACKAGE}` crate's manifest",
            path.display(),
            manifest.display()
        );
    }
    Ok(())
}

/// The command, run in the output folder, that writes the same files
/// again: every path in it is relative to that folder.
fn regenerate_command(
    document: &Path,
    prefix: Option<&str>,
    runtime: &RuntimeSource,
    paths: &[String],
) -> String {
    let mut command = format!(
        "{} codegen --document {} --out .",
        crate::pins::GENERATOR,
        shell_word(&codegen::slash_path(document))
    );
    if let Some(prefix) = prefix {
        command.push_str(&format!(" --crate-prefix {prefix}"));
    }
    for path in paths {
        command.push_str(&format!(" --paths {}", shell_word(path)));
    }
    match runtime {
        RuntimeSource::Registry => {}
        RuntimeSource::Path(path) => command.push_str(&format!(
            " --runtime-path {}",
            shell_word(&codegen::slash_path(path))
        )),
        RuntimeSource::Git { url, rev } => {
            command.push_str(&format!(" --runtime-git {}", shell_word(url)));
            if let Some(rev) = rev {
                command.push_str(&format!(" --runtime-rev {}", shell_word(rev)));
            }
        }
    }
    command
}

/// The flags of `options`, as a command line gives them.
fn describe_flags(options: &Options) -> String {
    let mut flags = Vec::new();
    if let Some(prefix) = &options.prefix {
        flags.push(format!("--crate-prefix {}", shell_word(prefix)));
    }
    for path in &options.paths {
        flags.push(format!("--paths {}", shell_word(path)));
    }
    match &options.runtime {
        RuntimeSource::Registry => {}
        RuntimeSource::Path(path) => flags.push(format!(
            "--runtime-path {}",
            shell_word(&codegen::slash_path(path))
        )),
        RuntimeSource::Git { url, rev } => {
            flags.push(format!("--runtime-git {}", shell_word(url)));
            if let Some(rev) = rev {
                flags.push(format!("--runtime-rev {}", shell_word(rev)));
            }
        }
    }
    flags.join(" ")
}

/// Where the command in the header of `--out` files runs.
const RUN_IN: &str = "in the folder of this generated workspace, with the generator version named \
     above (`cargo install --locked spec-lockstep --version <it>`)";

/// A word as a POSIX shell reads it back (quoted only when it must be).
pub(crate) fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `to` relative to the folder `from` (both absolute and canonical):
/// `..` up to their common ancestor, then down. Paths with nothing in
/// common (another Windows drive) stay absolute.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 || !matches!(from.first(), Some(c) if Some(c) == to_parts.first()) {
        return to.to_path_buf();
    }
    let mut relative = PathBuf::new();
    for _ in common..from.len() {
        relative.push("..");
    }
    for part in &to_parts[common..] {
        relative.push(part.as_os_str());
    }
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    relative
}

/// Whether generated Rust text names the crate `ident` in a path
/// (`chrono::…`, `::chrono::…`) or renames it (`use chrono as …`), so the
/// crate needs it as a dependency.
pub fn names_crate(text: &str, ident: &str) -> bool {
    [format!("{ident}::"), format!("{ident} as ")]
        .iter()
        .any(|needle| {
            text.match_indices(needle.as_str()).any(|(at, _)| {
                !text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
}

/// The team's own crates in `out`, as workspace members (`my-service`,
/// `crates/worker`): every folder directly under `out`, or under
/// `out/crates`, that holds a `Cargo.toml` the generator did not write.
/// They join the generated workspace, so they build with the same runtime
/// source (its `[patch]`) and the same `Cargo.lock`.
pub fn team_crates(out: &Path, prefix: &str) -> Result<Vec<String>> {
    let ours = ["types", "client", "server"].map(|part| format!("{prefix}-{part}"));
    let mut found = Vec::new();
    for (parent, under) in [(out.to_path_buf(), ""), (out.join("crates"), "crates/")] {
        let Ok(entries) = std::fs::read_dir(&parent) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", parent.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if ours.contains(&name) || name.starts_with('.') || name == "target" {
                continue;
            }
            let manifest = entry.path().join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else {
                continue;
            };
            if !codegen::is_generated(&text) && text.contains("[package]") {
                found.push(format!("{under}{name}"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The `Cargo.toml`s and `lib.rs`s of the three crates and their workspace
/// (whose members are the three and the team's own crates, `team`).
fn manifests(
    api: &Api,
    prefix: &str,
    document: &Document,
    runtime: &RuntimeSource,
    generated: &[GeneratedFile],
    team: &[String],
) -> Result<Vec<GeneratedFile>> {
    let dependencies = crate::pins::pinned();
    let runtime_version = dependencies.runtime_version();
    let rs_header = api.header();
    let header = rs_header.replacen("//", "#", 1);
    let title = &document.api.info.title;
    let version = &document.api.info.version;
    let types_name = format!("{prefix}-types");
    let package = |name: &str, what: &str, deps: Vec<String>| {
        format!(
            "{header}\n[package]\nname = \"{name}\"\nversion = \"{}\"\ndescription = \"{what} of {}, generated by spec-lockstep.\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{}\n",
            cargo_version(version),
            title.replace('"', "'"),
            deps.join("\n")
        )
    };
    // The crate's dependencies among `candidates`: those its generated
    // code names (typify and progenitor use chrono, uuid, regress, … only
    // for the formats and patterns a document has).
    let used = |krate: &CrateOut, candidates: &[&str]| -> Result<Vec<String>> {
        let text: String = generated
            .iter()
            .filter(|f| f.path.starts_with(&krate.dir))
            .map(|f| f.contents.as_str())
            .collect();
        candidates
            .iter()
            .filter(|d| names_crate(&text, &d.replace('-', "_")))
            .map(|d| dependencies.line(d))
            .collect()
    };
    let types_path = format!("{types_name} = {{ path = \"../{types_name}\" }}");
    let members: Vec<String> = ["types", "client", "server"]
        .iter()
        .map(|part| format!("{prefix}-{part}"))
        .chain(team.iter().cloned())
        .map(|member| toml_string(&member))
        .collect();
    let mut root = format!(
        "{header}\n[workspace]\nresolver = \"2\"\n# The generated crates, then your own crates found in this folder and in crates/ when\n# the code was generated (run the command above after adding one).\nmembers = [{}]\n",
        members.join(", ")
    );
    let patch = match runtime {
        RuntimeSource::Registry => None,
        RuntimeSource::Path(path) => Some(format!(
            "{{ path = {} }}",
            toml_string(&codegen::slash_path(path))
        )),
        RuntimeSource::Git { url, rev: None } => Some(format!("{{ git = {} }}", toml_string(url))),
        RuntimeSource::Git {
            url,
            rev: Some(rev),
        } => Some(format!(
            "{{ git = {}, rev = {} }}",
            toml_string(url),
            toml_string(rev)
        )),
    };
    if let Some(patch) = patch {
        root.push_str(&format!(
            "\n# The runtime the server crate names by version, from where it was asked for.\n[patch.crates-io]\n{RUNTIME_PACKAGE} = {patch}\n"
        ));
    }
    let mut client_deps = used(
        &api.client_crate,
        &[
            "base64",
            "chrono",
            "futures-core",
            "progenitor-client",
            "reqwest",
            "serde",
            "serde_json",
            "tokio",
            "uuid",
        ],
    )?;
    client_deps.push(types_path.clone());
    let mut server_deps = used(
        &api.server_crate,
        &["chrono", "serde", "serde_json", "uuid"],
    )?;
    server_deps.push(format!("{RUNTIME_PACKAGE} = \"{runtime_version}\""));
    server_deps.push(types_path);
    let mut files = vec![
        GeneratedFile {
            path: PathBuf::from("Cargo.toml"),
            contents: root,
        },
        GeneratedFile {
            path: api.types_crate.dir.join("Cargo.toml"),
            contents: package(
                &types_name,
                "Model types",
                used(
                    &api.types_crate,
                    &[
                        "chrono",
                        "regress",
                        "schemars",
                        "serde",
                        "serde_json",
                        "uuid",
                    ],
                )?,
            ),
        },
        GeneratedFile {
            path: api.client_crate.dir.join("Cargo.toml"),
            contents: package(
                &format!("{prefix}-client"),
                "The progenitor client",
                client_deps,
            ),
        },
        GeneratedFile {
            path: api.server_crate.dir.join("Cargo.toml"),
            contents: package(
                &format!("{prefix}-server"),
                "The Api trait and axum adapter",
                server_deps,
            ),
        },
    ];
    let module = |path: &str| {
        format!(
            "#[rustfmt::skip]\n#[allow(clippy::all, missing_docs, unused_imports, unreachable_patterns)]\n#[path = \"{path}\"]\nmod"
        )
    };
    files.push(GeneratedFile {
        path: api.types_crate.dir.join("src").join("lib.rs"),
        contents: format!(
            "{rs_header}\n//! Model types of {title}, shared by its client and server.\n\n{} generated;\n\npub use generated::*;\n",
            module("generated.rs")
        ),
    });
    files.push(GeneratedFile {
        path: api.client_crate.dir.join("src").join("lib.rs"),
        contents: format!(
            "{rs_header}\n//! The client of {title} (progenitor, builder style).\n\n{} generated;\n\npub use generated::*;\n",
            module("generated.rs")
        ),
    });
    files.push(GeneratedFile {
        path: api.server_crate.dir.join("src").join("lib.rs"),
        contents: format!(
            "{rs_header}\n//! The server side of {title}: implement `Api` (and `Hooks`, where the document has security or requires rate-limit figures), serve `router` (with `serve`).\n\n{} api;\n\n{} adapter;\n\npub use adapter::{{fallback, router, router_at, serve}};\npub use api::*;\n/// The runtime the adapter calls into.\npub use ev_energy_runtime as runtime;\n/// What a backend names, from one import path (as `ev-energy-server` exports them).\npub use ev_energy_runtime::reexports::axum;\npub use ev_energy_runtime::{{AuthError, Credential, CredentialKind, Limited, Limits, Principal, RateLimit}};\n",
            module("generated/api.rs"),
            module("generated/adapter.rs")
        ),
    });
    Ok(files)
}

/// `2.0` → `2.0.0`: `info.version` as a Cargo (semver) version.
pub fn cargo_version(version: &str) -> String {
    let numbers: Vec<u64> = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect();
    match numbers.as_slice() {
        [] => "0.0.0".into(),
        [major] => format!("{major}.0.0"),
        [major, minor] => format!("{major}.{minor}.0"),
        [major, minor, patch, ..] => format!("{major}.{minor}.{patch}"),
    }
}

pub(crate) fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_pad_to_semver_and_document_names_become_crate_prefixes() {
        assert_eq!(cargo_version("2.0"), "2.0.0");
        assert_eq!(cargo_version("3"), "3.0.0");
        assert_eq!(cargo_version("1.2.3"), "1.2.3");
        assert_eq!(
            crate_prefix(Path::new("a/Parcel Lockers.yaml")).unwrap(),
            "parcel-lockers"
        );
        // Names a team cannot change still give a valid prefix.
        for (document, prefix) in [
            ("1.yaml", "api-1"),
            ("api/1forge.com.json", "api-1forge-com"),
            (
                "6-dot-authentiqio.appspot.com.json",
                "api-6-dot-authentiqio-appspot-com",
            ),
            ("café API.json", "caf-api"),
            ("___.json", "api"),
            ("amazonaws.com/AWSMigrationHub.json", "aws-migration-hub"),
        ] {
            let prefix_made = crate_prefix(Path::new(document)).unwrap();
            assert_eq!(prefix_made, prefix, "{document}");
            check_prefix(&prefix_made).unwrap();
        }
    }

    #[test]
    fn crate_prefixes_are_kebab_case_and_start_with_a_letter() {
        for good in ["lockers", "parcel-lockers", "api2", "a-1-b"] {
            check_prefix(good).unwrap();
        }
        for bad in ["", "Lockers", "1a", "a_b", "a--b", "-a", "a-", "a b", "é"] {
            let error = check_prefix(bad).unwrap_err().to_string();
            assert!(error.contains("kebab-case"), "{bad}: {error}");
        }
    }

    #[test]
    fn paths_are_written_relative_to_the_output_folder() {
        let rel = |from: &str, to: &str| relative_path(Path::new(from), Path::new(to));
        assert_eq!(rel("/a/b/out", "/a/b/api.yaml"), Path::new("../api.yaml"));
        assert_eq!(rel("/a/b/out", "/a/b/out/api.yaml"), Path::new("api.yaml"));
        assert_eq!(
            rel("/t/x/y", "/w/crates/ev-energy-runtime"),
            Path::new("../../../w/crates/ev-energy-runtime")
        );
        assert_eq!(rel("/a/b", "/a/b"), Path::new("."));
        assert_eq!(
            codegen::slash_path(&rel("/a/b/out", "/a/c d/api.yaml")),
            "../../c d/api.yaml"
        );
        assert_eq!(shell_word("../c d/api.yaml"), "'../c d/api.yaml'");
        assert_eq!(shell_word("../api.yaml"), "../api.yaml");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn the_header_command_carries_the_chosen_paths() {
        let command = regenerate_command(
            Path::new("../graph.json"),
            None,
            &RuntimeSource::Registry,
            &["/me".to_string(), "/a b".to_string()],
        );
        assert_eq!(
            command,
            "spec-lockstep codegen --document ../graph.json --out . --paths /me --paths '/a b'"
        );
    }

    #[test]
    fn dependencies_are_the_crates_the_code_names() {
        let code = "use ::chrono::DateTime;\nfn f() -> uuid::Uuid {}\n// my_serde_json::x\npub use ::x_types as types;\n";
        assert!(names_crate(code, "chrono"));
        assert!(names_crate(code, "x_types"));
        assert!(!names_crate(code, "types"));
        assert!(names_crate(code, "uuid"));
        assert!(!names_crate(code, "serde_json"));
        assert!(!names_crate(code, "regress"));
    }
}
