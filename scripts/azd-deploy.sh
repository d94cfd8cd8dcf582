#!/usr/bin/env sh
# azd's postprovision hook: builds the package and deploys it the way Flex Consumption accepts (OneDeploy through
# `config-zip`; `az functionapp deploy` and remote builds are refused there), then checks the running app.
# Reads infra/main.bicep's outputs, which azd puts in the environment: AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME,
# SERVICE_API_URI; and the bootstrap admin (BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_API_KEY) for the smoke test.
set -eu
cd "$(dirname "$0")/.."
./scripts/publish.sh
az functionapp deployment source config-zip -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" --src out/app.zip
if [ -n "${BOOTSTRAP_ADMIN_API_KEY:-}" ]; then
  ./scripts/smoke.sh "$SERVICE_API_URI"
else
  echo "azd-deploy: no BOOTSTRAP_ADMIN_API_KEY in this environment, so no smoke test; run scripts/smoke.sh with a key."
fi
