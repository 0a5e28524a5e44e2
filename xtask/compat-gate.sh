#!/bin/sh
# The breaking-change gate on a document, for any CI (the README's "Gate your
# document in CI" as a plain script). Run it in the git repository that holds
# the document:
#
#   compat-gate.sh BASE_REV DOCUMENT [SUMMARY]
#
# BASE_REV is the revision deployed clients were built against (the pull
# request's base, `origin/main`), DOCUMENT the document's path in the
# repository. It writes the markdown report to SUMMARY (default: compat.md)
# and exits as `xtask compat` does: 0 passes, 1 breaking findings, 2 a
# revision or the document cannot be read. XTASK names the generator's xtask
# (default: `xtask` on PATH; `cargo install --locked --path xtask` puts it there).
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BASE_REV DOCUMENT [SUMMARY]" >&2
    exit 2
fi
base_rev=$1
document=$2
summary=${3:-compat.md}
xtask=${XTASK:-xtask}

"$xtask" compat --base "$base_rev:$document" --revision "$document" --format markdown >"$summary"
status=$?
if [ "$status" -ge 2 ]; then
    exit "$status"
fi
"$xtask" compat --base "$base_rev:$document" --revision "$document"
