//! `cargo xtask docs [--check]`: the browsable API reference of every
//! document, and a check of it in a real browser.
//!
//! The reference is rendered by Redocly's CLI (`build-docs`, Redoc 3),
//! pinned in `xtask/docs/package-lock.json` and installed with `npm ci`
//! into `xtask/docs/node_modules`. Each document becomes one
//! self-contained HTML file under `target/docs/` (`--inlineBundle`: the
//! scripts are in the page, nothing comes from a CDN; telemetry off), which
//! people can open offline; the reference service serves its own embedded
//! page at `/v2/docs` (Redoc's bundle vendored, see
//! `crates/dispatcher-logs-service/assets/redoc/`).
//!
//! `--check` then starts the reference service, opens `/v2/docs` in
//! headless Chromium (Debian's, driven by playwright-core), and asserts
//! that the operation, every parameter, every field of the success body
//! and every declared response status are visible, and that the page
//! fetched nothing from another host but Redoc's logo (which falls back to
//! text offline). The screenshot stays in `target/docs/` for people to
//! look at.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::codegen::slash_path;
use crate::model::{Model, ValueKind};
use crate::spec::Document;

/// Where the renderer and the browser driver are installed.
const TOOLS: &str = "xtask/docs";
/// The one outside request the page may make: Redoc's logo.
const ALLOWED_EXTERNAL: &str = "https://cdn.redoc.ly/redoc/logo-mini-full.svg";

/// The HTML file of a document's reference: `target/docs/<stem>.html`.
pub fn output_for(root: &Path, document: &Path) -> PathBuf {
    let stem = document
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "api".into());
    root.join("target/docs").join(format!("{stem}.html"))
}

fn install(root: &Path) -> Result<PathBuf> {
    let tools = root.join(TOOLS);
    let redocly = tools.join("node_modules/.bin/redocly");
    let driver = tools.join("node_modules/playwright-core/package.json");
    if !redocly.exists() || !driver.exists() {
        crate::ci::npm_ci(root, TOOLS, "the API reference (Redocly's CLI)")?;
    }
    Ok(redocly)
}

/// Builds the reference of every workspace document; returns the files.
pub fn build(root: &Path, out: &mut dyn std::io::Write) -> Result<Vec<PathBuf>> {
    let redocly = install(root)?;
    let mut built = Vec::new();
    for api in crate::workspace::apis() {
        let document = Document::load(root, &api.document)?;
        let html = output_for(root, &api.document);
        std::fs::create_dir_all(html.parent().unwrap_or(root))?;
        let output = Command::new(&redocly)
            .arg("build-docs")
            .arg(root.join(&api.document))
            .args(["--inlineBundle", "--lint-config", "off", "--title"])
            .arg(format!("{} — API reference", document.api.info.title))
            .arg("-o")
            .arg(&html)
            // The page would otherwise report readers' visits to Redocly.
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .stdin(Stdio::null())
            .output()
            .context("cannot run Redocly's CLI")?;
        if !output.status.success() {
            bail!(
                "redocly build-docs failed for {}: {}",
                slash_path(&api.document),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        writeln!(
            out,
            "{:>12} {} -> {}",
            "Built",
            slash_path(&api.document),
            html.strip_prefix(root).unwrap_or(&html).display()
        )?;
        built.push(html);
    }
    Ok(built)
}

/// What a reader must be able to see of `operation_id`: its summary, every
/// parameter, every property of its success body (array items followed),
/// and every declared status.
fn expected_texts(model: &Model, operation_id: &str) -> Result<Vec<String>> {
    let operation = model
        .operation(operation_id)
        .with_context(|| format!("no operation `{operation_id}`"))?;
    let mut texts = Vec::new();
    texts.extend(operation.summary.clone());
    texts.extend(operation.parameters.iter().map(|p| p.name.clone()));
    for response in &operation.responses {
        texts.push(response.status.to_string());
    }
    for media in operation.successes().flat_map(|r| &r.content) {
        let Some(schema) = &media.schema else {
            continue;
        };
        let mut written = schema.written.clone();
        if matches!(schema.value, ValueKind::Array(_)) {
            if let Some(openapiv3::SchemaKind::Type(openapiv3::Type::Array(array))) =
                model.resolve_schema(&written).map(|s| &s.schema_kind)
            {
                if let Some(items) = &array.items {
                    written = match items {
                        openapiv3::ReferenceOr::Reference { reference } => {
                            openapiv3::ReferenceOr::Reference {
                                reference: reference.clone(),
                            }
                        }
                        openapiv3::ReferenceOr::Item(item) => {
                            openapiv3::ReferenceOr::Item((**item).clone())
                        }
                    };
                }
            }
        }
        if let Some(openapiv3::SchemaKind::Type(openapiv3::Type::Object(object))) =
            model.resolve_schema(&written).map(|s| &s.schema_kind)
        {
            texts.extend(object.properties.keys().cloned());
        }
    }
    Ok(texts)
}

/// Where the service keeps its copy of Redoc's bundle.
pub const VENDORED_REDOC: &str = "crates/dispatcher-logs-service/assets/redoc/redoc.standalone.js";
/// Redoc's bundle in the pinned `@redocly/cli`.
const PINNED_REDOC: &str = "node_modules/@redocly/cli/lib/chunks/redoc.standalone.js";

/// The service's embedded Redoc bundle must be the pinned CLI's, so the
/// page it serves is the renderer this workspace tests.
fn check_vendored_bundle(root: &Path) -> Result<()> {
    install(root)?;
    let pinned = root.join(TOOLS).join(PINNED_REDOC);
    let pinned =
        std::fs::read(&pinned).with_context(|| format!("cannot read {}", pinned.display()))?;
    let vendored = std::fs::read(root.join(VENDORED_REDOC))
        .with_context(|| format!("cannot read {VENDORED_REDOC}"))?;
    if pinned != vendored {
        bail!(
            "{VENDORED_REDOC} is not the Redoc bundle of the @redocly/cli pinned in {TOOLS}: copy \
             {TOOLS}/{PINNED_REDOC} over it"
        );
    }
    Ok(())
}

/// Serves the reference with the reference service and checks it in
/// headless Chromium.
pub fn check(root: &Path, out: &mut dyn std::io::Write) -> Result<()> {
    check_vendored_bundle(root)?;
    let html = output_for(root, Path::new(crate::conformance::DOCUMENT));
    std::fs::create_dir_all(html.parent().unwrap_or(root))?;
    let document = Document::load(root, Path::new(crate::conformance::DOCUMENT))?;
    let (model, _) = crate::model::load(&document);
    let service = crate::conformance::build_service(root)?;
    let mut child = Command::new(&service)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dev-secret",
            "--database",
            ":memory:",
        ])
        // No --docs: the embedded page is what every copy of the binary serves.
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the reference service")?;
    let result = (|| -> Result<()> {
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("the service did not start: {line:?}"))?
            .to_string();
        let url = format!("{base}/docs");
        let screenshot = html.with_extension("png");
        let mut texts = Vec::new();
        for operation in &model.operations {
            texts.extend(expected_texts(&model, &operation.id)?);
        }
        let output = Command::new("node")
            .arg(root.join(TOOLS).join("check.mjs"))
            .arg(&url)
            .arg(&screenshot)
            .args(&texts)
            .output()
            .context("cannot run node (the browser check needs Node.js and Debian's chromium)")?;
        let report = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || report.trim().is_empty() {
            // Say what node said; a JSON parse error of its empty output
            // would only hide it.
            bail!(
                "the browser check failed to run ({}): {}{}",
                output.status,
                report.trim(),
                stderr.trim()
            );
        }
        let parsed: serde_json::Value = serde_json::from_str(report.trim()).map_err(|e| {
            anyhow::anyhow!("the browser check printed no JSON report ({e}): {report}{stderr}")
        })?;
        let missing: Vec<&str> = parsed["missing"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let external: Vec<&str> = parsed["external"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .filter(|u| *u != ALLOWED_EXTERNAL)
            .collect();
        if !missing.is_empty() {
            bail!(
                "{url} in Chromium does not show: {} (screenshot: {})",
                missing.join(", "),
                screenshot.display()
            );
        }
        if !external.is_empty() {
            bail!(
                "{url} fetched from other hosts, which an offline deployment cannot: {}",
                external.join(", ")
            );
        }
        writeln!(
            out,
            "{:>12} {url} in headless Chromium shows all {} expected texts and fetched nothing from elsewhere; screenshot {}",
            "Checked",
            texts.len(),
            screenshot.strip_prefix(root).unwrap_or(&screenshot).display()
        )?;
        Ok(())
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_must_see_every_parameter_field_and_status() {
        let root = crate::workspace_root();
        let document = Document::load(&root, Path::new(crate::conformance::DOCUMENT)).unwrap();
        let (model, _) = crate::model::load(&document);
        let texts = expected_texts(&model, "list_dispatcher_logs").unwrap();
        for text in [
            "List dispatcher logs",
            "charging_sub_session_id",
            "expand",
            "logged_at__gte",
            "logged_at__lte",
            "EvEnergy-Version",
            "logged_at",
            "charging_sub_session",
            "schedule_valid_period_start",
            "schedule_created_at",
            "internal_command_id",
            "device_type",
            "reason_not_sent",
            "200",
            "400",
            "401",
            "403",
            "406",
            "429",
            "503",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} in {texts:?}");
        }
    }
}
