// Flex Consumption (FC1) with the `custom` runtime: the Functions host starts our executable as a custom handler.
// No FUNCTIONS_WORKER_RUNTIME, and no plain AzureWebJobsStorage setting: an empty one breaks identity-based storage.
param environmentName string
param resourceToken string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param instanceMemoryMB int
param maximumInstanceCount int
param bootstrapAdminEmail string
param bootstrapAdminApiKeyReference string
param encryptionKeyReference string
param tokenSigningKeyReference string
param slackApiBaseUrl string
param slackBotTokenReference string

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${environmentName}-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: 'func-${environmentName}-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    // Flex Consumption rejects most siteConfig properties (ftpsState among them: "site configuration properties … for
    // Flex Consumption sites is invalid"); InfraTests keeps this to the ones it accepts.
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { instanceMemoryMB: instanceMemoryMB, maximumInstanceCount: maximumInstanceCount }
      runtime: { name: 'custom', version: '1.0' }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union({
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    ENCRYPTION_KEY: encryptionKeyReference
    INCIDENT_TOKEN_SIGNING_KEY: tokenSigningKeyReference
    // Every absolute link (Location headers, e-mailed links) starts here, never at a request's Host.
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
  }, empty(bootstrapAdminApiKeyReference) ? {} : {
    BOOTSTRAP_ADMIN_EMAIL: bootstrapAdminEmail
    BOOTSTRAP_ADMIN_API_KEY: bootstrapAdminApiKeyReference
  }, empty(slackApiBaseUrl) ? {} : {
    SLACK_API_BASE_URL: slackApiBaseUrl
  }, empty(slackBotTokenReference) ? {} : {
    SLACK_BOT_TOKEN: slackBotTokenReference
  })
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
