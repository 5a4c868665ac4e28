// The rules added to match the pack's peers (checkov, trivy, Azure Policy; issue 19), both ways: the secure
// configuration passes and each single mutation reports its exact messages (pulumi-policy-aws style).
import * as assert from "assert";
import * as defender from "../../policies/rules/defender";
import * as keyvault from "../../policies/rules/keyvault";
import * as net from "../../policies/rules/network";
import * as sql from "../../policies/rules/sql";
import * as storage from "../../policies/rules/storage";
import * as workspace from "../../policies/rules/workspace";
import {
  DEFENDER_FOR_STORAGE_PROPERTIES,
  FLOW_LOG_SINK_FIREWALL,
  Mutation,
  Props,
  ResourceCase,
  resourceArgs,
  StackResourceSpec,
  stackViolationsOf,
  unknownBooleanValue,
  unknownObjectValue,
  unknownStringValue,
  violationsOf,
} from "../support/policy";

const NSG = "azure-native:network:NetworkSecurityGroup";
const RULE = "azure-native:network:SecurityRule";

/** The rules an NSG may hold: HTTPS from the VNet, everything else from the internet denied, SSH out. */
const nsgRules = () => [
  {
    name: "allow-https-vnet",
    access: "Allow",
    direction: "Inbound",
    protocol: "Tcp",
    sourceAddressPrefix: "VirtualNetwork",
    destinationPortRange: "443",
  },
  {
    name: "deny-internet",
    access: "Deny",
    direction: "Inbound",
    protocol: "*",
    sourceAddressPrefix: "Internet",
    destinationPortRange: "*",
  },
  {
    name: "ssh-out",
    access: "Allow",
    direction: "Outbound",
    protocol: "Tcp",
    sourceAddressPrefix: "*",
    destinationPortRange: "22",
  },
];
const NSG_VALID = { securityRules: nsgRules() };
const STANDALONE_VALID = {
  securityRuleName: "ssh-from-hub",
  access: "Allow",
  direction: "Inbound",
  protocol: "Tcp",
  sourceAddressPrefix: "10.0.0.0/8",
  destinationPortRange: "22",
};
/** Adds one inbound Allow rule from `source` on `ports` to an NSG's rules. */
const openRule =
  (name: string, source: Props, ports: Props) =>
  (p: Props): void => {
    (p.securityRules as Props[]).push({
      name,
      access: "Allow",
      direction: "Inbound",
      protocol: "*",
      ...source,
      ...ports,
    });
  };
const set = (key: string, value: unknown) => (p: Props) => {
  p[key] = value;
};
const del = (key: string) => (p: Props) => {
  delete p[key];
};

const STORAGE_ACCOUNT = {
  accountName: "stlhlakedevweu1a2b",
  networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
};

/** A firewall that denies by default with `bypass`, and the one message it gets. */
const bypassCase = (what: string, bypass: string, message: string): Mutation => [
  what,
  set("networkRuleSet", { defaultAction: "Deny", bypass }),
  [message],
];

/** The flow-log account's documented shape: public endpoint on, default deny, trusted services only, no rules. */
const FLOW_LOG_SINK = {
  accountName: "stlhflowlogsdevweu1a2b",
  publicNetworkAccess: "Enabled",
  networkRuleSet: FLOW_LOG_SINK_FIREWALL,
  tags: { [storage.FLOW_LOG_SINK_TAG]: "true" },
};

const cases: ResourceCase[] = [
  {
    policy: net.noInternetManagementPorts,
    type: NSG,
    valid: NSG_VALID,
    invalid: [
      [
        "SSH from anywhere",
        openRule("ssh", { sourceAddressPrefix: "*" }, { destinationPortRange: "22" }),
        ["NSG rule ssh allows SSH port 22 from the internet (*)."],
      ],
      [
        "RDP from Internet in a port range",
        openRule("tools", { sourceAddressPrefix: "Internet" }, { destinationPortRange: "3000-4000" }),
        ["NSG rule tools allows RDP port 3389 from the internet (Internet)."],
      ],
      [
        "SSH in a port list from 0.0.0.0/0 among the plural prefixes",
        openRule(
          "web-and-ssh",
          { sourceAddressPrefixes: ["10.0.0.0/8", "0.0.0.0/0"] },
          { destinationPortRanges: ["80", "22"] },
        ),
        ["NSG rule web-and-ssh allows SSH port 22 from the internet (0.0.0.0/0)."],
      ],
      [
        "every port from ::/0",
        openRule("all-v6", { sourceAddressPrefix: "::/0" }, { destinationPortRange: "*" }),
        [
          "NSG rule all-v6 allows SSH port 22 from the internet (::/0).",
          "NSG rule all-v6 allows RDP port 3389 from the internet (::/0).",
        ],
      ],
    ],
  },
  {
    policy: net.noInternetManagementPorts,
    type: RULE,
    valid: STANDALONE_VALID,
    invalid: [
      [
        "a standalone SSH rule from Internet",
        set("sourceAddressPrefix", "Internet"),
        ["NSG rule ssh-from-hub allows SSH port 22 from the internet (Internet)."],
      ],
    ],
  },
  {
    policy: net.noInternetInbound,
    type: NSG,
    valid: NSG_VALID,
    invalid: [
      [
        "HTTPS from the internet",
        openRule("https", { sourceAddressPrefix: "Internet" }, { destinationPortRange: "443" }),
        ["NSG rule https allows ports 443 from the internet (Internet); allowed: none."],
      ],
    ],
  },
  {
    policy: net.noInternetInbound,
    type: NSG,
    valid: {
      securityRules: [
        ...nsgRules(),
        {
          name: "https",
          access: "Allow",
          direction: "Inbound",
          protocol: "Tcp",
          sourceAddressPrefix: "Internet",
          destinationPortRange: "443",
        },
      ],
    },
    config: { allowedPorts: [443] },
    invalid: [
      [
        "a port range beyond the allowed port",
        openRule("web", { sourceAddressPrefix: "0.0.0.0" }, { destinationPortRanges: ["443", "8000-8080"] }),
        ["NSG rule web allows ports 443, 8000-8080 from the internet (0.0.0.0); allowed: 443."],
      ],
    ],
  },
  {
    policy: net.noInternetInbound,
    type: RULE,
    valid: STANDALONE_VALID,
    invalid: [
      [
        "a standalone rule open to any source",
        set("sourceAddressPrefix", "any"),
        ["NSG rule ssh-from-hub allows ports 22 from the internet (any); allowed: none."],
      ],
    ],
  },
  {
    policy: storage.storageNetworkBypass,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      bypassCase(
        "None, which keeps trusted Microsoft services out (CKV_AZURE_36, AZU-0010)",
        "None",
        "Storage account firewall keeps trusted Microsoft services out: networkRuleSet.bypass is None, must include AzureServices.",
      ),
      bypassCase(
        "classic logging and metrics let through",
        "Logging, Metrics, AzureServices",
        "Storage account firewall lets Logging, Metrics through: networkRuleSet.bypass may not hold Logging or Metrics.",
      ),
      bypassCase(
        "None combined with AzureServices",
        "AzureServices,None",
        "Storage account firewall bypass combines None with other values (AzureServices,None): None stands alone.",
      ),
      bypassCase(
        "an empty bypass",
        "",
        "Storage account firewall bypass is empty: set networkRuleSet.bypass to AzureServices (or leave it unset).",
      ),
      bypassCase(
        "a value ARM does not know",
        "AzureServices, Everything",
        "Storage account firewall bypass holds Everything: use AzureServices, Logging, Metrics or None.",
      ),
    ],
  },
  {
    policy: storage.storageNetworkBypass,
    type: "azure-native:storage:StorageAccount",
    // Lower case as written by hand, and unset (Azure's default, AzureServices), both pass.
    valid: { ...STORAGE_ACCOUNT, networkRuleSet: { defaultAction: "Deny", bypass: "azureservices" } },
    invalid: [
      bypassCase(
        "metrics in lower case",
        "azureservices, metrics",
        "Storage account firewall lets metrics through: networkRuleSet.bypass may not hold Logging or Metrics.",
      ),
    ],
  },
  {
    policy: storage.storageNetworkBypass,
    type: "azure-native:storage:StorageAccount",
    valid: { ...STORAGE_ACCOUNT, networkRuleSet: { defaultAction: "Deny" } },
    config: { refusedBypass: ["Logging"] },
    invalid: [
      bypassCase(
        "logging where config refuses only Logging",
        "AzureServices, Metrics, Logging",
        "Storage account firewall lets Logging through: networkRuleSet.bypass may not hold Logging.",
      ),
    ],
  },
  {
    policy: storage.storageNoPublicNetwork,
    type: "azure-native:storage:StorageAccount",
    valid: FLOW_LOG_SINK,
    invalid: [
      [
        "a flow-log sink that lets an IP range in",
        set("networkRuleSet", {
          ...FLOW_LOG_SINK.networkRuleSet,
          ipRules: [{ iPAddressOrRange: "203.0.113.0/24" }],
        }),
        ["Flow-log sink account firewall lets named networks in: remove networkRuleSet ipRules."],
      ],
      [
        "a flow-log sink whose firewall allows by default and keeps Network Watcher out",
        set("networkRuleSet", { defaultAction: "Allow", bypass: "None" }),
        [
          "Flow-log sink account firewall allows by default: networkRuleSet.defaultAction is Allow, must be Deny.",
          "Flow-log sink account firewall keeps Network Watcher out: networkRuleSet.bypass is None, must include AzureServices.",
        ],
      ],
      [
        "the same shape without the sink tag",
        del("tags"),
        [
          "Storage account is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
        ],
      ],
      [
        "the sink tag set to something other than true",
        set("tags", { [storage.FLOW_LOG_SINK_TAG]: "yes" }),
        [
          "Storage account is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageFlowLogSinkPublicEndpoint,
    type: "azure-native:storage:StorageAccount",
    // A sink whose public endpoint is off has nothing to report; neither has an account without the tag.
    valid: { ...FLOW_LOG_SINK, publicNetworkAccess: "Disabled" },
    invalid: [
      [
        "a sink with its public endpoint enabled",
        set("publicNetworkAccess", "Enabled"),
        [
          "Storage account stlhflowlogsdevweu1a2b is a flow-log sink: its public endpoint is enabled, firewalled to trusted Azure services (Network Watcher) only.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageValidName,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "hyphens",
        set("accountName", "st-lh-dev"),
        ["Storage account name st-lh-dev is invalid: use 3 to 24 lowercase letters and digits."],
      ],
      [
        "too long",
        set("accountName", "stlhlakedevweu1a2b3c4d5e6"),
        [
          "Storage account name stlhlakedevweu1a2b3c4d5e6 is invalid: use 3 to 24 lowercase letters and digits.",
        ],
      ],
      [
        "no name (auto-naming)",
        del("accountName"),
        ["Storage account name unset is invalid: use 3 to 24 lowercase letters and digits."],
      ],
    ],
  },
  {
    policy: sql.sqlZoneRedundant,
    type: "azure-native:sql:Database",
    valid: { sku: { name: "GP_Gen5_4" }, zoneRedundant: true },
    invalid: [
      [
        "a General Purpose replica in one zone",
        set("zoneRedundant", false),
        ["SQL database on GP_Gen5_4 is not zone-redundant: set zoneRedundant: true."],
      ],
      [
        "no SKU (a geo-secondary inherits the primary's tier)",
        (p) => {
          delete p.sku;
          delete p.zoneRedundant;
        },
        [
          "SQL database has no sku and is not zone-redundant: a geo-secondary inherits the primary's tier, which may offer zone redundancy; set sku, and zoneRedundant: true where the tier offers it.",
        ],
      ],
      [
        "zone redundancy unset on Premium",
        (p) => {
          p.sku = { name: "P2" };
          delete p.zoneRedundant;
        },
        ["SQL database on P2 is not zone-redundant: set zoneRedundant: true."],
      ],
    ],
  },
  {
    policy: sql.sqlZoneRedundant,
    type: "azure-native:sql:Database",
    // Standard (DTU) has no zone redundancy to ask for.
    valid: { sku: { name: "S3" } },
    invalid: [
      [
        "Business Critical without it",
        set("sku", { name: "BC_Gen5_4" }),
        ["SQL database on BC_Gen5_4 is not zone-redundant: set zoneRedundant: true."],
      ],
    ],
  },
  {
    policy: sql.sqlHyperscaleZoneRedundancy,
    type: "azure-native:sql:Database",
    valid: {
      sku: { name: "HS_Gen5_4" },
      zoneRedundant: true,
      requestedBackupStorageRedundancy: "Zone",
      highAvailabilityReplicaCount: 1,
    },
    invalid: [
      [
        "geo-redundant backup storage",
        set("requestedBackupStorageRedundancy", "Geo"),
        [
          "Zone-redundant Hyperscale database has Geo backup storage: set requestedBackupStorageRedundancy: Zone.",
        ],
      ],
      [
        "backup redundancy and high-availability replicas unset",
        (p) => {
          delete p.requestedBackupStorageRedundancy;
          delete p.highAvailabilityReplicaCount;
        },
        [
          "Zone-redundant Hyperscale database has unset backup storage: set requestedBackupStorageRedundancy: Zone.",
          "Zone-redundant Hyperscale database has 0 high-availability replicas: set highAvailabilityReplicaCount: 1 or more.",
        ],
      ],
    ],
  },
  {
    policy: sql.sqlHyperscaleZoneRedundancy,
    type: "azure-native:sql:Database",
    // General Purpose needs neither; a Hyperscale database that is not zone-redundant neither.
    valid: { sku: { name: "GP_Gen5_4" }, zoneRedundant: true },
    invalid: [
      [
        "Hyperscale made zone-redundant without them",
        set("sku", { name: "HS_Gen5_2" }),
        [
          "Zone-redundant Hyperscale database has unset backup storage: set requestedBackupStorageRedundancy: Zone.",
          "Zone-redundant Hyperscale database has 0 high-availability replicas: set highAvailabilityReplicaCount: 1 or more.",
        ],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultHsmKeys,
    type: "azure-native:keyvault:Key",
    valid: { properties: { kty: "RSA-HSM", keySize: 3072 } },
    invalid: [
      [
        "a software key",
        set("properties", { kty: "RSA", keySize: 3072 }),
        ["Key is not HSM-backed: properties.kty is RSA, must be RSA-HSM, EC-HSM."],
      ],
      [
        "a symmetric key (oct-HSM is a Managed HSM type)",
        set("properties", { kty: "oct-HSM", keySize: 256 }),
        ["Key is not HSM-backed: properties.kty is oct-HSM, must be RSA-HSM, EC-HSM."],
      ],
      [
        "no key type",
        set("properties", { keySize: 3072 }),
        ["Key is not HSM-backed: properties.kty is unset, must be RSA-HSM, EC-HSM."],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultSecretContentType,
    type: "azure-native:keyvault:Secret",
    valid: { properties: { value: "s", contentType: "text/plain" } },
    invalid: [
      [
        "no content type",
        set("properties", { value: "s" }),
        ["Secret has no content type: set properties.contentType."],
      ],
      [
        "a blank content type",
        set("properties", { value: "s", contentType: " " }),
        ["Secret has no content type: set properties.contentType."],
      ],
    ],
  },
  {
    policy: workspace.eventHubsSecure,
    type: "azure-native:eventhub:Namespace",
    // Minimum TLS unset: 1.2 is the default since API 2022-01-01-preview, and Event Hubs retired TLS 1.0/1.1.
    valid: { disableLocalAuth: true, publicNetworkAccess: "Disabled" },
    invalid: [
      [
        "TLS 1.1 written out",
        set("minimumTlsVersion", "1.1"),
        ["Event Hubs allows TLS below 1.2: minimumTlsVersion is 1.1, must be 1.2 or unset."],
      ],
    ],
  },
];

describe("peer rules (checkov, trivy, Azure Policy)", () => {
  for (const c of cases) {
    describe(`${c.policy.name} on ${c.type.split(":").pop()}`, () => {
      it("passes the secure configuration", async () => {
        assert.deepStrictEqual(
          await violationsOf(c.policy, resourceArgs(c.type, structuredClone(c.valid), c.config)),
          [],
        );
      });
      for (const [what, mutate, messages] of c.invalid) {
        it(`reports ${what}`, async () => {
          const props = structuredClone(c.valid);
          mutate(props);
          assert.deepStrictEqual(
            await violationsOf(c.policy, resourceArgs(c.type, props, c.config)),
            messages,
          );
        });
      }
    });
  }

  it("helpers: internet sources and port specs", () => {
    assert.deepStrictEqual(
      net.internetInboundRules(NSG, {
        securityRules: [
          {
            name: "a",
            access: "allow",
            direction: "inbound",
            sourceAddressPrefix: "INTERNET",
            destinationPortRange: "80",
          },
          { name: "b", access: "Allow", direction: "Inbound", sourceAddressPrefix: "10.1.0.0/16" },
        ],
      }),
      [{ name: "a", sources: ["INTERNET"], ports: ["80"] }],
    );
    assert.deepStrictEqual(
      [
        "*",
        "Any",
        "Internet",
        "0.0.0.0",
        "0.0.0.0/0",
        "10.0.0.0/0",
        "::/0",
        "AzureCloud",
        "AzureCloud.WestEurope",
        "0.0.0.0/1",
        "128.0.0.0/1",
        "8000::/1",
        "10.0.0.0/8",
        "0.0.0.0/2",
        "AzureMonitor",
        "::",
      ].map(net.isInternetSource),
      [true, true, true, true, true, true, true, true, true, true, true, true, false, false, false, false],
    );
    assert.deepStrictEqual(
      ["*", "22", "20-25", "23-30", " 22 "].map((spec) => net.portSpecIncludes(spec, 22)),
      [true, true, true, false, true],
    );
  });

  describe("network-vnet-flow-logs", () => {
    const FLOW_LOG = {
      enabled: true,
      storageId: "/st",
      retentionPolicy: { enabled: true, days: 90 },
      flowAnalyticsConfiguration: {
        networkWatcherFlowAnalyticsConfiguration: {
          enabled: true,
          workspaceResourceId: "/log",
          trafficAnalyticsInterval: 10,
        },
      },
    };
    const VNET = { type: "azure-native:network:VirtualNetwork", name: "vnet", props: {} };
    const stack = (flowLog: Props | undefined, target = "vnet"): StackResourceSpec[] => [
      VNET,
      { type: NSG, name: "nsg", props: {} },
      ...(flowLog
        ? [
            {
              type: "azure-native:network:FlowLog",
              name: "flowlog",
              props: flowLog,
              dependsOn: { targetResourceId: [target] },
            },
          ]
        : []),
    ];
    const run = (flowLog: Props | undefined, target?: string, config: Props = {}) =>
      stackViolationsOf(net.vnetFlowLogs, stack(flowLog, target), config);
    const NO_FLOW_LOG = "vnet: Virtual network has no flow log: add a VNet flow log.";
    const VNET_ID =
      "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-lh-dev/providers/Microsoft.Network/virtualNetworks/vnet-lh-dev";
    /** A VNet named in config and a flow log that names it by a literal id (imported, or a StackReference). */
    const literal = (targetResourceId: string, flowLog: Props = FLOW_LOG) =>
      stackViolationsOf(net.vnetFlowLogs, [
        { ...VNET, props: { virtualNetworkName: "vnet-lh-dev", resourceGroupName: "rg-lh-dev" } },
        { type: "azure-native:network:FlowLog", name: "flowlog", props: { ...flowLog, targetResourceId } },
      ]);

    it("passes a VNet flow log kept 90 days (or forever) with Traffic Analytics", async () => {
      assert.deepStrictEqual(await run(FLOW_LOG), []);
      assert.deepStrictEqual(await run({ ...FLOW_LOG, retentionPolicy: { enabled: true, days: 0 } }), []);
    });
    it("matches a flow log to its VNet by a literal id, in any case", async () => {
      assert.deepStrictEqual(await literal(VNET_ID), []);
      assert.deepStrictEqual(await literal(VNET_ID.toUpperCase()), []);
    });
    it("does not count a subnet's flow log, or one of another VNet, but checks both", async () => {
      assert.deepStrictEqual(await literal(`${VNET_ID}/subnets/host`), [NO_FLOW_LOG]);
      assert.deepStrictEqual(
        await literal(VNET_ID.replace("vnet-lh-dev", "vnet-hub"), { ...FLOW_LOG, enabled: false }),
        ["flowlog: VNet flow log is not enabled: set enabled: true.", NO_FLOW_LOG],
      );
    });
    it("reports an NSG named by a literal id", async () => {
      assert.deepStrictEqual(
        await literal(VNET_ID.replace("virtualNetworks/vnet-lh-dev", "networkSecurityGroups/nsg")),
        [
          "flowlog: Flow log targets a network security group: NSG flow logs cannot be created since 30 June 2025 (retired 30 September 2027); target the virtual network.",
          NO_FLOW_LOG,
        ],
      );
    });
    it("runs at preview: new VNet, account and workspace ids unknown, an unlinked VNet still reported", async () => {
      const unknownIds = {
        ...FLOW_LOG,
        targetResourceId: unknownStringValue,
        storageId: unknownStringValue,
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: {
            enabled: true,
            workspaceResourceId: unknownStringValue,
            trafficAnalyticsInterval: 10,
          },
        },
      };
      assert.deepStrictEqual(
        await stackViolationsOf(net.vnetFlowLogs, [
          ...stack(unknownIds),
          {
            type: "azure-native:network:VirtualNetwork",
            name: "vnet-2",
            props: { virtualNetworkName: unknownStringValue },
          },
        ]),
        ["vnet-2: Virtual network has no flow log: add a VNet flow log."],
      );
    });
    it("leaves settings unknown at preview to the update, and checks the rest", async () => {
      assert.deepStrictEqual(
        await run({
          ...FLOW_LOG,
          enabled: unknownBooleanValue,
          retentionPolicy: unknownObjectValue,
          storageId: "",
        }),
        ["flowlog: VNet flow log has no storage account: set storageId."],
      );
    });
    const mutations: [string, Props | undefined, string[], string?][] = [
      ["no flow log", undefined, [NO_FLOW_LOG]],
      [
        "a disabled flow log",
        { ...FLOW_LOG, enabled: false },
        ["flowlog: VNet flow log is not enabled: set enabled: true."],
      ],
      [
        "no storage account",
        { ...FLOW_LOG, storageId: "" },
        ["flowlog: VNet flow log has no storage account: set storageId."],
      ],
      [
        "30 days of retention",
        { ...FLOW_LOG, retentionPolicy: { enabled: true, days: 30 } },
        [
          "flowlog: VNet flow log retention is 30 days: retentionPolicy must be enabled with days >= 90 (or 0, forever).",
        ],
      ],
      [
        "retention not enabled",
        { ...FLOW_LOG, retentionPolicy: undefined },
        [
          "flowlog: VNet flow log retention is not enabled: retentionPolicy must be enabled with days >= 90 (or 0, forever).",
        ],
      ],
      [
        "no Traffic Analytics",
        { ...FLOW_LOG, flowAnalyticsConfiguration: undefined },
        [
          "flowlog: VNet flow log has no Traffic Analytics: enable flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration with a workspaceResourceId.",
        ],
      ],
      [
        "a Traffic Analytics interval Azure Policy 2f080164 does not accept",
        {
          ...FLOW_LOG,
          flowAnalyticsConfiguration: {
            networkWatcherFlowAnalyticsConfiguration: {
              enabled: true,
              workspaceResourceId: "/log",
              trafficAnalyticsInterval: 30,
            },
          },
        },
        [
          "flowlog: VNet flow log Traffic Analytics interval is 30: set trafficAnalyticsInterval to 10 or 60 minutes.",
        ],
      ],
      [
        "an NSG flow log instead",
        FLOW_LOG,
        [
          "flowlog: Flow log targets a network security group: NSG flow logs cannot be created since 30 June 2025 (retired 30 September 2027); target the virtual network.",
          NO_FLOW_LOG,
        ],
        "nsg",
      ],
    ];
    for (const [what, flowLog, messages, target] of mutations) {
      it(`reports ${what}`, async () => {
        assert.deepStrictEqual(await run(flowLog, target), messages);
      });
    }
    it("reports retention below a longer configured minimum", async () => {
      assert.deepStrictEqual(await run(FLOW_LOG, undefined, { minRetentionDays: 180 }), [
        "flowlog: VNet flow log retention is 90 days: retentionPolicy must be enabled with days >= 180 (or 0, forever).",
      ]);
    });
  });

  describe("sql-threat-protection", () => {
    const POLICY = {
      state: "Enabled",
      disabledAlerts: [],
      emailAddresses: ["data-platform@example.com"],
      emailAccountAdmins: true,
    };
    const run = (policy: Props | undefined) =>
      stackViolationsOf(sql.sqlThreatProtection, [
        { type: "azure-native:sql:Server", name: "server", props: {} },
        ...(policy
          ? [
              {
                type: "azure-native:sql:ServerSecurityAlertPolicy",
                name: "threat",
                props: policy,
                dependsOn: { serverName: ["server"] },
              },
            ]
          : []),
      ]);

    it("passes threat detection with every alert, mailed to the addresses and the admins", async () => {
      assert.deepStrictEqual(await run(POLICY), []);
    });
    const mutations: [string, Props | undefined, string[]][] = [
      [
        "no policy",
        undefined,
        ["server: SQL server has no threat detection: add a ServerSecurityAlertPolicy with state Enabled."],
      ],
      [
        "a disabled policy",
        { ...POLICY, state: "Disabled" },
        ["server: SQL server has no threat detection: add a ServerSecurityAlertPolicy with state Enabled."],
      ],
      [
        "an alert type disabled",
        { ...POLICY, disabledAlerts: ["Sql_Injection"] },
        ["threat: SQL threat detection ignores Sql_Injection: disabledAlerts must be empty."],
      ],
      [
        "no mailbox",
        { ...POLICY, emailAddresses: [] },
        ["threat: SQL threat alerts reach no mailbox: set emailAddresses to the alert addresses."],
      ],
      [
        "admins not mailed",
        { ...POLICY, emailAccountAdmins: undefined },
        ["threat: SQL threat alerts skip the admins: emailAccountAdmins must be true."],
      ],
    ];
    for (const [what, policy, messages] of mutations) {
      it(`reports ${what}`, async () => {
        assert.deepStrictEqual(await run(policy), messages);
      });
    }
    it("checks every enabled policy of a server, not only the first", async () => {
      assert.deepStrictEqual(
        await stackViolationsOf(sql.sqlThreatProtection, [
          { type: "azure-native:sql:Server", name: "server", props: {} },
          ...[POLICY, { ...POLICY, emailAddresses: [] }].map((props, i) => ({
            type: "azure-native:sql:ServerSecurityAlertPolicy",
            name: `threat-${i}`,
            props,
            dependsOn: { serverName: ["server"] },
          })),
        ]),
        ["threat-1: SQL threat alerts reach no mailbox: set emailAddresses to the alert addresses."],
      );
    });
    it("runs at preview with two new servers whose names are unknown", async () => {
      const servers = ["a", "b"].map((name) => ({
        type: "azure-native:sql:Server",
        name,
        props: { serverName: unknownStringValue },
      }));
      assert.deepStrictEqual(
        await stackViolationsOf(sql.sqlThreatProtection, [
          ...servers,
          {
            type: "azure-native:sql:ServerSecurityAlertPolicy",
            name: "threat",
            props: { ...POLICY, serverName: unknownStringValue },
            dependsOn: { serverName: ["a"] },
          },
        ]),
        ["b: SQL server has no threat detection: add a ServerSecurityAlertPolicy with state Enabled."],
      );
    });
  });

  describe("defender-for-storage", () => {
    const SETTING = { settingName: "current", properties: DEFENDER_FOR_STORAGE_PROPERTIES };
    const ACCOUNT = {
      type: "azure-native:storage:StorageAccount",
      name: "lake",
      props: { accountName: "stlake" },
    };
    const run = (properties: Props | undefined) =>
      stackViolationsOf(defender.defenderForStorage, [
        ACCOUNT,
        ...(properties
          ? [
              {
                type: "azure-native:security:DefenderForStorage",
                name: "defender",
                props: { ...SETTING, properties },
                dependsOn: { resourceId: ["lake"] },
              },
            ]
          : []),
      ]);

    it("passes Defender on the account, overriding the subscription, with both extensions", async () => {
      assert.deepStrictEqual(await run(SETTING.properties), []);
    });
    it("finds the setting of an account named by a literal id", async () => {
      assert.deepStrictEqual(
        await stackViolationsOf(defender.defenderForStorage, [
          ACCOUNT,
          {
            type: "azure-native:security:DefenderForStorage",
            name: "defender",
            props: {
              ...SETTING,
              resourceId:
                "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/STLAKE",
            },
          },
        ]),
        [],
      );
    });
    const mutations: [string, Props | undefined, string[]][] = [
      [
        "no setting",
        undefined,
        [
          "lake: Storage account has no Defender for Storage setting: add a security.DefenderForStorage with malware scanning and sensitive data discovery.",
        ],
      ],
      [
        "Defender off",
        { ...SETTING.properties, isEnabled: false },
        ["defender: Defender for Storage is off: properties.isEnabled must be true."],
      ],
      [
        "the subscription's settings in charge",
        { ...SETTING.properties, overrideSubscriptionLevelSettings: false },
        [
          "defender: Defender for Storage setting defers to the subscription's: properties.overrideSubscriptionLevelSettings must be true.",
        ],
      ],
      [
        "malware scanning off (what the subscription plan used to set)",
        { ...SETTING.properties, malwareScanning: { onUpload: { isEnabled: false } } },
        [
          "defender: Defender for Storage does not scan uploads for malware: properties.malwareScanning.onUpload.isEnabled must be true.",
        ],
      ],
      [
        "sensitive data discovery unset",
        { ...SETTING.properties, sensitiveDataDiscovery: undefined },
        [
          "defender: Defender for Storage skips sensitive data discovery: properties.sensitiveDataDiscovery.isEnabled must be true.",
        ],
      ],
    ];
    for (const [what, properties, messages] of mutations) {
      it(`reports ${what}`, async () => {
        assert.deepStrictEqual(await run(properties), messages);
      });
    }
  });

  describe("defender-plans", () => {
    const STORAGE_PLAN = {
      pricingName: "StorageAccounts",
      pricingTier: "Standard",
      subPlan: "DefenderForStorageV2",
      extensions: [
        {
          name: "OnUploadMalwareScanning",
          isEnabled: "True",
          additionalExtensionProperties: { CapGBPerMonthPerStorageAccount: "5000" },
        },
        { name: "SensitiveDataDiscovery", isEnabled: "True" },
      ],
    };
    const VAULT_PLAN = { pricingName: "KeyVaults", pricingTier: "Standard" };
    const run = (plans: Props[], withVault = true) =>
      stackViolationsOf(defender.defenderPlans, [
        { type: "azure-native:storage:StorageAccount", name: "lake", props: {} },
        ...(withVault ? [{ type: "azure-native:keyvault:Vault", name: "kv", props: {} }] : []),
        ...plans.map((props, i) => ({ type: "azure-native:security:Pricing", name: `plan-${i}`, props })),
      ]);

    it("passes the Key Vault plan, with or without a full Storage plan", async () => {
      assert.deepStrictEqual(await run([STORAGE_PLAN, VAULT_PLAN]), []);
      assert.deepStrictEqual(await run([VAULT_PLAN]), []);
    });
    it("asks for no Key Vault plan where the stack holds no vault", async () => {
      assert.deepStrictEqual(await run([], false), []);
    });
    const mutations: [string, Props[], string[]][] = [
      [
        "no Key Vault plan",
        [],
        [
          "(stack): Microsoft Defender plan KeyVaults is not on: add a security.Pricing with pricingTier Standard.",
        ],
      ],
      [
        "a Storage plan that switches malware scanning off for the subscription",
        [
          {
            ...STORAGE_PLAN,
            extensions: [
              { name: "OnUploadMalwareScanning", isEnabled: "False" },
              { name: "SensitiveDataDiscovery", isEnabled: "True" },
            ],
          },
          VAULT_PLAN,
        ],
        [
          "plan-0: Microsoft Defender plan StorageAccounts leaves OnUploadMalwareScanning off: enable every extension (isEnabled True).",
        ],
      ],
      [
        "the classic per-transaction Storage plan",
        [{ ...STORAGE_PLAN, subPlan: "PerTransaction" }, VAULT_PLAN],
        [
          "plan-0: Microsoft Defender plan StorageAccounts is Standard / PerTransaction: set pricingTier Standard and subPlan DefenderForStorageV2.",
        ],
      ],
      [
        "a free Storage plan",
        [{ pricingName: "StorageAccounts", pricingTier: "Free" }, VAULT_PLAN],
        [
          "plan-0: Microsoft Defender plan StorageAccounts is Free / unset: set pricingTier Standard and subPlan DefenderForStorageV2.",
          "plan-0: Microsoft Defender plan StorageAccounts leaves OnUploadMalwareScanning, SensitiveDataDiscovery off: enable every extension (isEnabled True).",
        ],
      ],
    ];
    for (const [what, plans, messages] of mutations) {
      it(`reports ${what}`, async () => {
        assert.deepStrictEqual(await run(plans), messages);
      });
    }
  });

  describe("keyvault-hsm-premium-vault", () => {
    const run = (sku: string, kty = "RSA-HSM") =>
      stackViolationsOf(keyvault.keyVaultHsmPremium, [
        {
          type: "azure-native:keyvault:Vault",
          name: "kv",
          props: { vaultName: "kv-lh", properties: { sku: { family: "A", name: sku } } },
        },
        {
          type: "azure-native:keyvault:Key",
          name: "key",
          props: { vaultName: "kv-lh", properties: { kty } },
          dependsOn: { vaultName: ["kv"] },
        },
      ]);
    it("passes an HSM key in a Premium vault, and a software key in a Standard one", async () => {
      assert.deepStrictEqual(await run("premium"), []);
      assert.deepStrictEqual(await run("standard", "RSA"), []);
    });
    it("reports an HSM key in a Standard vault", async () => {
      assert.deepStrictEqual(await run("standard", "EC-HSM"), [
        "key: Key of type EC-HSM needs a Premium vault: the vault's sku is standard.",
      ]);
    });
  });
});
