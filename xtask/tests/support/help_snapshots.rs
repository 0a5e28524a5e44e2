//! Snapshot tests of a binary's help texts, shared by the workspace's
//! binaries (`#[path]`-included by each crate's `tests/help.rs`): what
//! people read must stay true to what the binary does, so a changed flag
//! shows in review. A mismatch fails with the new texts; to accept it, run
//! the test with `EXPECTORATE=overwrite` and commit `tests/snapshots/help-*.txt`.

use std::path::Path;
use std::process::Command;

/// `bin [SUBCOMMAND] --help`, as printed.
fn help(bin: &str, subcommand: Option<&str>) -> String {
    let output = Command::new(bin)
        .args(subcommand)
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(output.status.success(), "{subcommand:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands a main help lists (`help` aside).
fn subcommands(main: &str) -> Vec<String> {
    main.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Checks the main help and every subcommand's help of `bin` against
/// `<manifest_dir>/tests/snapshots/help-<name>.txt`; `rerun` is the
/// command that accepts new texts.
pub fn check(bin: &str, manifest_dir: &str, rerun: &str) {
    let main = help(bin, None);
    let names = subcommands(&main);
    assert!(!names.is_empty(), "no subcommands in:\n{main}");
    let mut texts = vec![("main".to_string(), main.clone())];
    for name in names {
        let text = help(bin, Some(&name));
        texts.push((name, text));
    }
    let dir = Path::new(manifest_dir).join("tests/snapshots");
    let overwrite = std::env::var("EXPECTORATE").as_deref() == Ok("overwrite");
    let mut stale = Vec::new();
    for (name, text) in &texts {
        let path = dir.join(format!("help-{name}.txt"));
        if overwrite {
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!("--- {} should be:\n{text}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "help texts changed; check them, then run {rerun}:\n{}",
        stale.join("\n")
    );
}
