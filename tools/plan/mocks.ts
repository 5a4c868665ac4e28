import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** Clearly fake ids of the tenant and subscription the offline plan pretends to deploy to. */
export const FAKE_TENANT_ID = "00000000-0000-0000-0000-00000000aaaa";
export const FAKE_SUBSCRIPTION_ID = "00000000-0000-0000-0000-00000000bbbb";

const INVOKES: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "azure-native:authorization:getClientConfig": () => ({
    clientId: "00000000-0000-0000-0000-00000000cccc",
    objectId: "00000000-0000-0000-0000-00000000dddd",
    subscriptionId: FAKE_SUBSCRIPTION_ID,
    tenantId: FAKE_TENANT_ID,
  }),
  // An Entra access token for the endpoint asked (Managed Grafana's data plane): clearly fake.
  "azure-native:authorization:getClientToken": (inputs) => ({
    token: `offline-plan-token-for-${String(inputs.endpoint ?? "arm")}`,
  }),
  // The identity the workspace provider signs in as: the deployer, a service principal.
  "databricks:index/getCurrentUser:getCurrentUser": () => ({
    id: "1000000000000001",
    userName: "00000000-0000-0000-0000-00000000cccc",
    aclPrincipalId: "servicePrincipals/00000000-0000-0000-0000-00000000cccc",
    home: "/Users/00000000-0000-0000-0000-00000000cccc",
  }),
  // A Log Analytics workspace outside the stack (the deployer pools' central workspace), by name.
  "azure-native:operationalinsights:getWorkspace": (inputs) => ({
    name: inputs.workspaceName,
    customerId: fakeGuid(`${String(inputs.workspaceName)}/customer`),
  }),
  // The region's metastore, as the account-level provider finds it.
  "databricks:index/getMetastore:getMetastore": (inputs) => {
    const metastoreId = fakeGuid(`metastore/${String(inputs.region)}`);
    return {
      id: metastoreId,
      metastoreId,
      name: `metastore-${String(inputs.region)}`,
      region: inputs.region,
    };
  },
};

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The Azure name of an azure-native resource: its `<type>Name` input (vaultName, resourceGroupName, ...). */
function azureName(type: string, name: string, inputs: Record<string, unknown>): string {
  const typeName = type.split(":").pop() ?? "";
  const candidate = [
    `${lowerFirst(typeName)}Name`,
    "accountName",
    "connectorName",
    "resourceName",
    "workspaceName",
    "name",
    "scopeName",
  ]
    .map((key) => inputs[key])
    .find((value) => typeof value === "string");
  return typeof candidate === "string" ? candidate : name;
}

/** A stable, clearly fake GUID for an identity the provider would create. */
function fakeGuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `00000000-0000-4000-8000-${hex.slice(0, 12)}`;
}

const identity = (seed: string) => ({ principalId: fakeGuid(`${seed}/principal`), tenantId: FAKE_TENANT_ID });

/** Outputs the provider computes that components read back. */
function computedOutputs(
  type: string,
  azName: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (type) {
    case "azure-native:keyvault:Vault":
      return {
        properties: { ...(inputs.properties as object), vaultUri: `https://${azName}.vault.azure.net/` },
      };
    case "azure-native:operationalinsights:Workspace":
      return { customerId: fakeGuid(`${azName}/customer`) };
    case "azure-native:keyvault:Key": {
      const uri = `https://${String(inputs.vaultName)}.vault.azure.net/keys/${azName}`;
      return { keyUri: uri, keyUriWithVersion: `${uri}/0123456789abcdef0123456789abcdef` };
    }
    case "azure-native:managedidentity:UserAssignedIdentity":
      return { ...identity(azName), clientId: fakeGuid(`${azName}/client`) };
    case "azure-native:databricks:Workspace":
      return {
        workspaceId: "1234567890123456",
        workspaceUrl: "adb-1234567890123456.7.azuredatabricks.net",
        managedDiskIdentity: { ...identity(`${azName}/disks`), type: "SystemAssigned" },
        storageAccountIdentity: { ...identity(`${azName}/dbfs`), type: "SystemAssigned" },
      };
    case "azure-native:dashboard:Grafana":
      return {
        identity: { ...identity(azName), type: "SystemAssigned" },
        // Azure appends a random suffix and the region's short code to the workspace name.
        properties: {
          ...(inputs.properties as object),
          endpoint: `https://${azName}-a1b2c3d4e5f6g7h8.weu.grafana.azure.com`,
        },
      };
    case "azure-native:databricks:AccessConnector":
      return { identity: { ...identity(azName), type: "SystemAssigned" } };
    case "azure-native:storage:StorageAccount":
      return {
        primaryEndpoints: {
          dfs: `https://${azName}.dfs.core.windows.net/`,
          blob: `https://${azName}.blob.core.windows.net/`,
        },
      };
    default:
      return {};
  }
}

/** Calls of each data source (invoke) since the plan started, for its report. */
const reads = new Map<string, number>();

/** The data sources the program read, in the order it first read them, with their number of calls. */
export function dataSourceReads(): { token: string; calls: number }[] {
  return [...reads].map(([token, calls]) => ({ token, calls }));
}

/** The `result` of a mocked `random.RandomString` named `name` in incarnation `seed` (lowercase hex). */
export function mockRandomString(seed: string, name: string, length: number): string {
  return createHash("sha256").update(`${seed}/${name}`).digest("hex").slice(0, length);
}

/** What the plan pretends about the world outside the program. */
export interface PlanMockOptions {
  /** Seed of every random value: another seed is another incarnation of the stack. Default: "1". */
  readonly incarnation?: string;
  /**
   * Outputs of a stack a `pulumi.StackReference` reads, by fully qualified name (`org/project/stack`);
   * undefined for a stack the plan does not know, which fails loudly.
   */
  readonly stackOutputs?: (name: string) => Record<string, unknown> | undefined;
}

/**
 * Mocks that stand in for the engine and the providers: every resource echoes its inputs, with an Azure-like
 * id and the few computed outputs the program reads; stack references read the outputs they are given. An
 * invoke without a mock fails loudly, so a new data lookup cannot silently return nothing.
 */
export function createPlanMocks(options: PlanMockOptions = {}): pulumi.runtime.Mocks {
  const incarnation = options.incarnation ?? "1";
  return {
    newResource(args) {
      if (args.type === "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule") {
        const ruleId = fakeGuid(`ncc-rule/${args.name}`);
        const endpointName = `databricks-${String(args.inputs.networkConnectivityConfigId)}-pe-${ruleId.slice(-8)}`;
        return { id: ruleId, state: { ...args.inputs, ruleId, endpointName, connectionState: "PENDING" } };
      }
      if (args.type === "pulumi:pulumi:StackReference") {
        const name = String(args.inputs.name);
        const outputs = options.stackOutputs?.(name);
        if (outputs === undefined) {
          throw new Error(`offline plan: no outputs for the stack reference ${name}`);
        }
        return { id: name, state: { name, outputs, secretOutputNames: [] } };
      }
      if (args.type === "random:index/randomString:RandomString") {
        const length = Number(args.inputs.length);
        const result = createHash("sha256")
          .update(`${incarnation}/${args.name}`)
          .digest("hex")
          .slice(0, length);
        return { id: `${args.name}-id`, state: { ...args.inputs, result } };
      }
      if (args.type === "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig") {
        const id = fakeGuid(`ncc/${args.name}`);
        return { id: `account/${id}`, state: { ...args.inputs, networkConnectivityConfigId: id } };
      }
      if (args.type === "pulumiservice:index:AgentPool") {
        // Pulumi Cloud returns the pool's id and its token (once, at creation).
        const id = fakeGuid(`agent-pool/${args.name}`);
        return {
          id: `${String(args.inputs.organizationName)}/${id}`,
          state: { ...args.inputs, agentPoolId: id, tokenValue: "pul-offline-plan-agent-pool-token" },
        };
      }
      if (args.type === "databricks:index/budgetPolicy:BudgetPolicy") {
        const id = fakeGuid(`budget-policy/${args.name}`);
        return { id, state: { ...args.inputs, policyId: id } };
      }
      return planMocks.newResource(args);
    },
    call: (args) => planMocks.call(args),
  };
}

/**
 * Mocks that stand in for the engine and the providers: every resource echoes its inputs, with an Azure-like
 * id and the few computed outputs the program reads. An invoke without a mock fails loudly, so a new data
 * lookup cannot silently return nothing.
 */
export const planMocks: pulumi.runtime.Mocks = {
  newResource(args) {
    if (!args.custom) {
      return { id: undefined, state: {} };
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
      return { id: `${args.name}-id`, state: { ...args.inputs, result: "offline-plan-random-value" } };
    }
    if (args.type === "databricks:index/job:Job") {
      // Job ids are numbers (run-job tasks refer to them as such).
      return {
        id: String(parseInt(createHash("sha256").update(args.name).digest("hex").slice(0, 8), 16)),
        state: args.inputs,
      };
    }
    if (!args.type.startsWith("azure-native:")) {
      return { id: `${args.name}-id`, state: args.inputs };
    }
    const azName = azureName(args.type, args.name, args.inputs);
    const group = typeof args.inputs.resourceGroupName === "string" ? args.inputs.resourceGroupName : azName;
    const scope = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${group}`;
    const id =
      args.type === "azure-native:resources:ResourceGroup"
        ? scope
        : `${scope}/providers/${args.type}/${azName}`;
    return {
      id,
      state: { ...args.inputs, ...computedOutputs(args.type, azName, args.inputs), name: azName, id },
    };
  },
  call(args) {
    const invoke = INVOKES[args.token];
    if (!invoke) {
      throw new Error(`offline plan: no mock for invoke ${args.token}; add one to tools/plan/mocks.ts`);
    }
    reads.set(args.token, (reads.get(args.token) ?? 0) + 1);
    return invoke(args.inputs);
  },
};
