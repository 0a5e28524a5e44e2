//! Every help text of `xtask`, snapshot-tested: what API owners read must
//! stay true to what the binary does, so a changed flag shows in review.
//! A mismatch fails with both texts; to accept it, run
//! `EXPECTORATE=overwrite cargo test -p xtask --test help` and commit
//! `tests/snapshots/help-*.txt`.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_xtask");

/// `xtask [SUBCOMMAND] --help`, as printed.
fn help(subcommand: Option<&str>) -> String {
    let output = Command::new(BIN)
        .args(subcommand)
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(output.status.success(), "{subcommand:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands the main help lists (`help` aside).
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

#[test]
fn every_help_text_matches_its_snapshot() {
    let main = help(None);
    let names = subcommands(&main);
    assert!(!names.is_empty(), "no subcommands in:\n{main}");
    let mut texts = vec![("main".to_string(), main.clone())];
    for name in names {
        let text = help(Some(&name));
        texts.push((name, text));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
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
        "help texts changed; check them, then run EXPECTORATE=overwrite cargo test -p xtask --test help:\n{}",
        stale.join("\n")
    );
}
