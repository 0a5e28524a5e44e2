//! `spec-lockstep`: the generator as a command. This file only parses
//! arguments and dispatches; everything it runs is in the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use spec_lockstep::cli::{self, verdict};
use spec_lockstep::files::Mode;
use spec_lockstep::standalone::{Options, RuntimeSource};
use spec_lockstep::{EXIT_GENERATOR_FAILED, EXIT_OK, EXIT_STALE};

/// One OpenAPI document in, three Rust crates out in lockstep: the model types, a client
/// (progenitor) and a server (an async trait to implement, and its axum adapter).
#[derive(Parser)]
#[command(name = "spec-lockstep", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

/// Where the generated server's runtime comes from.
#[derive(clap::Args)]
struct Runtime {
    /// Build the server against this copy of the ev-energy-runtime crate (its folder), by a
    /// `[patch.crates-io]` in DIR/Cargo.toml written relative to DIR (default: the runtime by
    /// version, from your registry).
    #[arg(long, value_name = "PATH", conflicts_with = "runtime_git")]
    runtime_path: Option<PathBuf>,
    /// Build the server against ev-energy-runtime from this git repository, likewise.
    #[arg(long, value_name = "URL")]
    runtime_git: Option<String>,
    /// The commit, tag or branch of --runtime-git.
    #[arg(long, value_name = "REV", requires = "runtime_git")]
    runtime_rev: Option<String>,
}

impl Runtime {
    fn source(self) -> RuntimeSource {
        cli::runtime_source(self.runtime_path, self.runtime_git, self.runtime_rev)
    }
}

#[derive(Subcommand)]
enum Task {
    /// Generate the types, client and server crates of a document into DIR (a workspace of
    /// their own), or check them for drift.
    ///
    /// Writes only files that carry the `@generated` header; refuses, and changes nothing, if a
    /// hand-written file stands where a generated one goes.
    Codegen {
        /// Change nothing: exit 1 with a diff if any generated file is stale, missing or
        /// orphaned; exit 2 if the generator cannot run. The flags the last run recorded in
        /// DIR/Cargo.toml are used when none is given.
        #[arg(long)]
        check: bool,
        /// The OpenAPI document (3.0 or 3.1, YAML or JSON).
        #[arg(long, value_name = "PATH")]
        document: PathBuf,
        /// Where to write its crates (`<name>-types`, `-client`, `-server`). Paths they name
        /// are relative to DIR, so the folder can move.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The crates' name prefix, in kebab-case (default: the document's file name).
        #[arg(long, value_name = "NAME")]
        crate_prefix: Option<String>,
        #[command(flatten)]
        runtime: Runtime,
        /// Generate only the operations whose path starts with PREFIX (whole segments), and
        /// the components they use. Repeat it for several.
        #[arg(long = "paths", value_name = "PREFIX")]
        paths: Vec<String>,
    },
    /// Start a spec-first workspace for a document in a new folder: the document under
    /// openapi/, its three generated crates, a backend crate that serves it (every operation
    /// answering 501 until implemented), a README with the two commands, and a CI workflow
    /// with the drift check and the compatibility gate.
    Init {
        /// The OpenAPI document (copied into DIR/openapi/).
        #[arg(long, value_name = "PATH")]
        document: PathBuf,
        /// The new workspace's folder (absent or empty: init overwrites nothing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The crates' name prefix, in kebab-case (default: the document's file name).
        #[arg(long, value_name = "NAME")]
        crate_prefix: Option<String>,
        #[command(flatten)]
        runtime: Runtime,
    },
    /// Check documents for what the generators rely on. Exits 1 if there is any finding;
    /// each names the JSON pointer of the node.
    Lint {
        /// The OpenAPI documents.
        #[arg(required = true, value_name = "PATH")]
        documents: Vec<PathBuf>,
    },
    /// Compare two revisions of a document: fail on a change that breaks deployed clients
    /// unless the major version in info.version went up. Exits 0 when nothing is at or above
    /// --fail-on, 1 when something is, 2 when a document cannot be read.
    Compat {
        /// The released revision: a file, or `REV:PATH` read with `git show` from the
        /// repository the command runs in (`origin/main:openapi/api.yaml`). No URLs.
        #[arg(long, value_name = "OLD", required_unless_present = "rules")]
        base: Option<String>,
        /// The revision to judge, likewise (a file, or `REV:PATH`).
        #[arg(long, value_name = "NEW", required_unless_present = "rules")]
        revision: Option<String>,
        /// How to print the findings.
        #[arg(long, value_enum, default_value = "text")]
        format: spec_lockstep::compat::pair::Format,
        /// The level at or above which a finding fails the gate.
        #[arg(long, value_enum, default_value = "breaking")]
        fail_on: spec_lockstep::compat::pair::FailOn,
        /// The policy file: rule levels and acknowledged findings (default: compat.toml
        /// beside the revision).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Print the catalogue of rules (id, level, who it breaks, an example) and exit.
        #[arg(long, conflicts_with_all = ["base", "revision"])]
        rules: bool,
    },
    /// Prove the generated crates of documents: generate, build, serve the generated server
    /// with a checking backend and call every operation with the generated client (twice,
    /// then with a bad value that must come back as the document's 400, then against a
    /// backend that implements nothing, which must answer 501).
    RoundTrip {
        /// Documents, or folders of them (`*.yaml`, `*.yml`, `*.json`, searched recursively).
        #[arg(required = true, value_name = "PATH")]
        documents: Vec<PathBuf>,
        /// Build against this copy of the ev-energy-runtime crate (default: your registry's).
        #[arg(long, value_name = "PATH")]
        runtime_path: Option<PathBuf>,
        /// Where to generate and build (kept for the logs).
        #[arg(
            long,
            value_name = "DIR",
            default_value = "target/spec-lockstep-round-trip"
        )]
        work: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let code = match cli.task {
        Task::Codegen {
            check,
            document,
            out,
            crate_prefix,
            runtime,
            paths,
        } => {
            let mode = if check { Mode::Check } else { Mode::Write };
            let options = Options {
                prefix: crate_prefix,
                runtime: runtime.source(),
                paths,
            };
            let result =
                spec_lockstep::standalone::generate(&document, &out, &options, mode, &mut stdout);
            cli::codegen_exit(result, mode, "spec-lockstep codegen", &mut stdout)
        }
        Task::Init {
            document,
            dir,
            crate_prefix,
            runtime,
        } => {
            let options = Options {
                prefix: crate_prefix,
                runtime: runtime.source(),
                paths: Vec::new(),
            };
            let result = spec_lockstep::init::init(&document, &dir, &options, &mut stdout);
            cli::init_exit(result, "spec-lockstep init", &mut stdout)
        }
        Task::Lint { documents } => lint(&documents, &mut stdout),
        Task::Compat {
            base,
            revision,
            format,
            fail_on,
            config,
            rules,
        } => match (rules, base, revision) {
            (true, _, _) => match spec_lockstep::compat::rules::print(&mut stdout) {
                Ok(()) => EXIT_OK,
                Err(e) => fail(e.into()),
            },
            (false, Some(base), Some(revision)) => {
                let options = spec_lockstep::compat::pair::Options {
                    base,
                    revision,
                    format,
                    fail_on,
                    config,
                };
                let dir = std::env::current_dir().unwrap_or_default();
                verdict(spec_lockstep::compat::pair::check(
                    &dir,
                    &options,
                    &mut stdout,
                ))
            }
            // clap requires both without --rules.
            _ => EXIT_GENERATOR_FAILED,
        },
        Task::RoundTrip {
            documents,
            runtime_path,
            work,
        } => {
            let found = documents.iter().try_fold(Vec::new(), |mut found, path| {
                if path.is_dir() {
                    let dir = path.canonicalize()?;
                    let inside = spec_lockstep::corpus::documents(&dir)?;
                    found.extend(inside.into_iter().map(|d| (dir.clone(), d)));
                } else {
                    let document = path
                        .canonicalize()
                        .map_err(|e| anyhow::anyhow!("cannot find {}: {e}", path.display()))?;
                    let dir = document.parent().map(PathBuf::from).unwrap_or_default();
                    found.push((dir, document));
                }
                anyhow::Ok(found)
            });
            verdict(found.and_then(|found| {
                let runtime = runtime_path.map(|p| p.canonicalize()).transpose()?;
                spec_lockstep::corpus::run_documents(
                    &found,
                    &[],
                    runtime.as_deref(),
                    &work,
                    &mut stdout,
                )
            }))
        }
    };
    ExitCode::from(code as u8)
}

/// Lints each document; 1 when any has a finding (a warning too).
fn lint(documents: &[PathBuf], out: &mut dyn Write) -> i32 {
    let mut findings = 0;
    for document in documents {
        let text = match std::fs::read_to_string(document) {
            Ok(text) => text,
            Err(e) => return fail(anyhow::anyhow!("cannot read {}: {e}", document.display())),
        };
        let found = spec_lockstep::lint::lint_text(document, &text);
        let name = spec_lockstep::codegen::slash_path(document);
        for finding in &found {
            let label = if finding.is_error() {
                "Error"
            } else {
                "Warning"
            };
            let _ = writeln!(out, "{label:>12} {name}#{finding}");
        }
        if found.is_empty() {
            let _ = writeln!(out, "{:>12} {name}", "Clean");
        }
        findings += found.len();
    }
    if findings > 0 {
        eprintln!("error: {findings} finding(s) in the OpenAPI document(s)");
        EXIT_STALE
    } else {
        EXIT_OK
    }
}

fn fail(e: anyhow::Error) -> i32 {
    eprintln!("error: {e:#}");
    EXIT_GENERATOR_FAILED
}
