//! The generator as a team gets it: packed by `cargo package` as a registry
//! serves it, installed with `cargo install` offline into a folder of its
//! own, and run where nothing of this checkout is around — `--version`,
//! `codegen` and the build of what it writes, the drift check (and what it
//! says about files another version wrote), `lint` and `compat`.

use std::path::{Path, PathBuf};
use std::process::Command;

use spec_lockstep::corpus::throwaway_cargo;

/// The checkout the generator is developed in (two folders above this crate).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `program args…` in `dir`: exit code and everything it printed.
fn run(program: &Path, args: &[&str], dir: &Path) -> (i32, String) {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn the_packaged_generator_installs_offline_and_works_without_a_checkout() {
    let root = workspace_root();
    let temp = tempfile::tempdir().unwrap();
    let temp = temp.path();

    // The three crates a registry would serve: the generator, the runtime
    // its servers name, and the vocabulary both depend on.
    let packages = temp.join("packages");
    let package = Command::new(env!("CARGO"))
        .args([
            "package",
            "--quiet",
            "--offline",
            "--no-verify",
            "--allow-dirty",
            "-p",
            "ev-energy-spec-vocab",
            "-p",
            "ev-energy-runtime",
            "-p",
            "spec-lockstep",
            "--target-dir",
        ])
        .arg(&packages)
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        package.status.success(),
        "cargo package: {}",
        String::from_utf8_lossy(&package.stderr)
    );
    let registry = temp.join("registry");
    std::fs::create_dir_all(&registry).unwrap();
    let mut patch = String::from("[patch.crates-io]\n");
    let mut generator = None;
    let mut vocab = None;
    for entry in std::fs::read_dir(packages.join("package")).unwrap() {
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
        if name == "spec-lockstep" {
            generator = Some(registry.join(stem));
        } else {
            if name == "ev-energy-spec-vocab" {
                vocab = Some(registry.join(stem));
            }
            patch.push_str(&format!(
                "{name} = {{ path = {} }}\n",
                toml::Value::String(registry.join(stem).to_string_lossy().into_owned())
            ));
        }
    }
    let generator = generator.expect("cargo package packed spec-lockstep");
    // The package is what a registry serves: sources and pins, no fixture of this checkout.
    assert!(generator.join("pins").join("dependencies.toml").is_file());
    assert!(!generator.join("tests").exists());

    // The team's folder: no registry has the runtime offline, so a patch
    // (as a team whose registry lacks it would write) is all it knows of it.
    let team = temp.join("team");
    std::fs::create_dir_all(team.join(".cargo")).unwrap();
    std::fs::write(team.join(".cargo").join("config.toml"), &patch).unwrap();

    // Installed from the package, offline, with the lock it carries. Its
    // one dependency of ours comes from the unpacked package too: `cargo
    // install --path` reads the configuration in that folder (and no other
    // but cargo's home). One target folder under ours for every run, so
    // its dependencies build once.
    let vocab = vocab.expect("cargo package packed ev-energy-spec-vocab");
    std::fs::create_dir_all(generator.join(".cargo")).unwrap();
    std::fs::write(
        generator.join(".cargo").join("config.toml"),
        format!(
            "[patch.crates-io]\nev-energy-spec-vocab = {{ path = {} }}\n",
            toml::Value::String(vocab.to_string_lossy().into_owned())
        ),
    )
    .unwrap();
    let tool = temp.join("tool");
    let install = throwaway_cargo(&root.join("target").join("installed"))
        .args([
            "install",
            "--quiet",
            "--offline",
            "--locked",
            "--debug",
            "--path",
        ])
        .arg(&generator)
        .arg("--root")
        .arg(&tool)
        .current_dir(&team)
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "cargo install: {}",
        String::from_utf8_lossy(&install.stderr)
    );
    let exe = tool.join("bin").join("spec-lockstep");
    let version = env!("CARGO_PKG_VERSION");

    let (code, printed) = run(&exe, &["--version"], &team);
    assert_eq!(
        (code, printed.trim()),
        (0, format!("spec-lockstep {version}").as_str())
    );

    // codegen, in a folder beside nothing of this checkout.
    std::fs::create_dir_all(team.join("api")).unwrap();
    std::fs::copy(
        root.join("xtask/fixtures/lockers/lockers.yaml"),
        team.join("api").join("lockers.yaml"),
    )
    .unwrap();
    let generate = [
        "codegen",
        "--document",
        "api/lockers.yaml",
        "--out",
        "api/generated",
    ];
    let (code, report) = run(&exe, &generate, &team);
    assert_eq!(code, 0, "{report}");
    let out = team.join("api").join("generated");
    let types = out.join("lockers-types").join("src").join("generated.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "// @generated by spec-lockstep {version} from ../lockers.yaml."
        )) && first.contains("run `spec-lockstep codegen --document ../lockers.yaml --out .`"),
        "{first}"
    );
    // The versions it wrote are the ones it carries, and the lock it seeded builds offline.
    let server = std::fs::read_to_string(out.join("lockers-server").join("Cargo.toml")).unwrap();
    let runtime = spec_lockstep::pins::pinned().runtime_version();
    assert!(
        server.contains(&format!("\nev-energy-runtime = \"{runtime}\"\n")),
        "{server}"
    );
    let check = throwaway_cargo(&root.join("target").join("standalone"))
        .args(["check", "--quiet", "--offline", "--workspace"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "cargo check: {}",
        String::from_utf8_lossy(&check.stderr)
    );

    // The drift check: fresh; then a file another version wrote, edited.
    let check = [
        "codegen",
        "--check",
        "--document",
        "api/lockers.yaml",
        "--out",
        "api/generated",
    ];
    let (code, report) = run(&exe, &check, &team);
    assert_eq!(code, 0, "{report}");
    let older = text
        .replacen(
            &format!("spec-lockstep {version} "),
            "spec-lockstep 0.0.9 ",
            1,
        )
        .replace("pub struct", "pub  struct");
    std::fs::write(&types, older).unwrap();
    let (code, report) = run(&exe, &check, &team);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains(&format!(
            "generated by spec-lockstep 0.0.9, and this is spec-lockstep {version}"
        )) && report.contains("cargo install --locked spec-lockstep --version 0.0.9"),
        "{report}"
    );
    let (code, report) = run(&exe, &generate, &team);
    assert_eq!(code, 0, "{report}");
    assert_eq!(std::fs::read_to_string(&types).unwrap(), text);

    // lint, and the gate between two revisions.
    let (code, report) = run(&exe, &["lint", "api/lockers.yaml"], &team);
    assert_eq!(code, 0, "{report}");
    let document = std::fs::read_to_string(team.join("api").join("lockers.yaml")).unwrap();
    let narrowed: serde_yaml::Value = {
        let mut value: serde_yaml::Value = serde_yaml::from_str(&document).unwrap();
        let paths = value["paths"].as_mapping_mut().unwrap();
        let first = paths.keys().next().unwrap().clone();
        paths.remove(&first);
        value
    };
    std::fs::write(
        team.join("api").join("next.yaml"),
        serde_yaml::to_string(&narrowed).unwrap(),
    )
    .unwrap();
    let (code, report) = run(
        &exe,
        &[
            "compat",
            "--base",
            "api/lockers.yaml",
            "--revision",
            "api/next.yaml",
        ],
        &team,
    );
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("operation-removed"), "{report}");
}
