#!/usr/bin/env bash
# Browser tests: Debian's chromium, driven by playwright-core, and Debian's
# ffmpeg where Playwright looks for its own build, to record videos of runs.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt chromium ffmpeg
rev="$(node -p "require('$repo_root/node_modules/playwright-core/browsers.json').browsers.find(b => b.name === 'ffmpeg').revision")"
mkdir -p "$HOME/.cache/ms-playwright/ffmpeg-$rev"
ln -sf /usr/bin/ffmpeg "$HOME/.cache/ms-playwright/ffmpeg-$rev/ffmpeg-linux"
