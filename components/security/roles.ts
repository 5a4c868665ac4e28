import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/** Built-in Azure role definitions the platform assigns (ids are the same in every tenant). */
export const AZURE_ROLES = {
  keyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  eventGridEventSubscriptionContributor: "428e0ff0-5e57-4d9c-a221-2c70d0e0a443",
  monitoringReader: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
  eventHubsDataReceiver: "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  grafanaAdmin: "22926164-76b3-42b3-bc55-97df8dab3e41",
} as const;

export type AzureRole = keyof typeof AZURE_ROLES;

export interface RoleGrant {
  /** Object id of the identity that receives the role. */
  readonly principalId: pulumi.Input<string>;
  readonly principalType: pulumi.Input<"ServicePrincipal" | "Group" | "User">;
  readonly role: AzureRole;
  /** Resource id the role is scoped to: the narrowest that works (a key, not the vault). */
  readonly scope: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
}

/** Assigns a built-in role on a scope; the one way components grant Azure RBAC. */
export function assignRole(
  name: string,
  grant: RoleGrant,
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      principalId: grant.principalId,
      principalType: grant.principalType,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${grant.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLES[grant.role]}`,
      scope: grant.scope,
    },
    opts,
  );
}
