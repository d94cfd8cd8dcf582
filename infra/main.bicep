// The Function App and what it needs: Flex Consumption with the custom-handler runtime, identity-only storage, a
// user-assigned identity with its roles, Application Insights and Key Vault. Plain resources only: registry modules
// need a network to restore.
// Deploy with `azd up` (azure.yaml: its hooks make the keys once, then publish and zip-deploy the app).
// infra/main.parameters.json is for azd only: its ${AZURE_ENV_NAME}-style placeholders are azd's, and az CLI would pass
// them through literally. With az CLI, name the parameters yourself (README, "Deploy to Azure").
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(20)
@description('Name of the environment (dev, prod, ...); part of every resource name.')
param environmentName string

// The regions that offer Flex Consumption (`az functionapp list-flexconsumption-locations` is the authority; extend
// this list when Microsoft adds one): a region without it fails the deploy half-way, after other resources exist.
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
param location string

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Email of the first tenant admin, ensured at every start; empty for none.')
param bootstrapAdminEmail string = ''

@secure()
@description('API key of the first tenant admin (at least 32 characters); stored in Key Vault.')
param bootstrapAdminApiKey string = ''

@secure()
@description('Key that encrypts credentials and secrets at rest: 32 random bytes, base64 (openssl rand -base64 32). Given on the first deploy only: empty keeps the one in Key Vault, and a deploy never replaces it.')
param encryptionKey string = ''

@secure()
@description('Key that signs the incident surface\'s access tokens: 32 random bytes, base64. Like encryptionKey, given once; empty keeps the one in Key Vault.')
param tokenSigningKey string = ''

@description('The Slack Web API the communication cards call; empty for Slack\'s own (https://slack.com/api).')
param slackApiBaseUrl string = ''

@secure()
@description('The Slack bot token (xoxb-…) the communication cards use; empty leaves Slack unconfigured. Stored in Key Vault.')
param slackBotToken string = ''

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-${environmentName}-${resourceToken}'
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${take(resourceToken, 20)}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${take(resourceToken, 7)}'
    principalId: identity.properties.principalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    environmentName: environmentName
    resourceToken: resourceToken
    location: location
    tags: tags
    principalId: identity.properties.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${take(resourceToken, 18)}'
    location: location
    tags: tags
    principalId: identity.properties.principalId
    bootstrapAdminApiKey: bootstrapAdminApiKey
    storeBootstrapAdminApiKey: !empty(bootstrapAdminApiKey)
    encryptionKey: encryptionKey
    storeEncryptionKey: !empty(encryptionKey)
    tokenSigningKey: tokenSigningKey
    storeTokenSigningKey: !empty(tokenSigningKey)
    slackBotToken: slackBotToken
    storeSlackBotToken: !empty(slackBotToken)
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    environmentName: environmentName
    resourceToken: resourceToken
    location: location
    tags: tags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    bootstrapAdminEmail: bootstrapAdminEmail
    bootstrapAdminApiKeyReference: vault.outputs.bootstrapAdminApiKeyReference
    encryptionKeyReference: vault.outputs.encryptionKeyReference
    tokenSigningKeyReference: vault.outputs.tokenSigningKeyReference
    slackApiBaseUrl: slackApiBaseUrl
    slackBotTokenReference: vault.outputs.slackBotTokenReference
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
