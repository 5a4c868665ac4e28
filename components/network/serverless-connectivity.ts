import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import * as databricks from "@pulumi/databricks";
import { PrivateEndpointApproval } from "./private-endpoint-approval";

/** The storage API version azure-native 3.28 uses for private endpoint connections. */
const STORAGE_API_VERSION = "2024-01-01";

/** A storage account serverless compute must reach privately, in the stack's resource group. */
export interface ServerlessTarget {
  readonly account: storage.StorageAccount;
}

export interface ServerlessConnectivityArgs {
  /** The account-level provider (NCC rules are account-level objects). */
  readonly accountProvider: databricks.Provider;
  /** The account stack's network connectivity configuration this stack's workspace is bound to. */
  readonly networkConnectivityConfigId: pulumi.Input<string>;
  /** Storage accounts serverless compute reads and writes (the lake), each through dfs and blob. */
  readonly targets: Record<string, ServerlessTarget>;
}

/** Sub-resources serverless compute uses on ADLS Gen2: dfs for Unity Catalog paths, blob for the rest. */
export const SERVERLESS_STORAGE_GROUPS = ["dfs", "blob"] as const;

/**
 * Private connectivity from serverless compute (Learn, "Configure private connectivity to Azure resources"):
 * a private endpoint rule of the account's connectivity configuration per target and sub-resource, which
 * Databricks turns into a private endpoint in its serverless network, and the approval of that endpoint's
 * connection on the storage account (the pending connection whose private endpoint is the rule's
 * `endpointName`, approved as the SRA's self-approving module does).
 *
 * The workspace storage account (DBFS root) gets no rule, by choice: with its storage firewall on
 * (`defaultStorageFirewall`), binding the workspace to the configuration adds the serverless network rules
 * to it (Learn, "Configure a firewall for serverless compute access": "When an NCC is attached to a
 * workspace, the network rules are automatically added to the Azure storage account for the workspace
 * storage account"). That holds while Databricks keeps the account on selected networks, not disabled. The
 * SRA and the provider docs (mws_ncc_private_endpoint_rule: "to connect to workspace root storage ... two
 * endpoints, one for blob and one for dfs") add rules instead, at two more of the region's private endpoints.
 */
export class ServerlessConnectivity extends pulumi.ComponentResource {
  public readonly rules: databricks.MwsNccPrivateEndpointRule[] = [];
  public readonly approvals: PrivateEndpointApproval[] = [];

  constructor(name: string, args: ServerlessConnectivityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:network:ServerlessConnectivity", name, {}, opts);
    for (const [target, { account }] of Object.entries(args.targets)) {
      for (const groupId of SERVERLESS_STORAGE_GROUPS) {
        const rule = new databricks.MwsNccPrivateEndpointRule(
          `${name}-${target}-${groupId}`,
          { networkConnectivityConfigId: args.networkConnectivityConfigId, resourceId: account.id, groupId },
          { parent: this, provider: args.accountProvider },
        );
        this.rules.push(rule);
        // Databricks provisions the rule's endpoint asynchronously (CREATING, then PENDING); the approval
        // waits for its connection on the account, the one from the rule's `endpointName`.
        this.approvals.push(
          new PrivateEndpointApproval(
            `${name}-${target}-${groupId}-approval`,
            {
              targetId: account.id,
              apiVersion: STORAGE_API_VERSION,
              match: { endpointName: rule.endpointName },
              // A replaced rule opens a new connection: a new approval (a new rule id, or `replaceWith`).
              requestedBy: rule.ruleId,
              description:
                "Serverless compute of the stack's Databricks workspace (NCC private endpoint rule)",
            },
            { parent: this, replaceWith: [rule] },
          ),
        );
      }
    }
    this.registerOutputs({});
  }
}
