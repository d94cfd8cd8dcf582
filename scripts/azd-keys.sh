#!/usr/bin/env sh
# azd's preprovision hook: the keys the app encrypts and signs with are made once and never replaced. A key the vault
# already holds is passed as empty, which infra/ reads as "keep the vault's"; only a key the vault lacks is made (or
# taken from this azd environment) and sent. Replacing ENCRYPTION_KEY would make every stored credential unreadable.
set -eu
vault=""
if [ -n "${AZURE_RESOURCE_GROUP:-}" ]; then
  vault=$(az keyvault list -g "$AZURE_RESOURCE_GROUP" --query "[0].name" -o tsv 2>/dev/null || true)
fi
for pair in ENCRYPTION_KEY:encryption-key INCIDENT_TOKEN_SIGNING_KEY:incident-token-signing-key; do
  name=${pair%%:*} secret=${pair#*:}
  if [ -n "$vault" ] && az keyvault secret show --vault-name "$vault" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    azd env set "$name" ""
    echo "azd-keys: $name is kept in Key Vault $vault"
  elif [ -z "$(azd env get-value "$name" 2>/dev/null || true)" ]; then
    azd env set "$name" "$(openssl rand -base64 32)"
    echo "azd-keys: made $name for this environment (stored in Key Vault on provision)"
  fi
done
