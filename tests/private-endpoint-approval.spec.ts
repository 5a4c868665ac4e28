// PrivateEndpointApproval's provider against a fake ARM: what it GETs and PUTs for each state of the
// requester's connection (pure: no plan, no network).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ApprovalInputs, approvalProvider } from "../components/network/private-endpoint-approval";

const LAKE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stlake";
const connection = (name: string, endpoint: string, status: string, description = "") => ({
  id: `${LAKE}/privateEndpointConnections/${name}`,
  name,
  properties: {
    privateEndpoint: {
      id: `/subscriptions/ncc/resourceGroups/ncc/providers/Microsoft.Network/privateEndpoints/${endpoint}`,
    },
    privateLinkServiceConnectionState: { status, description },
  },
});

/** How the fake ARM answers: a long-running PUT (202, no body, approved once its operation is read), pages. */
interface FakeArm {
  readonly longRunning?: boolean;
  readonly pageSize?: number;
  /** Statuses answered, in turn, before the real answer to each call (429, 500). */
  readonly throttle?: number[];
}

const OPERATION = "/subscriptions/s/providers/Microsoft.Insights/locations/global/operationStatuses/op1";

/** Runs `create` against connections on the lake (and a requester status); returns the ARM calls and result. */
async function approve(
  connections: ReturnType<typeof connection>[],
  match: ApprovalInputs["match"],
  requesterStatus?: string,
  arm: FakeArm = {},
) {
  const calls: string[] = [];
  const state = new Map(connections.map((c) => [c.id, c]));
  const throttle = [...(arm.throttle ?? [])];
  let approving: (typeof connections)[number] | undefined;
  const original = globalThis.fetch;
  globalThis.fetch = (async (
    url: string,
    init: { method: string; body?: string; headers: Record<string, string> },
  ) => {
    const path = url.replace("https://management.azure.com", "");
    calls.push(`${init.method} ${path} (${init.headers.Authorization})`);
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    const next = throttle.shift();
    if (next) return new Response("", { status: next, headers: { "Retry-After": "0" } });
    const [resource, query] = path.split("?");
    if (resource === "/requester")
      return json({ properties: { connectionState: { status: requesterStatus } } });
    if (resource === OPERATION) {
      approving!.properties.privateLinkServiceConnectionState.status = "Approved";
      return json({ status: "Succeeded" });
    }
    if (resource.endsWith("/privateEndpointConnections")) {
      const all = [...state.values()];
      const page = Number(/page=(\d+)/.exec(query)?.[1] ?? 0);
      const size = arm.pageSize ?? all.length;
      const more = (page + 1) * size < all.length;
      return json({
        value: all.slice(page * size, (page + 1) * size),
        ...(more ? { nextLink: `https://management.azure.com${resource}?${query}&page=${page + 1}` } : {}),
      });
    }
    const current = state.get(resource)!;
    if (init.method === "PUT") {
      const put = JSON.parse(init.body!) as { properties: typeof current.properties };
      const { status, description } = put.properties.privateLinkServiceConnectionState;
      if (arm.longRunning) {
        // Azure Monitor's scope: 202 Accepted, no body; the state changes once the operation is done.
        approving = current;
        current.properties.privateLinkServiceConnectionState.description = description;
        return new Response(null, {
          status: 202,
          headers: {
            "Azure-AsyncOperation": `https://management.azure.com${OPERATION}?api-version=2021-07-01-preview`,
            "Retry-After": "0",
          },
        });
      }
      current.properties.privateLinkServiceConnectionState = { status, description };
    }
    return json(current);
  }) as unknown as typeof fetch;
  try {
    const inputs: ApprovalInputs = {
      targetId: LAKE,
      apiVersion: "2024-01-01",
      match,
      description: "approved by the stack",
      token: "t",
      ...(requesterStatus ? { requester: { id: "/requester", apiVersion: "2024-10-01" } } : {}),
    };
    const result = await approvalProvider.create!(inputs);
    return {
      calls,
      id: result.id,
      outs: result.outs as Record<string, unknown>,
      status: (result.outs as { status: string }).status,
      state,
    };
  } finally {
    globalThis.fetch = original;
  }
}

describe("PrivateEndpointApproval (its provider, against a fake ARM)", () => {
  const list = `GET ${LAKE}/privateEndpointConnections?api-version=2024-01-01 (Bearer t)`;
  it("approves the pending connection of the rule's endpoint, and only that one", async () => {
    const run = await approve(
      [connection("other.1", "someone-else", "Pending"), connection("ours.2", "databricks-pe-1", "Pending")],
      { endpointName: "databricks-pe-1" },
    );
    assert.deepStrictEqual(run.calls, [
      list,
      `PUT ${LAKE}/privateEndpointConnections/ours.2?api-version=2024-01-01 (Bearer t)`,
      `GET ${LAKE}/privateEndpointConnections/ours.2?api-version=2024-01-01 (Bearer t)`,
    ]);
    assert.strictEqual(run.id, `${LAKE}/privateEndpointConnections/ours.2`);
    assert.deepStrictEqual(
      run.state.get(`${LAKE}/privateEndpointConnections/ours.2`)!.properties
        .privateLinkServiceConnectionState,
      {
        status: "Approved",
        description: "approved by the stack",
      },
    );
    assert.strictEqual(
      run.state.get(`${LAKE}/privateEndpointConnections/other.1`)!.properties
        .privateLinkServiceConnectionState.status,
      "Pending",
    );
  });
  it("leaves an approved connection alone (no PUT)", async () => {
    const run = await approve([connection("ours.2", "x", "Approved", "request of g")], {
      descriptions: ["request of g"],
    });
    assert.deepStrictEqual(run.calls, [list]);
    assert.strictEqual(run.status, "Approved");
  });
  it("is done when the requester reports its connection approved by anybody", async () => {
    const run = await approve(
      [connection("ours.2", "x", "Approved", "approver's own text")],
      { descriptions: ["request of g"] },
      "Approved",
    );
    assert.deepStrictEqual(run.calls, ["GET /requester?api-version=2024-10-01 (Bearer t)"]);
    assert.strictEqual(run.status, "Approved");
  });
  it("refuses to guess between two matching connections", async () => {
    await assert.rejects(
      approve(
        [connection("a", "x", "Pending", "request of g"), connection("b", "y", "Pending", "request of g")],
        {
          descriptions: ["request of g"],
        },
      ),
      new RegExp(
        `^Error: ${LAKE}: 2 private endpoint connections match \\{"descriptions":\\["request of g"\\]\\}; approve the right one by hand$`,
      ),
    );
  });
  it("asks for a replacement only for another target or another connection, not a new token", async () => {
    const olds = {
      targetId: LAKE,
      apiVersion: "2024-01-01",
      match: { endpointName: "e" },
      description: "d",
      token: "1",
    };
    assert.deepStrictEqual(await approvalProvider.diff!("id", olds, { ...olds, token: "2" }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepStrictEqual(
      await approvalProvider.diff!("id", olds, { ...olds, match: { endpointName: "f" } }),
      {
        changes: true,
        replaces: ["match"],
        deleteBeforeReplace: false,
      },
    );
  });
  it("follows a long-running PUT answered 202 with no body (Azure Monitor's scope) to Approved", async () => {
    const run = await approve(
      [connection("ours.2", "x", "Pending", "request of g")],
      { descriptions: ["request of g"] },
      undefined,
      {
        longRunning: true,
      },
    );
    assert.deepStrictEqual(run.calls, [
      list,
      `PUT ${LAKE}/privateEndpointConnections/ours.2?api-version=2024-01-01 (Bearer t)`,
      `GET ${OPERATION}?api-version=2021-07-01-preview (Bearer t)`,
      `GET ${LAKE}/privateEndpointConnections/ours.2?api-version=2024-01-01 (Bearer t)`,
    ]);
    assert.strictEqual(run.status, "Approved");
  });
  it("reads every page of the connections (nextLink)", async () => {
    const run = await approve(
      [
        connection("a", "a", "Pending"),
        connection("b", "b", "Pending"),
        connection("ours.2", "databricks-pe-1", "Approved"),
      ],
      { endpointName: "databricks-pe-1" },
      undefined,
      { pageSize: 2 },
    );
    assert.deepStrictEqual(run.calls, [
      list,
      `GET ${LAKE}/privateEndpointConnections?api-version=2024-01-01&page=1 (Bearer t)`,
    ]);
    assert.strictEqual(run.id, `${LAKE}/privateEndpointConnections/ours.2`);
  });
  it("retries ARM's throttling and server errors", async () => {
    const run = await approve([connection("ours.2", "e", "Approved")], { endpointName: "e" }, undefined, {
      throttle: [429, 503],
    });
    assert.deepStrictEqual(run.calls, [list, list, list]);
    assert.strictEqual(run.status, "Approved");
  });
  it("says to run the update again when ARM refuses the token (401)", async () => {
    await assert.rejects(
      approve([connection("ours.2", "e", "Approved")], { endpointName: "e" }, undefined, { throttle: [401] }),
      new RegExp(
        `^Error: GET ${LAKE}/privateEndpointConnections\\?api-version=2024-01-01: 401  \\(the deploying identity's ARM token was refused: run the update again\\)$`,
      ),
    );
  });
  it("keeps the token out of its outputs (the state)", async () => {
    const run = await approve([connection("ours.2", "e", "Approved")], { endpointName: "e" });
    assert.deepStrictEqual(run.outs, {
      targetId: LAKE,
      apiVersion: "2024-01-01",
      match: { endpointName: "e" },
      description: "approved by the stack",
      connectionName: "ours.2",
      status: "Approved",
    });
  });
  it("asks for a replacement when the requester is another one (a replaced rule or managed endpoint)", async () => {
    const olds = {
      targetId: LAKE,
      apiVersion: "2024-01-01",
      match: { endpointName: "e" },
      description: "d",
      requestedBy: "rule-1",
      token: "1",
    };
    assert.deepStrictEqual(await approvalProvider.diff!("id", olds, { ...olds, requestedBy: "rule-2" }), {
      changes: true,
      replaces: ["requestedBy"],
      deleteBeforeReplace: false,
    });
    const grafana = { ...olds, requester: { id: "/mpe-1", apiVersion: "2024-10-01" } };
    assert.deepStrictEqual(
      await approvalProvider.diff!("id", grafana, {
        ...grafana,
        requester: { id: "/mpe-2", apiVersion: "2024-10-01" },
      }),
      { changes: true, replaces: ["requester"], deleteBeforeReplace: false },
    );
  });
  it("serializes as a self-contained provider (what the state keeps)", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => approvalProvider);
    assert.match(serialized.text, /management\.azure\.com/);
    assert.doesNotMatch(serialized.text, /require\(/);
  });
});
