#!/usr/bin/env bash
# Builds the deployable zip: host.json and the function folders at its root, and the self-contained linux-x64 handler
# under bin/ (host.json's defaultExecutablePath). Built here on Linux so the zip keeps Unix modes: the Functions host
# registers no functions from a package whose files it cannot read.
# Deploy: az functionapp deployment source config-zip -g <rg> -n <app> --src out/app.zip
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/app
rm -rf out
mkdir -p "$out"
dotnet publish functions/Serverless.Functions -c Release -r linux-x64 --self-contained true --nologo -v quiet -o "$out/bin"
cp host.json "$out/"
cp -r functions/metadata/. "$out/"
chmod 0755 "$out/bin/Serverless.Functions"
(cd "$out" && zip -qr ../app.zip .)
echo "publish: wrote out/app.zip"
