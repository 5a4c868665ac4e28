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
  /** The requester's identity where it has no `requester` (an NCC rule's id): another one, another approval. */
  readonly requestedBy?: pulumi.Input<string>;
}

export interface ApprovalInputs {
  targetId: string;
  apiVersion: string;
  match: ConnectionMatch;
  description: string;
  requester?: { id: string; apiVersion: string };
  requestedBy?: string;
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
 * deletes it (it is the requester's: removing the rule or managed endpoint removes it). A new requester (or
 * target) is a new approval; a connection rejected by hand stays rejected until then (no `read`: refresh
 * would hold only the last update's expired token).
 */
export class PrivateEndpointApproval extends pulumi.dynamic.Resource {
  /** Name of the approved connection. */
  public readonly connectionName!: pulumi.Output<string>;
  /** Its status once approved: `Approved`. */
  public readonly status!: pulumi.Output<string>;

  constructor(name: string, args: PrivateEndpointApprovalArgs, opts?: pulumi.CustomResourceOptions) {
    // An ARM token of the identity the stack deploys with (Pulumi Deployments' OIDC sign-in), kept as a secret
    // input (never an output). An Entra token lasts 60-90 minutes and a first update reaches the approval
    // late (workspace, CMK, Grafana): it is fetched once everything the approval waits for exists, its
    // `dependsOn` and every resource its inputs come from (an Output in `dependsOn` brings its resources).
    const inputsExist = pulumi.output(args).apply((): pulumi.Resource[] => []);
    // The SDK walks nested arrays and Outputs of resources (`gatherExplicitDependencies`).
    const waitsFor = [inputsExist, opts?.dependsOn ?? []] as unknown as pulumi.Input<pulumi.Resource>[];
    const token = pulumi.secret(
      authorization.getClientTokenOutput(
        {},
        { parent: opts?.parent, provider: opts?.provider, dependsOn: waitsFor },
      ).token,
    );
    // The azure-native provider (another subscription's) serves the token; the resource is the dynamic one's.
    const { provider: _azure, ...resourceOpts } = opts ?? {};
    super(
      approvalProvider,
      name,
      { ...args, token, connectionName: undefined, status: undefined },
      { ...resourceOpts, additionalSecretOutputs: ["token"] },
    );
  }
}

/** The dynamic provider; self-contained (it is serialized into the state): global `fetch` only. */
export const approvalProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: ApprovalInputs, news: ApprovalInputs) {
    // The token changes every run; another target, connection or requester is another approval.
    const replaces = ["targetId", "match", "requester", "requestedBy"].filter(
      (key) =>
        JSON.stringify(olds[key as keyof ApprovalInputs]) !==
        JSON.stringify(news[key as keyof ApprovalInputs]),
    );
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(inputs: ApprovalInputs) {
    const ARM = "https://management.azure.com";
    const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const delayOf = (headers: Headers, fallback: number) => {
      const after = Number(headers.get("Retry-After") ?? NaN);
      return Number.isFinite(after) && after >= 0 ? Math.min(after, 60) : fallback;
    };
    // One ARM call: retries throttling and server errors (Retry-After), parses a body only when there is one
    // (a long-running PUT answers 202 with none). The token goes to ARM only, never to another host.
    const call = async (method: string, url: string, body?: unknown) => {
      if (!url.startsWith(`${ARM}/`)) throw new Error(`${method} ${url}: not an ARM address`);
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(url, {
          method,
          headers: { Authorization: `Bearer ${inputs.token}`, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if ((response.status === 429 || response.status >= 500) && attempt < 5) {
          await sleep(delayOf(response.headers, 5 * attempt));
          continue;
        }
        if (!response.ok) {
          const hint =
            response.status === 401
              ? " (the deploying identity's ARM token was refused: run the update again)"
              : "";
          throw new Error(`${method} ${url.slice(ARM.length)}: ${response.status} ${text}${hint}`);
        }
        return {
          status: response.status,
          headers: response.headers,
          body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        };
      }
    };
    const arm = async (method: string, path: string, apiVersion: string, body?: unknown) =>
      (await call(method, `${ARM}${path}?api-version=${apiVersion}`, body)).body;
    // The list is pageable (`nextLink`): a hub's scope shared by many spokes has many connections.
    const list = async () => {
      const connections: Connection[] = [];
      let next: unknown = `${ARM}${inputs.targetId}/privateEndpointConnections?api-version=${inputs.apiVersion}`;
      for (let page = 1; typeof next === "string" && next && page <= 50; page++) {
        const { body } = await call("GET", next);
        connections.push(...((body.value ?? []) as Connection[]));
        next = body.nextLink;
      }
      return connections;
    };
    const matches = (c: Connection) => {
      const endpoint = c.properties?.privateEndpoint?.id ?? "";
      const description = c.properties?.privateLinkServiceConnectionState?.description ?? "";
      return (
        (inputs.match.endpointName === undefined ||
          endpoint.toLowerCase().endsWith(`/${inputs.match.endpointName.toLowerCase()}`)) &&
        (inputs.match.descriptions === undefined || inputs.match.descriptions.includes(description))
      );
    };
    // The token is an input only, never an output (the state keeps it as an encrypted secret input).
    const { token: _token, ...kept } = inputs;
    const done = (connection: Connection) => ({
      id: connection.id,
      outs: { ...kept, connectionName: connection.name, status: "Approved" },
    });
    for (let attempt = 1; attempt <= 20; attempt++) {
      if (inputs.requester) {
        const requester = await arm("GET", inputs.requester.id, inputs.requester.apiVersion);
        const state = (requester.properties as { connectionState?: { status?: string } } | undefined)
          ?.connectionState?.status;
        if (state === "Approved") {
          return {
            id: `${inputs.requester.id}#approved`,
            outs: { ...kept, connectionName: "", status: state },
          };
        }
      }
      const found = (await list()).filter(matches);
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
        const put = await call("PUT", `${ARM}${connection.id}?api-version=${inputs.apiVersion}`, {
          properties: {
            privateLinkServiceConnectionState: { status: "Approved", description: inputs.description },
          },
        });
        // A long-running PUT (Azure Monitor's scope: 202, no body) is followed to its end through
        // Azure-AsyncOperation (a status) or Location (202 until done), about 5 minutes at most.
        const operation = put.headers.get("Azure-AsyncOperation") ?? put.headers.get("Location");
        if ((put.status === 201 || put.status === 202) && operation) {
          let delay = delayOf(put.headers, 10);
          for (let poll = 1; poll <= 30; poll++) {
            await sleep(delay);
            const current = await call("GET", operation);
            const status = String(current.body.status ?? "");
            if (status === "Failed" || status === "Canceled") {
              throw new Error(
                `${connection.id}: the approval ${status}: ${JSON.stringify(current.body.error ?? {})}`,
              );
            }
            if (current.status !== 202 && !["InProgress", "Accepted", "Updating"].includes(status)) break;
            delay = delayOf(current.headers, 10);
          }
        }
        // Then read until the state says so.
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
