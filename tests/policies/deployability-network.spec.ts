// The reachability rules (issue 16), both ways with exact messages, and a flip test: the real platform with
// each private path removed fails with the matching rule.
import * as assert from "assert";
import * as network from "../../policies/rules/deployability-network";
import { StackResourceSpec, stackViolationsOf } from "../support/policy";
import { mandatoryViolationsWith, Mutation } from "../support/mutations";

type Props = Record<string, unknown>;

/** A resource of the test stack; props default to none. */
type Spec = Omit<StackResourceSpec, "props"> & { readonly props?: Props };

const violations = (policy: Parameters<typeof stackViolationsOf>[0], specs: readonly Spec[]) =>
  stackViolationsOf(
    policy,
    specs.map((spec) => ({ ...spec, props: spec.props ?? {} })),
  );

const T = {
  subnet: "azure-native:network:Subnet",
  natGateway: "azure-native:network:NatGateway",
  routeTable: "azure-native:network:RouteTable",
  route: "azure-native:network:Route",
  vnet: "azure-native:network:VirtualNetwork",
  scope: "azure-native:monitor:PrivateLinkScope",
  zone: "azure-native:privatedns:PrivateZone",
  binding: "databricks:index/mwsNccBinding:MwsNccBinding",
  ncc: "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
  logs: "azure-native:operationalinsights:Workspace",
  appinsights: "azure-native:applicationinsights:Component",
  scoped: "azure-native:monitor:PrivateLinkScopedResource",
  account: "azure-native:storage:StorageAccount",
  approval: "pulumi-nodejs:dynamic:Resource",
  location: "databricks:index/externalLocation:ExternalLocation",
  rule: "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule",
  workspace: "azure-native:databricks:Workspace",
  endpoint: "azure-native:network:PrivateEndpoint",
  records: "azure-native:network:PrivateDnsZoneGroup",
  provider: "pulumi:providers:databricks",
  catalog: "databricks:index/catalog:Catalog",
};

describe("deployability (network) rules", () => {
  describe("network-subnet-egress", () => {
    const databricks = {
      delegations: [{ name: "databricks", serviceName: "Microsoft.Databricks/workspaces" }],
    };
    const host = (props: Props, dependsOn?: Record<string, string[]>): Spec => ({
      type: T.subnet,
      name: "host",
      props: { subnetName: "snet-host", defaultOutboundAccess: false, ...databricks, ...props },
      dependsOn,
    });
    const table = (addressPrefix: string, nextHopType = "VirtualAppliance"): Spec => ({
      type: T.routeTable,
      name: "rt",
      props: {
        routes: [{ name: "r", addressPrefix, nextHopType, nextHopIpAddress: "10.0.0.4" }],
      },
    });
    const NO_PATH =
      "host: Subnet snet-host runs clusters without default outbound access and has no outbound path: attach a NAT gateway or a route table whose 0.0.0.0/0 route goes to a virtual appliance or the internet, or clusters cannot reach the metastore, artifact and log storage.";

    it("passes a Databricks subnet with a NAT gateway that has a public IP or prefix", async () => {
      for (const props of [{ publicIpAddresses: [{ id: "pip" }] }, { publicIpPrefixes: [{ id: "ippre" }] }]) {
        assert.deepStrictEqual(
          await violations(network.subnetEgress, [
            { type: T.natGateway, name: "ng", props },
            host({ natGateway: { id: "ng-id" } }, { natGateway: ["ng"] }),
          ]),
          [],
        );
      }
    });
    it("reports a NAT gateway with no public IP or prefix (no outbound address)", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          { type: T.natGateway, name: "ng", props: { publicIpAddresses: [] } },
          host({ natGateway: { id: "ng-id" } }, { natGateway: ["ng"] }),
        ]),
        [NO_PATH],
      );
    });
    it("passes forced tunnelling (0.0.0.0/0 to the virtual network gateway) and a default route split in halves", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          table("0.0.0.0/0", "VirtualNetworkGateway"),
          host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] }),
        ]),
        [],
      );
      const halves = (second: string): Spec => ({
        type: T.routeTable,
        name: "rt",
        props: {
          routes: [
            { name: "low", addressPrefix: "0.0.0.0/1", nextHopType: "VirtualAppliance" },
            { name: "high", addressPrefix: second, nextHopType: "VirtualAppliance" },
          ],
        },
      });
      const subnet = host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] });
      assert.deepStrictEqual(await violations(network.subnetEgress, [halves("128.0.0.0/1"), subnet]), []);
      assert.deepStrictEqual(await violations(network.subnetEgress, [halves("128.0.0.0/2"), subnet]), [
        NO_PATH,
      ]);
    });
    it("passes a Databricks subnet with a route table that has a default route", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          table("0.0.0.0/0"),
          host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] }),
        ]),
        [],
      );
    });
    it("reports a route table without a default route", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          table("10.0.0.0/8"),
          host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] }),
        ]),
        [NO_PATH],
      );
    });
    it("reports a default route that drops the traffic (next hop None)", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          table("0.0.0.0/0", "None"),
          host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] }),
        ]),
        [NO_PATH],
      );
    });
    it("follows default routes declared as separate Route resources", async () => {
      const route = (nextHopType: string): Spec => ({
        type: T.route,
        name: "default",
        props: { addressPrefix: "0.0.0.0/0", nextHopType },
        dependsOn: { routeTableName: ["rt"] },
      });
      const stack = (nextHopType: string) => [
        { type: T.routeTable, name: "rt", props: { routes: [] } },
        route(nextHopType),
        host({ routeTable: { id: "rt-id" } }, { routeTable: ["rt"] }),
      ];
      assert.deepStrictEqual(await violations(network.subnetEgress, stack("Internet")), []);
      assert.deepStrictEqual(await violations(network.subnetEgress, stack("VnetLocal")), [NO_PATH]);
    });
    it("inspects subnets declared inline in a virtual network", async () => {
      const vnet = (subnet: Props): Spec => ({
        type: T.vnet,
        name: "vnet",
        props: {
          subnets: [{ name: "snet-inline", defaultOutboundAccess: false, ...databricks, ...subnet }],
        },
      });
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [vnet({ natGateway: { id: "ng" } })]),
        [],
      );
      assert.deepStrictEqual(await violations(network.subnetEgress, [vnet({})]), [
        NO_PATH.replace("host: Subnet snet-host", "vnet: Subnet snet-inline"),
      ]);
    });
    it("reports a Databricks subnet with neither", async () => {
      assert.deepStrictEqual(await violations(network.subnetEgress, [host({})]), [NO_PATH]);
    });
    it("leaves subnets with default outbound access, and subnets that run no compute, alone", async () => {
      assert.deepStrictEqual(
        await violations(network.subnetEgress, [
          host({ defaultOutboundAccess: true }),
          { type: T.subnet, name: "pep", props: { defaultOutboundAccess: false } },
        ]),
        [],
      );
    });
  });

  describe("network-monitor-private-link-scope", () => {
    const closed = { publicNetworkAccessForIngestion: "Disabled", publicNetworkAccessForQuery: "Disabled" };
    const stack = (scoped: string[]): Spec[] => [
      { type: T.logs, name: "logs", props: closed },
      { type: T.appinsights, name: "appi", props: { ...closed, publicNetworkAccessForQuery: "Enabled" } },
      ...scoped.map((target) => ({
        type: T.scoped,
        name: `scoped-${target}`,
        props: { name: target },
        dependsOn: { linkedResourceId: [target] },
      })),
    ];
    it("passes closed resources that are scoped", async () => {
      assert.deepStrictEqual(await violations(network.monitorPrivateLinkScope, stack(["logs", "appi"])), []);
    });
    it("reports each closed resource outside a scope", async () => {
      assert.deepStrictEqual(await violations(network.monitorPrivateLinkScope, stack([])), [
        "logs: Log Analytics workspace logs accepts no public ingestion or query and is in no Azure Monitor Private Link Scope: nothing can send to it or query it; add it to the scope (PrivateLinkScopedResource).",
        "appi: Application Insights component appi accepts no public ingestion or query and is in no Azure Monitor Private Link Scope: nothing can send to it or query it; add it to the scope (PrivateLinkScopedResource).",
      ]);
    });
    describe("with the stack's own scope", () => {
      const ZONES = network.AZURE_MONITOR_ZONE_NAMES;
      const scoped = (zones: readonly string[], groupId = "azuremonitor"): Spec[] => [
        { type: T.logs, name: "logs", props: closed },
        { type: T.scope, name: "ampls", props: {} },
        {
          type: T.scoped,
          name: "scoped-logs",
          props: { name: "logs" },
          dependsOn: { linkedResourceId: ["logs"], scopeName: ["ampls"] },
        },
        {
          type: T.endpoint,
          name: "ampls-pep",
          props: { privateLinkServiceConnections: [{ groupIds: [groupId] }] },
          dependsOn: { privateLinkServiceConnections: ["ampls"] },
        },
        ...zones.map((zone) => ({ type: T.zone, name: zone, props: { privateZoneName: zone } })),
        {
          type: T.records,
          name: "ampls-pep-dns",
          parent: "ampls-pep",
          dependsOn: { privateEndpointName: ["ampls-pep"], privateDnsZoneConfigs: [...zones] },
        },
      ];
      it("passes a scope with an azuremonitor endpoint registered in the five zones", async () => {
        assert.deepStrictEqual(await violations(network.monitorPrivateLinkScope, scoped(ZONES)), []);
      });
      it("reports a scope whose endpoint's zone group misses zones", async () => {
        assert.deepStrictEqual(await violations(network.monitorPrivateLinkScope, scoped(ZONES.slice(0, 3))), [
          "logs: Log Analytics workspace logs accepts no public ingestion or query, and its Azure Monitor Private Link Scope ampls is reached through a private endpoint whose DNS zone group misses privatelink.agentsvc.azure-automation.net, privatelink.blob.core.windows.net: those Azure Monitor names resolve to public addresses the resource refuses; add the zones to the zone group.",
        ]);
      });
      it("reports a scope without an azuremonitor endpoint", async () => {
        assert.deepStrictEqual(await violations(network.monitorPrivateLinkScope, scoped(ZONES, "blob")), [
          `logs: Log Analytics workspace logs accepts no public ingestion or query, and its Azure Monitor Private Link Scope ampls has no private endpoint (group azuremonitor): no network reaches the resource through it; add one with a DNS zone group for ${ZONES.join(", ")}.`,
        ]);
      });
    });
    it("leaves resources open to public networks alone", async () => {
      assert.deepStrictEqual(
        await violations(network.monitorPrivateLinkScope, [
          { type: T.logs, name: "logs", props: { publicNetworkAccessForIngestion: "Enabled" } },
        ]),
        [],
      );
    });
  });

  describe("network-serverless-lake-connectivity", () => {
    const ruleFor = (groupId: string): Spec[] => [
      { type: T.rule, name: `rule-${groupId}`, props: { groupId }, dependsOn: { resourceId: ["lake"] } },
      {
        type: T.approval,
        name: `approval-${groupId}`,
        props: { apiVersion: "2024-01-01" },
        dependsOn: { targetId: ["lake"], match: [`rule-${groupId}`] },
      },
    ];
    const lake = (publicNetworkAccess = "Disabled"): Spec[] => [
      { type: T.account, name: "lake", props: { accountName: "stlake", publicNetworkAccess } },
      { type: T.location, name: "landing", props: { url: "abfss://landing@stlake.dfs.core.windows.net/" } },
    ];
    it("passes a closed lake with approved dfs and blob rules", async () => {
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [
          ...lake(),
          ...ruleFor("dfs"),
          ...ruleFor("blob"),
        ]),
        [],
      );
    });
    it("reports a missing rule and an unapproved one", async () => {
      // An approval of the rule's endpoint on another account.
      const unapproved = ruleFor("blob").map((spec) =>
        spec.type === T.approval
          ? { ...spec, dependsOn: { targetId: ["other"], match: ["rule-blob"] } }
          : spec,
      );
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [
          ...lake(),
          { type: T.account, name: "other", props: { accountName: "stother" } },
          ...unapproved,
        ]),
        [
          "lake: Storage account stlake is read by serverless compute (a Unity Catalog path) and closed to public networks, but no serverless private endpoint rule reaches its dfs sub-resource: add an MwsNccPrivateEndpointRule (groupId dfs).",
          "lake: Storage account stlake: the serverless private endpoint to its blob sub-resource is never approved: add a PrivateEndpointApproval of the rule's endpoint on the account, or the connection stays pending and serverless compute cannot reach the account.",
        ],
      );
    });
    it("checks accounts that are a catalog's storage root, and accounts firewalled by default", async () => {
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [
          {
            type: T.account,
            name: "lake",
            props: {
              accountName: "stlake",
              publicNetworkAccess: "Enabled",
              networkRuleSet: { defaultAction: "Deny" },
            },
          },
          {
            type: T.catalog,
            name: "catalog",
            props: { storageRoot: "abfss://catalog@stlake.dfs.core.windows.net/" },
          },
          ...ruleFor("dfs"),
        ]),
        [
          "lake: Storage account stlake is read by serverless compute (a Unity Catalog path) and closed to public networks, but no serverless private endpoint rule reaches its blob sub-resource: add an MwsNccPrivateEndpointRule (groupId blob).",
        ],
      );
    });
    it("counts only rules of the configuration the workspace is bound to", async () => {
      const inNcc = (ncc: string) =>
        [...ruleFor("dfs"), ...ruleFor("blob")].map((spec) =>
          spec.type === T.rule
            ? { ...spec, props: { ...spec.props, networkConnectivityConfigId: ncc } }
            : spec,
        );
      const binding: Spec = {
        type: T.binding,
        name: "binding",
        props: { networkConnectivityConfigId: "ncc-dev" },
      };
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [...lake(), binding, ...inNcc("ncc-dev")]),
        [],
      );
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [...lake(), binding, ...inNcc("ncc-prod")]),
        ["dfs", "blob"].map(
          (groupId) =>
            `lake: Storage account stlake: the serverless private endpoint rule to its ${groupId} sub-resource is in network connectivity configuration ncc-prod, which no workspace of the stack is bound to: add the rule to the configuration the workspace's MwsNccBinding names.`,
        ),
      );
    });
    it("leaves accounts open to public networks, and accounts no external location reads, alone", async () => {
      assert.deepStrictEqual(
        await violations(network.serverlessLakeConnectivity, [
          ...lake("Enabled"),
          {
            type: T.account,
            name: "other",
            props: { accountName: "stother", publicNetworkAccess: "Disabled" },
          },
        ]),
        [],
      );
    });
  });

  describe("network-ncc-limits", () => {
    const nccs = (n: number): Spec[] =>
      Array.from({ length: n }, (_, i) => ({
        type: T.ncc,
        name: `ncc-${i}`,
        props: { region: "westeurope" },
      }));
    const bindings = (n: number): Spec[] =>
      Array.from({ length: n }, (_, i) => ({
        type: T.binding,
        name: `binding-${i}`,
        props: { networkConnectivityConfigId: "ncc-a" },
      }));
    it("passes 10 configurations in a region and 50 workspaces on one", async () => {
      assert.deepStrictEqual(await violations(network.nccLimits, [...nccs(10), ...bindings(50)]), []);
    });
    it("reports an 11th configuration in a region and a 51st workspace", async () => {
      assert.deepStrictEqual(await violations(network.nccLimits, [...nccs(11), ...bindings(51)]), [
        "ncc-0: 11 network connectivity configurations in westeurope: Databricks allows 10 per region and account; give fewer environments one of their own.",
        "binding-0: 51 workspaces bound to network connectivity configuration ncc-a: Databricks allows 50.",
      ]);
    });
    it("reports more than 100 private endpoint rules", async () => {
      const rules: Spec[] = Array.from({ length: 101 }, (_, i) => ({
        type: T.rule,
        name: `rule-${i}`,
        props: {},
      }));
      assert.deepStrictEqual(await violations(network.nccLimits, rules), [
        "rule-0: 101 serverless private endpoint rules: Databricks allows 100 per region, across the account's configurations.",
      ]);
    });
  });

  describe("network-workspace-deployer-path", () => {
    /** A private endpoint to the workspace (or its DBFS root) for a sub-resource, with its DNS records. */
    const endpoint = (name: string, groupId: string): Spec[] => [
      {
        type: T.endpoint,
        name,
        props: { privateLinkServiceConnections: [{ groupIds: [groupId] }] },
        dependsOn: { privateLinkServiceConnections: ["workspace"] },
      },
      { type: T.records, name: `${name}-dns`, parent: name, dependsOn: { privateEndpointName: [name] } },
    ];
    const front = (groupId: string): Spec[] => [
      { type: T.workspace, name: "workspace", props: { publicNetworkAccess: "Disabled" } },
      ...endpoint("ui-api", groupId),
    ];
    const provider = (waitsFor: string[]): Spec => ({
      type: T.provider,
      name: "provider",
      dependsOn: { host: ["workspace"] },
      waitsFor,
    });
    const catalog: Spec = { type: T.catalog, name: "catalog", provider: "provider" };
    const schema: Spec = { type: "databricks:index/schema:Schema", name: "schema", provider: "provider" };
    it("passes a provider that waits for the front-end endpoint's DNS records", async () => {
      assert.deepStrictEqual(
        await violations(network.workspaceDeployerPath, [
          ...front("databricks_ui_api"),
          provider(["ui-api-dns"]),
          catalog,
        ]),
        [],
      );
    });
    it("passes resources that wait for the records themselves", async () => {
      assert.deepStrictEqual(
        await violations(network.workspaceDeployerPath, [
          ...front("databricks_ui_api"),
          provider([]),
          { ...catalog, waitsFor: ["ui-api-dns"] },
        ]),
        [],
      );
    });
    it("reports a provider whose resources race the records", async () => {
      assert.deepStrictEqual(
        await violations(network.workspaceDeployerPath, [
          ...front("databricks_ui_api"),
          provider([]),
          catalog,
          schema,
        ]),
        [
          "provider: Provider provider of workspace workspace, which disables public network access, does not wait for the front-end private endpoint's DNS records: 2 workspace-level resources (first: catalog) would race them; add the DNS zone group to the provider's dependsOn.",
        ],
      );
    });
    it("reports a workspace without a front-end endpoint (only the browser-authentication one)", async () => {
      assert.deepStrictEqual(
        await violations(network.workspaceDeployerPath, [
          ...front("browser_authentication"),
          provider(["ui-api-dns"]),
          catalog,
        ]),
        [
          "provider: Workspace workspace disables public network access but has no front-end private endpoint with DNS records: its 1 workspace-level resources (through provider provider) cannot reach it; add a databricks_ui_api private endpoint with a DNS zone group.",
        ],
      );
    });
    describe("with the DBFS root behind the storage firewall", () => {
      const dbfs = (groupId: string): Spec[] => endpoint(`dbfs-${groupId}`, groupId);
      const firewalled = (specs: Spec[]): Spec[] =>
        specs.map((spec) =>
          spec.type === T.workspace
            ? { ...spec, props: { ...spec.props, defaultStorageFirewall: "Enabled" } }
            : spec,
        );
      it("passes a provider that waits for the front end's and the DBFS root's records", async () => {
        assert.deepStrictEqual(
          await violations(network.workspaceDeployerPath, [
            ...firewalled(front("databricks_ui_api")),
            ...dbfs("dfs"),
            ...dbfs("blob"),
            provider(["ui-api-dns", "dbfs-dfs-dns", "dbfs-blob-dns"]),
            catalog,
          ]),
          [],
        );
      });
      it("reports a provider that does not wait for the DBFS root's records, and a missing endpoint", async () => {
        assert.deepStrictEqual(
          await violations(network.workspaceDeployerPath, [
            ...firewalled(front("databricks_ui_api")),
            ...dbfs("dfs"),
            provider(["ui-api-dns"]),
            catalog,
          ]),
          [
            "workspace: Workspace workspace puts its DBFS root behind the storage firewall (defaultStorageFirewall Enabled) but has no blob private endpoint to it with DNS records: clusters cannot reach the DBFS root; add one with a DNS zone group.",
            "provider: Provider provider of workspace workspace, whose DBFS root is behind the storage firewall, does not wait for the DBFS root's dfs private endpoint's DNS records: 1 workspace-level resources (first: catalog) may start compute that cannot reach it; add the DNS zone group to the provider's dependsOn.",
          ],
        );
      });
      it("asks nothing of the DBFS root without the firewall", async () => {
        assert.deepStrictEqual(
          await violations(network.workspaceDeployerPath, [
            ...front("databricks_ui_api"),
            provider(["ui-api-dns"]),
            catalog,
          ]),
          [],
        );
      });
    });
    it("leaves workspaces open to public networks alone", async () => {
      assert.deepStrictEqual(
        await violations(network.workspaceDeployerPath, [
          { type: T.workspace, name: "workspace", props: { publicNetworkAccess: "Enabled" } },
          provider([]),
          catalog,
        ]),
        [],
      );
    });
  });
});

describe("flipping the issue 16 private paths back in the real platform (prod)", () => {
  const PROD = "lh-prod";
  // The lake's globally unique name (a stable per-stack suffix, not the incarnation's).
  const LAKE = "stlhlakeprodweu9e48";
  /** [type, name, path, value]: each removes one path. */
  const MUTATIONS: Mutation[] = [
    [T.subnet, `${PROD}-network-snet-host`, "natGateway", null],
    [T.provider, `${PROD}-databricks-provider`, "opts.dependsOn", []],
    // The approval looks for another endpoint's connection.
    [T.approval, `${PROD}-serverless-lake-blob-approval`, "match", { endpointName: "another-endpoint" }],
    // A rule in another environment's configuration than the one the workspace is bound to.
    [T.rule, `${PROD}-serverless-lake-dfs`, "networkConnectivityConfigId", "ncc-dev"],
    // The scope's endpoint registered in no zone.
    [T.records, `${PROD}-private-monitoring-ampls-pep-dns`, "privateDnsZoneConfigs", []],
    [T.scoped, `${PROD}-private-monitoring-ampls-logs`, "linkedResourceId", "/subscriptions/x/unrelated"],
  ];

  it("reports exactly the matching violation for each removed path", async () => {
    const ZONES = network.AZURE_MONITOR_ZONE_NAMES.join(", ");
    const dbfs = (groupId: string) =>
      `network-workspace-deployer-path ${PROD}-databricks-provider | Provider ${PROD}-databricks-provider of workspace ${PROD}-databricks-workspace, whose DBFS root is behind the storage firewall, does not wait for the DBFS root's ${groupId} private endpoint's DNS records: 110 workspace-level resources (first: ${PROD}-databricks-conf) may start compute that cannot reach it; add the DNS zone group to the provider's dependsOn.`;
    assert.deepStrictEqual(await mandatoryViolationsWith("prod", MUTATIONS), [
      `network-monitor-private-link-scope ${PROD}-foundation-logs | Log Analytics workspace ${PROD}-foundation-logs accepts no public ingestion or query and is in no Azure Monitor Private Link Scope: nothing can send to it or query it; add it to the scope (PrivateLinkScopedResource).`,
      `network-monitor-private-link-scope ${PROD}-monitoring-appinsights | Application Insights component ${PROD}-monitoring-appinsights accepts no public ingestion or query, and its Azure Monitor Private Link Scope ${PROD}-private-monitoring-ampls is reached through a private endpoint whose DNS zone group misses ${ZONES}: those Azure Monitor names resolve to public addresses the resource refuses; add the zones to the zone group.`,
      `network-serverless-lake-connectivity ${PROD}-lake-account | Storage account ${LAKE}: the serverless private endpoint rule to its dfs sub-resource is in network connectivity configuration ncc-dev, which no workspace of the stack is bound to: add the rule to the configuration the workspace's MwsNccBinding names.`,
      `network-serverless-lake-connectivity ${PROD}-lake-account | Storage account ${LAKE}: the serverless private endpoint to its blob sub-resource is never approved: add a PrivateEndpointApproval of the rule's endpoint on the account, or the connection stays pending and serverless compute cannot reach the account.`,
      `network-subnet-egress ${PROD}-network-snet-host | Subnet snet-lh-host-prod-weu runs clusters without default outbound access and has no outbound path: attach a NAT gateway or a route table whose 0.0.0.0/0 route goes to a virtual appliance or the internet, or clusters cannot reach the metastore, artifact and log storage.`,
      `network-workspace-deployer-path ${PROD}-databricks-provider | Provider ${PROD}-databricks-provider of workspace ${PROD}-databricks-workspace, which disables public network access, does not wait for the front-end private endpoint's DNS records: 110 workspace-level resources (first: ${PROD}-databricks-conf) would race them; add the DNS zone group to the provider's dependsOn.`,
      dbfs("blob"),
      dbfs("dfs"),
    ]);
  });
});
