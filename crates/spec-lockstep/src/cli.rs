//! What the generator's two fronts — the `spec-lockstep` command and this
//! workspace's `cargo xtask` — do alike once their arguments are parsed:
//! where the runtime comes from, and how an outcome becomes an exit code
//! and a message.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::files::{Mode, Summary};
use crate::standalone::RuntimeSource;
use crate::{EXIT_GENERATOR_FAILED, EXIT_OK, EXIT_STALE};

/// Where the generated server's runtime comes from, as `--runtime-path`,
/// `--runtime-git` and `--runtime-rev` say (a registry without them).
pub fn runtime_source(
    path: Option<PathBuf>,
    git: Option<String>,
    rev: Option<String>,
) -> RuntimeSource {
    match (path, git) {
        (Some(path), _) => RuntimeSource::Path(path),
        (None, Some(url)) => RuntimeSource::Git { url, rev },
        (None, None) => RuntimeSource::Registry,
    }
}

/// The exit code of a `codegen` run in `mode` (`command` names it in the
/// error): 1 when `--check` found drift, 2 when the generator could not run.
pub fn codegen_exit(
    result: Result<Summary>,
    mode: Mode,
    command: &str,
    out: &mut dyn Write,
) -> i32 {
    match result {
        Ok(summary) if mode == Mode::Check && !summary.is_fresh() => EXIT_STALE,
        Ok(_) => EXIT_OK,
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {command} could not generate the code: {e:#}");
            EXIT_GENERATOR_FAILED
        }
    }
}

/// The exit code of an `init` run (`command` names it in the error).
pub fn init_exit(result: Result<()>, command: &str, out: &mut dyn Write) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {command} could not write the workspace: {e:#}");
            EXIT_GENERATOR_FAILED
        }
    }
}

/// A check: 0 when it passed, 1 when it found something, 2 when it could
/// not run.
pub fn verdict(result: Result<bool>) -> i32 {
    match result {
        Ok(true) => EXIT_OK,
        Ok(false) => EXIT_STALE,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_GENERATOR_FAILED
        }
    }
}
