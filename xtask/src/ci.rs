//! `cargo xtask ci`: every check CI runs, in order, stopping at the first
//! failure.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// One CI step: a name and the command it runs.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    /// Environment variables the step sets.
    env: &'static [(&'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step {
        name: "format",
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        name: "lint the OpenAPI document",
        args: &["xtask", "lint"],
        env: &[],
    },
    Step {
        name: "drift check",
        args: &["xtask", "codegen", "--check"],
        env: &[],
    },
    Step {
        name: "compatibility with the released document",
        args: &["xtask", "compat"],
        env: &[],
    },
    Step {
        name: "clippy",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        name: "tests",
        args: &["test", "--workspace", "--locked"],
        env: &[],
    },
    Step {
        name: "the generator on real documents: generate, build and round-trip ../shared/corpus and the feature fixtures",
        args: &["xtask", "corpus"],
        env: &[],
    },
    Step {
        name: "the generator on a sample of the public OpenAPI directory: generate 150, build 5 and the listed ones (the full run: `cargo xtask corpus --wide`, docs/corpus-wide.md)",
        // The running (unoptimised) xtask generates, so CI builds no second
        // profile; the sample and the built documents are the same on every
        // run (fixed seeds). Unoptimised, a multi-megabyte document takes
        // several times the optimised generator's 60 s budget (the full
        // run's): the sample gets 300 s a document. The sample is sized so
        // that the whole of CI stays near 30 minutes on two cores (it took
        // 40 with 300 and 10).
        args: &[
            "xtask", "corpus", "--wide", "--sample", "150", "--build", "5", "--timeout", "300",
        ],
        env: &[],
    },
    Step {
        name: "API docs of every crate, warnings denied",
        args: &["doc", "--no-deps", "--workspace", "--locked"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
    Step {
        name: "package the crates for a registry (types, client, the runtime, server)",
        args: &[
            "package",
            "--locked",
            "-p",
            "ev-energy-types",
            "-p",
            "ev-energy-client",
            "-p",
            "ev-energy-spec-vocab",
            "-p",
            "ev-energy-runtime",
            "-p",
            "ev-energy-server",
        ],
        env: &[],
    },
    Step {
        name: "conformance (Spectral, schemathesis, Python client)",
        args: &["xtask", "conformance"],
        env: &[],
    },
    Step {
        name: "the API reference, checked in headless Chromium",
        args: &["xtask", "docs", "--check"],
        env: &[],
    },
];

/// `npm ci --prefix DIR` of a folder of pinned outside tools (its
/// `package.json` and lock), for `why` (named in the error).
pub fn npm_ci(root: &Path, dir: &str, why: &str) -> Result<()> {
    let status = Command::new("npm")
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(root.join(dir))
        .status()
        .with_context(|| format!("cannot run npm ({why} needs Node.js and npm)"))?;
    if !status.success() {
        bail!("`npm ci --prefix {dir}` failed ({status}): {why} needs it");
    }
    Ok(())
}

/// Runs `cargo <args>` in `root`; `what` names it in the error.
fn cargo(root: &Path, args: &[&str], what: &str) -> Result<()> {
    cargo_with(root, args, &[], what)
}

/// Runs `cargo <args>` in `root` with `env` set.
fn cargo_with(root: &Path, args: &[&str], env: &[(&str, &str)], what: &str) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run cargo for {what}"))?;
    if !status.success() {
        bail!(
            "{what} failed ({status}); rerun it with `{}cargo {}`",
            env.iter()
                .map(|(k, v)| format!("{k}=\"{v}\" "))
                .collect::<String>(),
            args.join(" ")
        );
    }
    Ok(())
}

/// A tool outside Rust that a CI step needs.
struct Tool {
    /// What it is called in messages.
    name: &'static str,
    /// The steps that need it.
    needed_by: &'static str,
    /// Whether it is there.
    found: fn() -> bool,
    /// The Debian/Ubuntu packages that install it.
    packages: &'static [&'static str],
}

/// Whether `program args…` runs and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Chromium the browser check launches (`CHROMIUM`, else Debian's).
pub fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "Java (openapi-generator's jar)",
        needed_by: "conformance",
        found: || runs("java", &["-version"]),
        packages: &["default-jre-headless"],
    },
    Tool {
        name: "python3 with venv",
        needed_by: "conformance",
        found: || runs("python3", &["-m", "venv", "--help"]),
        packages: &["python3-venv"],
    },
    Tool {
        name: "Node.js and npm",
        needed_by: "the public OpenAPI directory's sample, conformance, the API reference",
        found: || runs("node", &["--version"]) && runs("npm", &["--version"]),
        packages: &["nodejs", "npm"],
    },
    Tool {
        name: "Chromium (set CHROMIUM to use another build)",
        needed_by: "the API reference",
        found: || std::path::Path::new(&chromium()).is_file(),
        packages: &["chromium"],
    },
];

/// The Rust toolchain components the first steps need.
const COMPONENTS: &[(&str, &[&str])] = &[("rustfmt", &["fmt"]), ("clippy", &["clippy"])];

/// `sudo ` where installing needs it: not when running as root.
fn as_root() -> &'static str {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.trim_ascii() == b"0");
    if root {
        ""
    } else {
        "sudo "
    }
}

/// The apt command that installs `packages`, with `prefix` (`sudo ` or nothing).
fn apt_install(prefix: &str, packages: &[&str]) -> String {
    format!("{prefix}apt-get install -y {}", packages.join(" "))
}

/// What is missing: the toolchain components without which `cargo fmt`
/// or `cargo clippy` do not run, and the outside tools.
fn missing() -> (Vec<&'static str>, Vec<&'static Tool>) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let components = COMPONENTS
        .iter()
        .filter(|(_, args)| !runs(&cargo, &[args[0], "--version"]))
        .map(|(name, _)| *name)
        .collect();
    let tools = TOOLS.iter().filter(|tool| !(tool.found)()).collect();
    (components, tools)
}

/// Each missing component and tool, with the steps that need it and
/// its install command (`prefix` before a command that needs root).
fn describe_missing(components: &[&str], tools: &[&Tool], prefix: &str) -> Vec<String> {
    components
        .iter()
        .map(|c| format!("the toolchain's {c}: install it with `rustup component add {c}`"))
        .chain(tools.iter().map(|tool| {
            format!(
                "{} (for {}): install it with `{}`",
                tool.name,
                tool.needed_by,
                apt_install(prefix, tool.packages)
            )
        }))
        .collect()
}

/// The outside tools that are missing, each with the steps that need it
/// and its install command: checked before the first step, so a missing
/// tool is named at once, not after ten minutes of other steps.
pub fn missing_tools() -> Vec<String> {
    let (components, tools) = missing();
    describe_missing(&components, &tools, as_root())
}

/// Runs `program args…`, failing with `what` and the command line.
fn run_command(program: &str, args: &[&str], what: &str) -> Result<()> {
    eprintln!("{:>12} {program} {}", "Running", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .with_context(|| format!("cannot run `{program}` to {what}"))?;
    if !status.success() {
        bail!(
            "`{program} {}` failed ({status}): cannot {what}",
            args.join(" ")
        );
    }
    Ok(())
}

/// `cargo xtask ci --install`: installs what is missing — the toolchain's
/// rustfmt and clippy with rustup, the outside tools with apt-get (through
/// `sudo` when not root) — after saying what and why, then checks again.
fn install_missing() -> Result<()> {
    let (components, tools) = missing();
    if components.is_empty() && tools.is_empty() {
        return Ok(());
    }
    let prefix = as_root();
    eprintln!(
        "{:>12} what the CI steps need and this machine lacks:\n  {}",
        "Installing",
        describe_missing(&components, &tools, prefix).join("\n  ")
    );
    if !components.is_empty() {
        let mut args = vec!["component", "add"];
        args.extend(components.iter().copied());
        run_command("rustup", &args, "add the toolchain's components")?;
    }
    if !tools.is_empty() {
        let packages: Vec<&str> = tools
            .iter()
            .flat_map(|t| t.packages.iter().copied())
            .collect();
        let (program, mut args) = if prefix.is_empty() {
            ("apt-get", Vec::new())
        } else {
            ("sudo", vec!["apt-get"])
        };
        let mut update = args.clone();
        update.extend(["update", "-qq"]);
        run_command(program, &update, "read Debian's package lists")?;
        args.extend(["install", "-y", "-qq"]);
        args.extend(packages.iter().copied());
        run_command(program, &args, "install the outside tools")?;
    }
    let still = missing_tools();
    if !still.is_empty() {
        bail!("installed, yet still missing:\n  {}", still.join("\n  "));
    }
    Ok(())
}

/// Runs every step with `cargo` in `root`, after checking that the
/// outside tools the last steps need are there — or, with `install`,
/// installing those that are not.
pub fn run(root: &Path, install: bool) -> Result<()> {
    if install {
        install_missing()?;
    }
    let missing = missing_tools();
    if !missing.is_empty() {
        bail!(
            "cargo xtask ci needs tools that are not installed; nothing was run:\n  {}\n\
             `cargo xtask ci --install` installs them (apt-get, through sudo when not root), \
             then runs every step.",
            missing.join("\n  ")
        );
    }
    for (i, step) in STEPS.iter().enumerate() {
        eprintln!(
            "{:>12} [{}/{}] {}: {}cargo {}",
            "Running",
            i + 1,
            STEPS.len(),
            step.name,
            step.env
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\" "))
                .collect::<String>(),
            step.args.join(" ")
        );
        cargo_with(
            root,
            step.args,
            step.env,
            &format!("CI step `{}`", step.name),
        )?;
    }
    eprintln!("{:>12} all {} CI steps passed", "Finished", STEPS.len());
    Ok(())
}

/// `cargo xtask demo`: builds and runs `dispatcher-logs-service demo`.
pub fn demo(root: &Path, logs: u64) -> Result<()> {
    let logs = logs.to_string();
    let args = [
        "run",
        "--quiet",
        "--package",
        "dispatcher-logs-service",
        "--",
        "demo",
        "--logs",
        &logs,
    ];
    cargo(root, &args, "the demo")
}

/// `cargo xtask bench` / `cargo xtask load`: runs the release-built `perf` tool.
pub fn perf(root: &Path, task: &str, args: &[String]) -> Result<()> {
    let mut all = vec![
        "run",
        "--quiet",
        "--release",
        "--package",
        "benchmarks",
        "--bin",
        "perf",
        "--",
        task,
    ];
    all.extend(args.iter().map(String::as_str));
    cargo(root, &all, &format!("`perf {task}`"))
}

#[cfg(test)]
mod install_tests {
    use super::*;

    #[test]
    fn each_missing_tool_is_named_with_the_steps_that_need_it_and_its_install_command() {
        let chromium = TOOLS.iter().find(|t| t.packages == ["chromium"]).unwrap();
        let lines = describe_missing(&["clippy"], &[chromium], "sudo ");
        assert_eq!(
            lines,
            [
                "the toolchain's clippy: install it with `rustup component add clippy`",
                "Chromium (set CHROMIUM to use another build) (for the API reference): install \
                 it with `sudo apt-get install -y chromium`",
            ]
        );
        // As root, no sudo.
        assert_eq!(
            apt_install("", &["nodejs", "npm"]),
            "apt-get install -y nodejs npm"
        );
    }
}
