// Secrets the app reads through Key Vault references: the bootstrap admin key, the encryption key, the incident
// surface's token-signing key and, when given, the Slack bot token. The two keys are written only when given (the first
// deploy): rewriting them could lose every encrypted value. Soft delete keeps a deleted vault's name taken for 90 days:
// `azd down --purge` frees it for the next `azd up`.
param name string
param location string
param tags object
param principalId string
@secure()
param bootstrapAdminApiKey string
@secure()
param encryptionKey string
@description('Whether encryptionKey was given; empty keeps the secret already in the vault.')
param storeEncryptionKey bool
@secure()
param tokenSigningKey string
@description('Whether tokenSigningKey was given; empty keeps the secret already in the vault.')
param storeTokenSigningKey bool
@description('Whether bootstrapAdminApiKey was given; a separate flag keeps the secret out of every output expression.')
param storeBootstrapAdminApiKey bool
@secure()
param slackBotToken string
@description('Whether slackBotToken was given (the same reason as storeBootstrapAdminApiKey).')
param storeSlackBotToken bool

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // read secrets through app-setting references

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
  }
}

resource bootstrapKey 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeBootstrapAdminApiKey) {
  parent: vault
  name: 'bootstrap-admin-api-key'
  properties: { value: bootstrapAdminApiKey }
}

resource encryption 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeEncryptionKey) {
  parent: vault
  name: 'encryption-key'
  properties: { value: encryptionKey }
}

resource tokenSigning 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeTokenSigningKey) {
  parent: vault
  name: 'incident-token-signing-key'
  properties: { value: tokenSigningKey }
}

resource slackToken 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeSlackBotToken) {
  parent: vault
  name: 'slack-bot-token'
  properties: { value: slackBotToken }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

output bootstrapAdminApiKeyReference string = !storeBootstrapAdminApiKey ? '' : '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=bootstrap-admin-api-key)'
output name string = vault.name
output encryptionKeyReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=encryption-key)'
output tokenSigningKeyReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=incident-token-signing-key)'
output slackBotTokenReference string = !storeSlackBotToken ? '' : '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=slack-bot-token)'
