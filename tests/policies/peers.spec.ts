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
  Props,
  ResourceCase,
  resourceArgs,
  StackResourceSpec,
  stackViolationsOf,
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
      [
        "classic logging and metrics let through",
        set("networkRuleSet", { defaultAction: "Deny", bypass: "Logging, Metrics, AzureServices" }),
        [
          "Storage account firewall lets Logging, Metrics through: networkRuleSet.bypass may hold only AzureServices or None.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageNetworkBypass,
    type: "azure-native:storage:StorageAccount",
    valid: { ...STORAGE_ACCOUNT, networkRuleSet: { defaultAction: "Deny", bypass: "None" } },
    config: { allowedBypass: ["None"] },
    invalid: [
      [
        "an unset bypass where only None is allowed (Azure's default is AzureServices)",
        set("networkRuleSet", { defaultAction: "Deny" }),
        ["Storage account firewall lets AzureServices through: networkRuleSet.bypass may hold only None."],
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
    policy: keyvault.keyVaultHsmKeys,
    type: "azure-native:keyvault:Key",
    valid: { properties: { kty: "RSA-HSM", keySize: 3072 } },
    invalid: [
      [
        "a software key",
        set("properties", { kty: "RSA", keySize: 3072 }),
        ["Key is not HSM-backed: properties.kty is RSA, must be RSA-HSM, EC-HSM, oct-HSM."],
      ],
      [
        "no key type",
        set("properties", { keySize: 3072 }),
        ["Key is not HSM-backed: properties.kty is unset, must be RSA-HSM, EC-HSM, oct-HSM."],
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
        "10.0.0.0/8",
        "::",
      ].map(net.isInternetSource),
      [true, true, true, true, true, true, true, false, false, false],
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
        networkWatcherFlowAnalyticsConfiguration: { enabled: true, workspaceResourceId: "/log" },
      },
    };
    const stack = (flowLog: Props | undefined, target = "vnet"): StackResourceSpec[] => [
      { type: "azure-native:network:VirtualNetwork", name: "vnet", props: {} },
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

    it("passes a VNet flow log kept 90 days (or forever) with Traffic Analytics", async () => {
      assert.deepStrictEqual(await run(FLOW_LOG), []);
      assert.deepStrictEqual(await run({ ...FLOW_LOG, retentionPolicy: { enabled: true, days: 0 } }), []);
    });
    const mutations: [string, Props | undefined, string[], string?][] = [
      ["no flow log", undefined, ["vnet: Virtual network has no flow log: add a VNet flow log."]],
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
        "an NSG flow log instead",
        FLOW_LOG,
        [
          "flowlog: Flow log targets a network security group: NSG flow logs cannot be created since 30 June 2025 (retired 30 September 2027); target the virtual network.",
          "vnet: Virtual network has no flow log: add a VNet flow log.",
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
  });

  describe("defender-plans", () => {
    const STORAGE_PLAN = {
      pricingName: "StorageAccounts",
      pricingTier: "Standard",
      subPlan: "DefenderForStorageV2",
    };
    const VAULT_PLAN = { pricingName: "KeyVaults", pricingTier: "Standard" };
    const run = (plans: Props[], withVault = true) =>
      stackViolationsOf(defender.defenderPlans, [
        { type: "azure-native:storage:StorageAccount", name: "lake", props: {} },
        ...(withVault ? [{ type: "azure-native:keyvault:Vault", name: "kv", props: {} }] : []),
        ...plans.map((props, i) => ({ type: "azure-native:security:Pricing", name: `plan-${i}`, props })),
      ]);

    it("passes Standard plans for Storage (per account) and Key Vault", async () => {
      assert.deepStrictEqual(await run([STORAGE_PLAN, VAULT_PLAN]), []);
    });
    it("asks only for the plans of the services the stack holds", async () => {
      assert.deepStrictEqual(await run([STORAGE_PLAN], false), []);
    });
    const STORAGE_OFF =
      "(stack): Microsoft Defender plan StorageAccounts (DefenderForStorageV2) is not on: add a security.Pricing with pricingTier Standard.";
    const mutations: [string, Props[], string[]][] = [
      [
        "no plans",
        [],
        [
          STORAGE_OFF,
          "(stack): Microsoft Defender plan KeyVaults is not on: add a security.Pricing with pricingTier Standard.",
        ],
      ],
      ["Storage on the free tier", [{ ...STORAGE_PLAN, pricingTier: "Free" }, VAULT_PLAN], [STORAGE_OFF]],
      [
        "the classic per-transaction Storage plan",
        [{ ...STORAGE_PLAN, subPlan: "PerTransaction" }, VAULT_PLAN],
        [STORAGE_OFF],
      ],
    ];
    for (const [what, plans, messages] of mutations) {
      it(`reports ${what}`, async () => {
        assert.deepStrictEqual(await run(plans), messages);
      });
    }
  });
});
