//! What the generator's tests share: the checkout, and crates of it as a
//! registry serves them.

// Each test file uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The checkout the generator is developed in (two folders above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `packages` of this checkout as a registry serves them: packed by
/// `cargo package` (offline, as the working tree has them) and unpacked
/// under `dir/registry`; each package's folder by its name.
pub fn registry_copies(dir: &Path, packages: &[&str]) -> BTreeMap<String, PathBuf> {
    let packed = dir.join("packages");
    let mut package = Command::new(env!("CARGO"));
    package.args([
        "package",
        "--quiet",
        "--offline",
        "--no-verify",
        "--allow-dirty",
    ]);
    for name in packages {
        package.args(["-p", name]);
    }
    let package = package
        .arg("--target-dir")
        .arg(&packed)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        package.status.success(),
        "cargo package: {}",
        String::from_utf8_lossy(&package.stderr)
    );
    let registry = dir.join("registry");
    std::fs::create_dir_all(&registry).unwrap();
    let mut copies = BTreeMap::new();
    for entry in std::fs::read_dir(packed.join("package")).unwrap() {
        let archive = entry.unwrap().path();
        let Some(stem) = archive
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
        else {
            continue;
        };
        let unpacked = Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&registry)
            .status()
            .unwrap();
        assert!(unpacked.success(), "tar {}", archive.display());
        let name = stem.rsplit_once('-').unwrap().0;
        copies.insert(name.to_string(), registry.join(stem));
    }
    for name in packages {
        assert!(copies.contains_key(*name), "cargo package packed no {name}");
    }
    copies
}

/// A `[patch.crates-io]` table that takes `names` from `copies`.
pub fn patch(copies: &BTreeMap<String, PathBuf>, names: &[&str]) -> String {
    let mut patch = String::from("[patch.crates-io]\n");
    for name in names {
        patch.push_str(&format!(
            "{name} = {{ path = {} }}\n",
            toml::Value::String(copies[*name].to_string_lossy().into_owned())
        ));
    }
    patch
}
