#!/usr/bin/env bash
# Builds web/dist when a source file is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=dist/index.html
if [[ -f $stamp ]] && [[ -z $(find src index.html package.json package-lock.json tsconfig.json vite.config.ts public -newer "$stamp" 2>/dev/null | head -1) ]]; then
  exit 0
fi
npm run build --silent
