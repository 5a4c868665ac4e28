import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/** Which pending connection on the target is the one to approve. */
export interface ConnectionMatch {
  /** The connection's private endpoint has this name (an NCC rule's `endpointName`). */
  readonly endpointName?: string;
  /** The connection's description is one of these (a managed private endpoint's unique request message). */
  readonly descriptions?: readonly string[];
}

export interface PrivateEndpointApprovalArgs {
  /** Resource id of the target (a storage account, an Azure Monitor Private Link Scope). */
  readonly targetId: pulumi.Input<string>;
  /** ARM API version of the target's `privateEndpointConnections`. */
  readonly apiVersion: string;
  readonly match: pulumi.Input<{
    endpointName?: pulumi.Input<string>;
    descriptions?: pulumi.Input<pulumi.Input<string>[]>;
  }>;
  /** The approval's text on the connection. */
  readonly description: pulumi.Input<string>;
  /**
   * A requester-side resource (a managed private endpoint) whose `properties.connectionState.status` is
   * `Approved` once anybody approved the connection, with its API version: then nothing is left to do.
   */
  readonly requester?: pulumi.Input<{ id: pulumi.Input<string>; apiVersion: string }>;
}

export interface ApprovalInputs {
  targetId: string;
  apiVersion: string;
  match: ConnectionMatch;
  description: string;
  requester?: { id: string; apiVersion: string };
  token: string;
}

interface Connection {
  id: string;
  name: string;
  properties?: {
    privateEndpoint?: { id?: string };
    privateLinkServiceConnectionState?: { status?: string; description?: string };
  };
}

/**
 * Approves a private endpoint connection that a requester outside the stack opens on one of its resources
 * (Databricks for an NCC rule, Managed Grafana for a managed private endpoint), as the resource's owner does
 * in the portal: a PUT of the connection's state. Not an azure-native `PrivateEndpointConnection`: the
 * provider's create first GETs the connection and refuses one that exists ("cannot create already existing
 * resource"), and a pending connection exists by construction. Runs at `up` only (a preview never waits or
 * fails here): waits about 15 minutes for the connection to appear, leaves an approved one alone, and never
 * deletes it (it is the requester's: removing the rule or managed endpoint removes it).
 */
export class PrivateEndpointApproval extends pulumi.dynamic.Resource {
  /** Name of the approved connection. */
  public readonly connectionName!: pulumi.Output<string>;
  /** Its status once approved: `Approved`. */
  public readonly status!: pulumi.Output<string>;

  constructor(name: string, args: PrivateEndpointApprovalArgs, opts?: pulumi.CustomResourceOptions) {
    // An ARM token of the identity the stack deploys with (Pulumi Deployments' OIDC sign-in), kept as a secret.
    const token = pulumi.secret(
      authorization.getClientTokenOutput({}, { parent: opts?.parent, provider: opts?.provider }).token,
    );
    // The azure-native provider (another subscription's) serves the token; the resource is the dynamic one's.
    const { provider: _azure, ...resourceOpts } = opts ?? {};
    super(
      approvalProvider,
      name,
      { ...args, token, connectionName: undefined, status: undefined },
      resourceOpts,
    );
  }
}

/** The dynamic provider; self-contained (it is serialized into the state): global `fetch` only. */
export const approvalProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: ApprovalInputs, news: ApprovalInputs) {
    // The token changes every run; only another target or another connection means another approval.
    const replaces = ["targetId", "match"].filter(
      (key) =>
        JSON.stringify(olds[key as keyof ApprovalInputs]) !==
        JSON.stringify(news[key as keyof ApprovalInputs]),
    );
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(inputs: ApprovalInputs) {
    const arm = async (method: string, path: string, apiVersion: string, body?: unknown) => {
      const response = await fetch(`https://management.azure.com${path}?api-version=${apiVersion}`, {
        method,
        headers: { Authorization: `Bearer ${inputs.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) {
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      }
      return response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>);
    };
    const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const matches = (c: Connection) => {
      const endpoint = c.properties?.privateEndpoint?.id ?? "";
      const description = c.properties?.privateLinkServiceConnectionState?.description ?? "";
      return (
        (inputs.match.endpointName === undefined ||
          endpoint.toLowerCase().endsWith(`/${inputs.match.endpointName.toLowerCase()}`)) &&
        (inputs.match.descriptions === undefined || inputs.match.descriptions.includes(description))
      );
    };
    const done = (connection: Connection) => ({
      id: connection.id,
      outs: { ...inputs, connectionName: connection.name, status: "Approved" },
    });
    for (let attempt = 1; attempt <= 20; attempt++) {
      if (inputs.requester) {
        const requester = await arm("GET", inputs.requester.id, inputs.requester.apiVersion);
        const state = (requester.properties as { connectionState?: { status?: string } } | undefined)
          ?.connectionState?.status;
        if (state === "Approved") {
          return {
            id: `${inputs.requester.id}#approved`,
            outs: { ...inputs, connectionName: "", status: state },
          };
        }
      }
      const list = await arm("GET", `${inputs.targetId}/privateEndpointConnections`, inputs.apiVersion);
      const found = ((list.value ?? []) as Connection[]).filter(matches);
      if (found.length > 1) {
        throw new Error(
          `${inputs.targetId}: ${found.length} private endpoint connections match ${JSON.stringify(inputs.match)}; approve the right one by hand`,
        );
      }
      const connection = found[0];
      if (connection?.properties?.privateLinkServiceConnectionState?.status === "Approved") {
        return done(connection);
      }
      if (connection) {
        await arm("PUT", connection.id, inputs.apiVersion, {
          properties: {
            privateLinkServiceConnectionState: { status: "Approved", description: inputs.description },
          },
        });
        // Some services approve asynchronously (202): read until the state says so.
        for (let read = 1; read <= 30; read++) {
          const current = (await arm("GET", connection.id, inputs.apiVersion)) as unknown as Connection;
          if (current.properties?.privateLinkServiceConnectionState?.status === "Approved")
            return done(current);
          await sleep(10);
        }
        throw new Error(`${connection.id}: approved, but its state did not turn Approved within 5 minutes`);
      }
      await sleep(Math.min(60, 5 * attempt));
    }
    throw new Error(
      `${inputs.targetId}: no private endpoint connection matching ${JSON.stringify(inputs.match)} after about 15 minutes; run the update again once the requester has created it`,
    );
  },
  // The connection is the requester's: deleting the approval leaves it as it is.
  async delete() {},
};
