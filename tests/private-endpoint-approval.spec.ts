// PrivateEndpointApproval's provider against a fake ARM: what it GETs and PUTs for each state of the
// requester's connection (pure: no plan, no network).
import * as assert from "assert";
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

/** Runs `create` against connections on the lake (and a requester status); returns the ARM calls and result. */
async function approve(
  connections: ReturnType<typeof connection>[],
  match: ApprovalInputs["match"],
  requesterStatus?: string,
) {
  const calls: string[] = [];
  const state = new Map(connections.map((c) => [c.id, c]));
  const original = globalThis.fetch;
  globalThis.fetch = (async (
    url: string,
    init: { method: string; body?: string; headers: Record<string, string> },
  ) => {
    const path = url.replace("https://management.azure.com", "");
    calls.push(`${init.method} ${path} (${init.headers.Authorization})`);
    const [resource] = path.split("?");
    let body: unknown;
    if (resource === "/requester") body = { properties: { connectionState: { status: requesterStatus } } };
    else if (resource.endsWith("/privateEndpointConnections")) body = { value: [...state.values()] };
    else {
      const current = state.get(resource)!;
      if (init.method === "PUT") {
        const put = JSON.parse(init.body!) as { properties: typeof current.properties };
        current.properties = { ...current.properties, ...put.properties };
      }
      body = current;
    }
    return { ok: true, status: 200, json: async () => body, text: async () => "" };
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
    return { calls, id: result.id, status: (result.outs as { status: string }).status, state };
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
});
