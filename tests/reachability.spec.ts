// Who reaches what (issue 16), asserted on the recorded plans: the private paths of clusters, serverless
// compute, monitoring and the deployer, with their exact inputs.
import * as assert from "assert";
import * as path from "path";
import { centralZoneIds, settingsSchema } from "../config/config";
import type { PlanDocument } from "../tools/plan/report";
import { inputsOf, planOf, PROJECT_DIR, resourceOf, resourcesOf, runPlanWith } from "./support/plan";
import { HUB_RESOLVER_IP, HUB_SCOPE_ID, HUB_ZONE_IDS } from "./fixtures/landing-zone";
import { PRIVATE_DNS_ZONES } from "../components/network/dns-zones";

const STACKS = ["dev", "prod"];

/** The Azure name of the stack's Managed Grafana. */
const workspaceNameOf = (plan: PlanDocument) =>
  (resourcesOf(plan, "azure-native:dashboard:Grafana")[0].inputs as { workspaceName: string }).workspaceName;

for (const stack of STACKS) {
  const n = (name: string) => `lh-${stack}-${name}`;

  describe(`cluster egress (${stack})`, () => {
    it("gives both Databricks subnets a NAT gateway with a static Standard public IP", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(inputsOf(plan, "azure-native:network:PublicIPAddress", n("network-ng-pip")), {
        resourceGroupName: `rg-lh-${stack}-weu`,
        location: "westeurope",
        publicIpAddressName: `pip-lh-ng-${stack}-weu`,
        sku: { name: "Standard" },
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
        tags: inputsOf(plan, "azure-native:network:NatGateway", n("network-ng")).tags,
      });
      const gateway = inputsOf(plan, "azure-native:network:NatGateway", n("network-ng"));
      assert.strictEqual(gateway.natGatewayName, `ng-lh-dbw-${stack}-weu`);
      assert.deepStrictEqual(gateway.sku, { name: "Standard" });
      assert.strictEqual(gateway.idleTimeoutInMinutes, 4);
      assert.strictEqual((gateway.publicIpAddresses as unknown[]).length, 1);
      for (const role of ["host", "container"]) {
        const subnet = inputsOf(plan, "azure-native:network:Subnet", n(`network-snet-${role}`));
        assert.deepStrictEqual(Object.keys(subnet.natGateway as object), ["id"]);
        assert.strictEqual(subnet.routeTable, undefined);
      }
      assert.strictEqual(
        inputsOf(plan, "azure-native:network:Subnet", n("network-snet-pep")).natGateway,
        undefined,
      );
      assert.deepStrictEqual(resourcesOf(plan, "azure-native:network:RouteTable"), []);
    });
  });
}

describe("a stack in an existing landing zone (egressFirewallIp, privateDnsZoneIds, dnsServers, monitorPrivateLinkScopeId)", () => {
  let landingZone: Promise<PlanDocument> | undefined;
  const planInLandingZone = () =>
    (landingZone ??= runPlanWith(
      {},
      "--json",
      "--program",
      path.join(PROJECT_DIR, "tests", "fixtures", "programs", "firewall-egress.ts"),
    ).then((run) => {
      assert.strictEqual(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as PlanDocument;
    }));

  it("routes 0.0.0.0/0 from both Databricks subnets to the firewall, with no NAT gateway", async () => {
    const plan = await planInLandingZone();
    const table = inputsOf(plan, "azure-native:network:RouteTable", "lh-dev-network-rt");
    assert.strictEqual(table.routeTableName, "rt-lh-dbw-dev-weu");
    assert.strictEqual(table.disableBgpRoutePropagation, true);
    assert.deepStrictEqual(table.routes, [
      {
        name: "default-to-firewall",
        addressPrefix: "0.0.0.0/0",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.0.0.4",
      },
    ]);
    for (const role of ["host", "container"]) {
      const subnet = inputsOf(plan, "azure-native:network:Subnet", `lh-dev-network-snet-${role}`);
      assert.deepStrictEqual(Object.keys(subnet.routeTable as object), ["id"]);
      assert.strictEqual(subnet.natGateway, undefined);
    }
    assert.deepStrictEqual(resourcesOf(plan, "azure-native:network:NatGateway"), []);
    assert.deepStrictEqual(resourcesOf(plan, "azure-native:network:PublicIPAddress"), []);
  });

  it("creates no private DNS zones or links: every endpoint registers in the landing zone's central zone of its name", async () => {
    const plan = await planInLandingZone();
    assert.deepStrictEqual(resourcesOf(plan, "azure-native:privatedns:PrivateZone"), []);
    assert.deepStrictEqual(resourcesOf(plan, "azure-native:privatedns:VirtualNetworkLink"), []);
    // The deployers' own front-end endpoint registers in its pool's zone (account stack), not the hub's.
    const groups = resourcesOf(plan, "azure-native:network:PrivateDnsZoneGroup").filter(
      (group) => !group.name.startsWith("lh-dev-deployer-"),
    );
    assert.strictEqual(groups.length, 11);
    for (const group of groups) {
      for (const config of (
        group.inputs as { privateDnsZoneConfigs: { name: string; privateDnsZoneId: string }[] }
      ).privateDnsZoneConfigs) {
        assert.strictEqual(
          config.privateDnsZoneId,
          HUB_ZONE_IDS.find((id) =>
            id.endsWith(`/${PRIVATE_DNS_ZONES[config.name as keyof typeof PRIVATE_DNS_ZONES]}`),
          ),
          group.name,
        );
      }
    }
  });

  it("resolves through the landing zone's DNS resolver", async () => {
    const plan = await planInLandingZone();
    assert.deepStrictEqual(
      inputsOf(plan, "azure-native:network:VirtualNetwork", "lh-dev-network-vnet").dhcpOptions,
      { dnsServers: [HUB_RESOLVER_IP] },
    );
  });

  it("joins the hub's Azure Monitor Private Link Scope: no scope, endpoint or Azure Monitor zones of its own", async () => {
    const plan = await planInLandingZone();
    assert.deepStrictEqual(resourcesOf(plan, "azure-native:monitor:PrivateLinkScope"), []);
    assert.deepStrictEqual(
      resourcesOf(plan, "azure-native:network:PrivateEndpoint").filter((r) => r.name.includes("ampls")),
      [],
    );
    assert.deepStrictEqual(
      resourcesOf(plan, "azure-native:monitor:PrivateLinkScopedResource").map((r) => r.inputs),
      ["logs", "appinsights"].map((role) => ({
        resourceGroupName: "rg-hub-weu",
        scopeName: "ampls-hub-weu",
        name: `ampls-lh-${role}-dev-weu`,
        linkedResourceId: (
          resourcesOf(plan, "azure-native:monitor:PrivateLinkScopedResource").find(
            (r) => (r.inputs as { name: string }).name === `ampls-lh-${role}-dev-weu`,
          )?.inputs as { linkedResourceId: string }
        ).linkedResourceId,
      })),
    );
    // The hub's scope is in the landing zone's subscription: an explicit provider for it (signed in as the
    // stack's default one, through the ARM_* environment).
    assert.deepStrictEqual(
      inputsOf(plan, "pulumi:providers:azure-native", "lh-dev-private-monitoring-scope-provider"),
      { environment: "public", subscriptionId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b" },
    );
    const mpe = inputsOf(
      plan,
      "azure-native:dashboard:ManagedPrivateEndpoint",
      "lh-dev-private-monitoring-grafana-ampls",
    );
    assert.strictEqual(mpe.privateLinkResourceId, HUB_SCOPE_ID);
  });
});

for (const stack of STACKS) {
  const n = (name: string) => `lh-${stack}-${name}`;

  describe(`the workspace storage account (DBFS root) behind its firewall (${stack})`, () => {
    it("turns the storage firewall on with an access connector of its own", async () => {
      const plan = await planOf(stack);
      const workspace = inputsOf(plan, "azure-native:databricks:Workspace", n("databricks-workspace"));
      const connector = resourcesOf(plan, "azure-native:databricks:AccessConnector").find(
        (r) => r.name === n("databricks-storage-connector"),
      );
      assert.ok(connector);
      assert.deepStrictEqual((connector.inputs as { identity: unknown }).identity, {
        type: "SystemAssigned",
      });
      assert.strictEqual(
        (connector.inputs as { connectorName: string }).connectorName,
        `dac-lh-dbw-${stack}-weu`,
      );
      assert.strictEqual(workspace.defaultStorageFirewall, "Enabled");
      assert.deepStrictEqual(workspace.accessConnector, {
        id: `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-${stack}-weu/providers/azure-native:databricks:AccessConnector/dac-lh-dbw-${stack}-weu`,
        identityType: "SystemAssigned",
      });
    });

    it("reaches the DBFS root's dfs and blob through private endpoints in their zones", async () => {
      const plan = await planOf(stack);
      const workspace = inputsOf(plan, "azure-native:databricks:Workspace", n("databricks-workspace"));
      const account = `${String(workspace.managedResourceGroupId)}/providers/Microsoft.Storage/storageAccounts/${(workspace.parameters as { storageAccountName: { value: string } }).storageAccountName.value}`;
      for (const groupId of ["dfs", "blob"]) {
        const endpoint = inputsOf(
          plan,
          "azure-native:network:PrivateEndpoint",
          n(`databricks-dbfs-${groupId}-pep`),
        );
        assert.strictEqual(endpoint.privateEndpointName, `pep-lh-dbfs${groupId}-${stack}-weu`);
        assert.deepStrictEqual(endpoint.privateLinkServiceConnections, [
          { name: `pep-lh-dbfs${groupId}-${stack}-weu`, privateLinkServiceId: account, groupIds: [groupId] },
        ]);
      }
    });
  });
}

for (const stack of STACKS) {
  const n = (name: string) => `lh-${stack}-${name}`;

  describe(`private monitoring (${stack})`, () => {
    it("scopes Log Analytics and Application Insights into an Azure Monitor Private Link Scope, private-only for queries", async () => {
      const plan = await planOf(stack);
      const scope = inputsOf(plan, "azure-native:monitor:PrivateLinkScope", n("private-monitoring-ampls"));
      assert.strictEqual(scope.scopeName, `ampls-lh-${stack}-weu`);
      assert.strictEqual(scope.location, "global");
      // Ingestion Open: agents in the VNet may send to workspaces outside the scope (Learn's design guidance).
      assert.deepStrictEqual(scope.accessModeSettings, {
        ingestionAccessMode: "Open",
        queryAccessMode: "PrivateOnly",
      });
      const scoped = resourcesOf(plan, "azure-native:monitor:PrivateLinkScopedResource").map((r) => {
        const inputs = r.inputs as { name: string; scopeName: string; linkedResourceId: string };
        return [inputs.name, inputs.scopeName, inputs.linkedResourceId.split("/").slice(-2).join("/")];
      });
      assert.deepStrictEqual(scoped, [
        [
          "logs",
          `ampls-lh-${stack}-weu`,
          `azure-native:operationalinsights:Workspace/${String(inputsOf(plan, "azure-native:operationalinsights:Workspace", n("foundation-logs")).workspaceName)}`,
        ],
        [
          "appinsights",
          `ampls-lh-${stack}-weu`,
          `azure-native:applicationinsights:Component/appi-lh-${stack}-weu`,
        ],
      ]);
    });

    it("gives the scope a private endpoint registered in the five Azure Monitor zones", async () => {
      const plan = await planOf(stack);
      const endpoint = inputsOf(
        plan,
        "azure-native:network:PrivateEndpoint",
        n("private-monitoring-ampls-pep"),
      );
      assert.deepStrictEqual(
        (endpoint.privateLinkServiceConnections as { groupIds: string[] }[])[0].groupIds,
        ["azuremonitor"],
      );
      const group = inputsOf(
        plan,
        "azure-native:network:PrivateDnsZoneGroup",
        n("private-monitoring-ampls-pep-dns"),
      );
      assert.deepStrictEqual(
        (group.privateDnsZoneConfigs as { name: string; privateDnsZoneId: string }[]).map((c) => [
          c.name,
          c.privateDnsZoneId.split("/").pop(),
        ]),
        [
          ["monitor", "privatelink.monitor.azure.com"],
          ["oms", "privatelink.oms.opinsights.azure.com"],
          ["ods", "privatelink.ods.opinsights.azure.com"],
          ["agentsvc", "privatelink.agentsvc.azure-automation.net"],
          ["blob", "privatelink.blob.core.windows.net"],
        ],
      );
    });

    it("lets Managed Grafana reach the scope through a managed private endpoint", async () => {
      const plan = await planOf(stack);
      const mpe = inputsOf(
        plan,
        "azure-native:dashboard:ManagedPrivateEndpoint",
        n("private-monitoring-grafana-ampls"),
      );
      const { tags: _tags, ...inputs } = mpe;
      const grafana = workspaceNameOf(plan);
      assert.deepStrictEqual(inputs, {
        resourceGroupName: `rg-lh-${stack}-weu`,
        location: "westeurope",
        workspaceName: (
          inputsOf(plan, "azure-native:dashboard:Grafana", n("monitoring-grafana")) as {
            workspaceName: string;
          }
        ).workspaceName,
        managedPrivateEndpointName: "ampls",
        privateLinkResourceId: `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-${stack}-weu/providers/azure-native:monitor:PrivateLinkScope/ampls-lh-${stack}-weu`,
        privateLinkResourceRegion: "westeurope",
        groupIds: ["azuremonitor"],
        // Within Private Link's 140 characters for any resource group and Grafana name.
        requestMessage: `Managed Grafana rg-lh-${stack}-weu/${grafana}`,
      });
    });

    it("approves Grafana's connection on the scope, known by its request message alone, at up", async () => {
      const plan = await planOf(stack);
      const approval = resourcesOf(plan, "pulumi-nodejs:dynamic:Resource").find(
        (r) => r.name === n("private-monitoring-grafana-ampls-approval"),
      );
      assert.ok(approval);
      const { __provider: _provider, ...inputs } = approval.inputs as Record<string, unknown>;
      const grafana = `rg-lh-${stack}-weu/${workspaceNameOf(plan)}`;
      const rg = `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-${stack}-weu/providers`;
      assert.deepStrictEqual(inputs, {
        targetId: `${rg}/azure-native:monitor:PrivateLinkScope/ampls-lh-${stack}-weu`,
        apiVersion: "2021-07-01-preview",
        match: {
          descriptions: [`Managed Grafana ${grafana}`, `Managed Grafana ${grafana}: approved`],
        },
        description: `Managed Grafana ${grafana}: approved`,
        // Approved by anybody already (the managed endpoint says so): nothing to do.
        requester: {
          id: `${rg}/azure-native:dashboard:ManagedPrivateEndpoint/ampls`,
          apiVersion: "2024-10-01",
        },
        token: "[secret]",
      });
      const endpoint = resourceOf(
        plan,
        "azure-native:dashboard:ManagedPrivateEndpoint",
        n("private-monitoring-grafana-ampls"),
      ).urn;
      // The ARM token is minted only once the managed endpoint exists (an Entra token lasts 60-90 minutes).
      assert.ok(approval.propertyDependencies.token.includes(endpoint));
      // A replaced managed endpoint keeps its name and id but opens a new connection: a new approval.
      assert.deepStrictEqual(approval.replaceWith, [endpoint]);
      // No azure-native PrivateEndpointConnection: its create refuses the existing pending connection.
      assert.deepStrictEqual(resourcesOf(plan, "azure-native:monitor:PrivateEndpointConnection"), []);
    });
  });
}

for (const stack of STACKS) {
  const n = (name: string) => `lh-${stack}-${name}`;

  describe(`serverless connectivity to the lake (${stack})`, () => {
    it("adds an account-level private endpoint rule per sub-resource and approves its connection on the lake", async () => {
      const plan = await planOf(stack);
      const lake = inputsOf(plan, "azure-native:storage:StorageAccount", n("lake-account")) as {
        accountName: string;
      };
      const lakeId = `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-${stack}-weu/providers/azure-native:storage:StorageAccount/${lake.accountName}`;
      for (const groupId of ["dfs", "blob"]) {
        const rule = resourcesOf(
          plan,
          "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule",
        ).find((r) => r.name === n(`serverless-lake-${groupId}`));
        assert.ok(rule);
        // The configuration the workspace is bound to (MwsNccBinding, through the account provider).
        const binding = inputsOf(plan, "databricks:index/mwsNccBinding:MwsNccBinding", n("databricks-ncc"));
        assert.deepStrictEqual(rule.inputs, {
          networkConnectivityConfigId: binding.networkConnectivityConfigId,
          groupId,
          resourceId: lakeId,
        });
        const { __provider: _provider, ...approval } = inputsOf(
          plan,
          "pulumi-nodejs:dynamic:Resource",
          n(`serverless-lake-${groupId}-approval`),
        );
        // The connection from the rule's endpoint, approved on the lake at up.
        assert.deepStrictEqual(approval, {
          targetId: lakeId,
          apiVersion: "2024-01-01",
          match: { endpointName: (approval.match as { endpointName: string }).endpointName },
          description: "Serverless compute of the stack's Databricks workspace (NCC private endpoint rule)",
          // A replaced rule is a new approval.
          requestedBy: approval.requestedBy,
          token: "[secret]",
        });
        assert.match(
          (approval.match as { endpointName: string }).endpointName,
          /^databricks-[0-9a-f-]+-pe-[0-9a-f]{8}$/,
        );
        const dependencies = resourcesOf(plan, "pulumi-nodejs:dynamic:Resource").find(
          (r) => r.name === n(`serverless-lake-${groupId}-approval`),
        )?.propertyDependencies;
        assert.deepStrictEqual(dependencies?.match, [rule.urn]);
        assert.deepStrictEqual(dependencies?.requestedBy, [rule.urn]);
        assert.deepStrictEqual(
          resourcesOf(plan, "pulumi-nodejs:dynamic:Resource").find(
            (r) => r.name === n(`serverless-lake-${groupId}-approval`),
          )?.replaceWith,
          [rule.urn],
        );
        // The ARM token is minted only once the rule and the lake exist (an Entra token lasts 60-90 minutes).
        assert.deepStrictEqual(
          [...(dependencies?.token ?? [])].sort(),
          [rule.urn, resourceOf(plan, "azure-native:storage:StorageAccount", n("lake-account")).urn].sort(),
        );
      }
    });
  });
}

for (const stack of STACKS) {
  const n = (name: string) => `lh-${stack}-${name}`;

  describe(`the deployer's path to the private workspace (${stack})`, () => {
    it("builds the workspace provider only once the front-end endpoint's DNS records exist", async () => {
      const plan = await planOf(stack);
      const records = resourcesOf(plan, "azure-native:network:PrivateDnsZoneGroup").find(
        (r) => r.name === n("databricks-ui-api-pep-dns"),
      );
      assert.ok(records);
      const provider = resourcesOf(plan, "pulumi:providers:databricks").find(
        (r) => r.name === n("databricks-provider"),
      );
      assert.ok(provider?.dependencies.includes(records.urn));
    });

    it("builds it only once the DBFS root's dfs and blob endpoints resolve (the DBFS root is behind its firewall)", async () => {
      const plan = await planOf(stack);
      assert.strictEqual(
        inputsOf(plan, "azure-native:databricks:Workspace", n("databricks-workspace")).defaultStorageFirewall,
        "Enabled",
      );
      const provider = resourcesOf(plan, "pulumi:providers:databricks").find(
        (r) => r.name === n("databricks-provider"),
      );
      for (const groupId of ["dfs", "blob"]) {
        const records = resourcesOf(plan, "azure-native:network:PrivateDnsZoneGroup").find(
          (r) => r.name === n(`databricks-dbfs-${groupId}-pep-dns`),
        );
        assert.ok(records && provider?.dependencies.includes(records.urn), groupId);
      }
    });
  });
}

describe("lakehouse:egressFirewallIp", () => {
  const problems = (value: unknown) => {
    const result = settingsSchema.shape.egressFirewallIp.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };
  it("accepts a private IPv4 address, or nothing", () => {
    assert.deepStrictEqual(problems("10.0.0.4"), []);
    assert.deepStrictEqual(problems(undefined), []);
  });
  it("refuses a public address and what is not an address", () => {
    for (const value of ["8.8.8.8", "10.0.0.0/24", "firewall"]) {
      assert.deepStrictEqual(problems(value), [
        `must be the private IPv4 address of the landing zone's firewall, for example 10.0.0.4 (got "${value}")`,
      ]);
    }
  });
});

describe("lakehouse:privateDnsZoneIds, lakehouse:dnsServers and lakehouse:monitorPrivateLinkScopeId", () => {
  const problems = (
    key: "privateDnsZoneIds" | "dnsServers" | "monitorPrivateLinkScopeId",
    value: unknown,
  ) => {
    const result = settingsSchema.shape[key].safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };
  const refused = (settings: Parameters<typeof centralZoneIds>[0]) => {
    try {
      centralZoneIds(settings, "lakehouse");
      return [];
    } catch (error) {
      return (error as { problems?: string[] }).problems ?? [String(error)];
    }
  };
  const zone = (name: string) =>
    `/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-dns-weu/providers/Microsoft.Network/privateDnsZones/${name}`;
  const withoutMonitor = HUB_ZONE_IDS.filter((id) => !/monitor|opinsights|azure-automation/.test(id));

  it("accept a landing zone's central zones, resolver and scope ids, or nothing", () => {
    assert.deepStrictEqual(problems("privateDnsZoneIds", HUB_ZONE_IDS), []);
    assert.deepStrictEqual(problems("privateDnsZoneIds", undefined), []);
    assert.deepStrictEqual(problems("dnsServers", [HUB_RESOLVER_IP]), []);
    assert.deepStrictEqual(problems("monitorPrivateLinkScopeId", HUB_SCOPE_ID), []);
    assert.deepStrictEqual(problems("monitorPrivateLinkScopeId", undefined), []);
  });
  it("refuse other resource ids, zones the stack does not use, a zone named twice and a public resolver", () => {
    assert.deepStrictEqual(problems("privateDnsZoneIds", [HUB_SCOPE_ID]), [
      `must be the resource id of a private DNS zone: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<name> (got "${HUB_SCOPE_ID}")`,
    ]);
    assert.deepStrictEqual(problems("privateDnsZoneIds", [zone("privatelink.azurecr.io")]), [
      `"privatelink.azurecr.io" is not a zone the stack uses; allowed: ${Object.values(PRIVATE_DNS_ZONES).join(", ")}`,
    ]);
    assert.deepStrictEqual(problems("privateDnsZoneIds", [HUB_ZONE_IDS[0], HUB_ZONE_IDS[0].toUpperCase()]), [
      "must name each zone once",
    ]);
    assert.deepStrictEqual(problems("dnsServers", ["168.63.129.16"]), [
      `must be the private IPv4 address of the landing zone's DNS resolver, for example 10.0.1.4 (got "168.63.129.16")`,
    ]);
    assert.deepStrictEqual(problems("monitorPrivateLinkScopeId", HUB_ZONE_IDS[0]), [
      "must be the resource id of an Azure Monitor Private Link Scope: /subscriptions/<id>/resourceGroups/<rg>/providers/microsoft.insights/privateLinkScopes/<name>",
    ]);
  });
  it("take all the zones the stack uses with the landing zone's scope (never a scope of the stack's own), or none", () => {
    assert.strictEqual(centralZoneIds({}, "lakehouse"), undefined);
    const expected = ["databricks", "dfs", "blob", "vault", "sql", "eventhub", "grafana"];
    for (const privateDnsZoneIds of [withoutMonitor, HUB_ZONE_IDS]) {
      assert.deepStrictEqual(
        centralZoneIds({ privateDnsZoneIds, monitorPrivateLinkScopeId: HUB_SCOPE_ID }, "lakehouse"),
        Object.fromEntries(
          expected.map((key) => [key, zone(PRIVATE_DNS_ZONES[key as keyof typeof PRIVATE_DNS_ZONES])]),
        ),
      );
    }
    // The stack's own scope would register Azure Monitor's global records in the shared zones.
    for (const privateDnsZoneIds of [withoutMonitor, HUB_ZONE_IDS]) {
      assert.deepStrictEqual(refused({ privateDnsZoneIds }), [
        "lakehouse:monitorPrivateLinkScopeId: required with lakehouse:privateDnsZoneIds (in the stack's Pulumi.<stack>.yaml): the resource id of the landing zone's Azure Monitor Private Link Scope (/subscriptions/<id>/resourceGroups/<rg>/providers/microsoft.insights/privateLinkScopes/<name>); a scope of the stack's own would overwrite Azure Monitor's records in the shared zones (one scope per DNS)",
      ]);
    }
    assert.deepStrictEqual(
      refused({ privateDnsZoneIds: withoutMonitor.slice(1), monitorPrivateLinkScopeId: HUB_SCOPE_ID }),
      [
        `lakehouse:privateDnsZoneIds: missing privatelink.azuredatabricks.net; give the landing zone's zone for every zone the stack uses (${expected.map((key) => PRIVATE_DNS_ZONES[key as keyof typeof PRIVATE_DNS_ZONES]).join(", ")}), or leave privateDnsZoneIds out for zones of the stack's own`,
      ],
    );
  });
  it("refuse the landing zone's scope or resolver without its zones", () => {
    assert.deepStrictEqual(
      refused({ monitorPrivateLinkScopeId: HUB_SCOPE_ID, dnsServers: [HUB_RESOLVER_IP] }),
      [
        "lakehouse:monitorPrivateLinkScopeId: needs lakehouse:privateDnsZoneIds: the landing zone's scope answers in its central zones, which the stack's endpoints and VNet must use too",
        "lakehouse:dnsServers: needs lakehouse:privateDnsZoneIds: the stack's own zones are linked to its VNet and answer only through Azure-provided DNS",
      ],
    );
  });
});
