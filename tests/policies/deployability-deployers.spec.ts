// The deployers' private path rules (issue 16), both ways with exact messages, and a flip test: the real
// platform with the path removed fails with the matching rules.
import * as assert from "assert";
import * as deployers from "../../policies/rules/deployability-deployers";
import { cidrsOverlap } from "../../policies/lib/cidr";
import { StackSpec as Spec, stackViolationsOfSpecs as violations } from "../support/policy";
import { mandatoryViolationsWith, Mutation } from "../support/mutations";
import { savedAccountPlanOf } from "../support/plan";

type Props = Record<string, unknown>;

const T = {
  ...deployers.DEPLOYER_RULE_TYPES,
  records: deployers.DEPLOYER_RULE_TYPES.zoneGroup,
  provider: deployers.DEPLOYER_RULE_TYPES.databricksProvider,
};

const privateWorkspace: Spec = {
  type: T.workspace,
  name: "workspace",
  props: { publicNetworkAccess: "Disabled" },
};

describe("deployability (deployers) rules", () => {
  describe("cidrsOverlap", () => {
    it("tells overlapping blocks from disjoint ones, and ignores what is not a block", () => {
      assert.deepStrictEqual(
        [
          cidrsOverlap("10.20.0.0/16", "10.20.4.0/22"),
          cidrsOverlap("10.250.0.0/24", "10.250.1.0/24"),
          cidrsOverlap("10.0.0.0/8", "10.250.1.0/24"),
          cidrsOverlap("10.20.0.0/16", "not-a-cidr"),
        ],
        [true, false, true, false],
      );
    });
  });

  describe("deployers-agent-pool", () => {
    const settings = (agentPoolId?: string): Spec => ({
      type: T.settings,
      name: "settings",
      props: agentPoolId === undefined ? {} : { agentPoolId },
    });
    it("passes deployment settings on an agent pool", async () => {
      assert.deepStrictEqual(
        await violations(deployers.deploymentsOnAgentPool, [privateWorkspace, settings("pool-id")]),
        [],
      );
    });
    it("reports deployment settings of a private workspace's stack on Pulumi-hosted runners", async () => {
      assert.deepStrictEqual(
        await violations(deployers.deploymentsOnAgentPool, [privateWorkspace, settings()]),
        [
          "settings: Deployment settings settings run on Pulumi-hosted runners, outside the network of the stack's private workspace: every workspace-level call would fail; set agentPoolId to the environment's deployer pool.",
        ],
      );
    });
    it("leaves a stack whose workspace is public alone", async () => {
      assert.deepStrictEqual(
        await violations(deployers.deploymentsOnAgentPool, [
          { ...privateWorkspace, props: { publicNetworkAccess: "Enabled" } },
          settings(),
        ]),
        [],
      );
    });
  });

  describe("deployers-databricks-sign-in", () => {
    const LOGIN =
      'az login --service-principal --username "$ARM_CLIENT_ID" --tenant "$ARM_TENANT_ID" --federated-token "$ARM_OIDC_TOKEN"';
    const provider = (props: Props = {}): Spec => ({ type: T.provider, name: "provider", props });
    const settings = (executorImage: unknown, preRunCommands: string[]): Spec => ({
      type: T.settings,
      name: "settings",
      props: { executorContext: { executorImage }, operationContext: { preRunCommands } },
    });
    it("passes the full image with the Azure CLI signed in first, and Deployments' default image", async () => {
      assert.deepStrictEqual(
        await violations(deployers.databricksSignInOnRunners, [
          provider(),
          settings("pulumi/pulumi:3.276.0", [LOGIN, "npm ci"]),
        ]),
        [],
      );
      assert.deepStrictEqual(
        await violations(deployers.databricksSignInOnRunners, [provider(), settings(undefined, [LOGIN])]),
        [],
      );
    });
    it("reports a slim image and no Azure CLI sign-in", async () => {
      assert.deepStrictEqual(
        await violations(deployers.databricksSignInOnRunners, [
          provider(),
          settings({ reference: "pulumi/pulumi-nodejs-24:3.276.0" }, ["npm ci", "az login --identity"]),
        ]),
        [
          'settings: Deployment settings settings runs in pulumi/pulumi-nodejs-24:3.276.0, which has no Azure CLI: the stack\'s Databricks providers sign in through Azure and would get no credential inside a deployment; use pulumi/pulumi:<version> and az login --federated-token "$ARM_OIDC_TOKEN" first in preRunCommands.',
          "settings: Deployment settings settings signs no Azure CLI in with the deployment's OIDC token: the stack's Databricks providers sign in through Azure and would get no credential inside a deployment; use pulumi/pulumi:<version> and az login --federated-token \"$ARM_OIDC_TOKEN\" first in preRunCommands.",
        ],
      );
    });
    it("accepts the full image from a registry or by digest", async () => {
      assert.deepStrictEqual(
        await violations(deployers.databricksSignInOnRunners, [
          provider({ authType: "azure-cli" }),
          settings("registry.example.com/pulumi/pulumi@sha256:" + "0".repeat(64), [LOGIN]),
        ]),
        [],
      );
    });
    it("leaves providers that sign in another way alone (managed identity, another auth type)", async () => {
      for (const props of [{ azureUseMsi: true }, { authType: "azure-msi" }]) {
        assert.deepStrictEqual(
          await violations(deployers.databricksSignInOnRunners, [
            provider(props),
            settings("pulumi/pulumi-nodejs", []),
          ]),
          [],
        );
      }
    });
    it("leaves a stack whose Databricks providers carry their own credential alone", async () => {
      assert.deepStrictEqual(
        await violations(deployers.databricksSignInOnRunners, [
          provider({ clientSecret: "[secret]" }),
          settings("pulumi/pulumi-nodejs:3.276.0", []),
        ]),
        [],
      );
    });
  });

  describe("deployers-workspace-waits-for-pool-path", () => {
    const endpoint = (name: string): Spec[] => [
      {
        type: T.endpoint,
        name,
        props: { privateLinkServiceConnections: [{ groupIds: ["databricks_ui_api"] }] },
        dependsOn: { privateLinkServiceConnections: ["workspace"] },
      },
      { type: T.records, name: `${name}-dns`, parent: name, dependsOn: { privateEndpointName: [name] } },
    ];
    const provider = (waitsFor: string[]): Spec => ({
      type: T.provider,
      name: "provider",
      dependsOn: { host: ["workspace"] },
      waitsFor,
    });
    const stack = [privateWorkspace, ...endpoint("ui-api"), ...endpoint("deployer-ui-api")];
    it("passes a provider that waits for the records of every front-end endpoint", async () => {
      assert.deepStrictEqual(
        await violations(deployers.workspaceWaitsForDeployerPath, [
          ...stack,
          provider(["ui-api-dns", "deployer-ui-api-dns"]),
        ]),
        [],
      );
    });
    it("leaves a provider that waits for no front-end record to network-workspace-deployer-path", async () => {
      assert.deepStrictEqual(
        await violations(deployers.workspaceWaitsForDeployerPath, [...stack, provider([])]),
        [],
      );
    });
    it("reports a provider that waits for the stack's endpoint only", async () => {
      assert.deepStrictEqual(
        await violations(deployers.workspaceWaitsForDeployerPath, [...stack, provider(["ui-api-dns"])]),
        [
          "provider: Provider provider of private workspace workspace does not wait for the DNS records of its front-end endpoint(s) deployer-ui-api: a deployer that resolves the workspace through them would call it before its name resolves; add their DNS zone groups to the provider's dependsOn (DatabricksWorkspace deployerPath).",
        ],
      );
    });
  });

  describe("deployers-grafana-pool-path", () => {
    const endpoint = (name: string, subnet: string): Spec[] => [
      {
        type: T.endpoint,
        name,
        props: { privateLinkServiceConnections: [{ groupIds: ["grafana"] }] },
        dependsOn: { privateLinkServiceConnections: ["amg"], subnet: [subnet] },
      },
      { type: T.records, name: `${name}-dns`, parent: name, dependsOn: { privateEndpointName: [name] } },
    ];
    const stack = (settings: boolean, providerWaits: string[], poolEndpoint = true): Spec[] => [
      { type: T.grafana, name: "amg", props: { properties: { publicNetworkAccess: "Disabled" } } },
      { type: T.subnet, name: "snet-pep", props: {} },
      { type: "pulumi:pulumi:StackReference", name: "account", props: {} },
      ...endpoint("amg-pep", "snet-pep"),
      ...(poolEndpoint ? endpoint("deployer-amg-pep", "account") : []),
      ...(settings ? [{ type: T.settings, name: "settings", props: { agentPoolId: "pool-id" } }] : []),
      { type: T.grafanaProvider, name: "grafana", dependsOn: { url: ["amg"] }, waitsFor: providerWaits },
    ];
    it("passes a provider that waits for the records of the endpoint in the pool's network", async () => {
      assert.deepStrictEqual(
        await violations(
          deployers.grafanaWaitsForDeployerPath,
          stack(true, ["amg-pep-dns", "deployer-amg-pep-dns"]),
        ),
        [],
      );
    });
    it("reports a review stack (a TtlSchedule, its template's settings) without the pool's endpoint", async () => {
      const review = [...stack(false, ["amg-pep-dns"], false), { type: T.ttl, name: "ttl", props: {} }];
      assert.deepStrictEqual(await violations(deployers.grafanaWaitsForDeployerPath, review), [
        "grafana: Managed Grafana amg disables public network access and the stack deploys from a deployer pool, but Grafana has no private endpoint in the pool's network: the runners cannot resolve or reach it through provider grafana; add one (DeployerPath.endpoint, zone grafana).",
      ]);
    });
    it("leaves a stack not deployed by Pulumi Deployments to grafana-provider-private-path", async () => {
      assert.deepStrictEqual(
        await violations(deployers.grafanaWaitsForDeployerPath, stack(false, ["amg-pep-dns"], false)),
        [],
      );
    });
    it("reports a provider that waits for the stack's endpoint only", async () => {
      assert.deepStrictEqual(
        await violations(deployers.grafanaWaitsForDeployerPath, stack(true, ["amg-pep-dns"])),
        [
          "grafana: Provider grafana of Managed Grafana amg does not wait for the DNS records of its endpoint in the deployer pool's network (deployer-amg-pep-dns): the runners would call Grafana before its name resolves; add them to the provider's dependsOn (GrafanaDashboards reachableAfter).",
        ],
      );
    });
    it("reports a private Grafana with no endpoint in the pool's network", async () => {
      assert.deepStrictEqual(
        await violations(deployers.grafanaWaitsForDeployerPath, stack(true, ["amg-pep-dns"], false)),
        [
          "grafana: Managed Grafana amg disables public network access and the stack deploys from a deployer pool, but Grafana has no private endpoint in the pool's network: the runners cannot resolve or reach it through provider grafana; add one (DeployerPath.endpoint, zone grafana).",
        ],
      );
    });
  });

  describe("deployers-one-zone-name-per-vnet", () => {
    const zone = (name: string): Spec => ({
      type: T.zone,
      name,
      props: { privateZoneName: "privatelink.azuredatabricks.net" },
    });
    const link = (name: string, zoneName: string): Spec => ({
      type: T.link,
      name,
      props: {
        virtualNetwork: {
          id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-pool",
        },
      },
      dependsOn: { privateZoneName: [zoneName] },
    });
    it("passes one zone of a name per VNet", async () => {
      assert.deepStrictEqual(
        await violations(deployers.oneZoneOfANamePerVnet, [zone("zone"), link("link", "zone")]),
        [],
      );
    });
    it("reports a second zone linked to a VNet of the plan by id string while the first links it by reference", async () => {
      const vnet: Spec = {
        type: T.vnet,
        name: "vnet",
        props: { resourceGroupName: "rg", virtualNetworkName: "vnet-pool" },
      };
      const byReference: Spec = {
        type: T.link,
        name: "link-a",
        props: { virtualNetwork: {} },
        dependsOn: { privateZoneName: ["zone-a"], virtualNetwork: ["vnet"] },
      };
      assert.deepStrictEqual(
        await violations(deployers.oneZoneOfANamePerVnet, [
          vnet,
          zone("zone-a"),
          zone("zone-b"),
          byReference,
          link("link-b", "zone-b"),
        ]),
        [
          "link-b: Link link-b links a second privatelink.azuredatabricks.net zone to a virtual network link-a already links one to: Azure refuses it; register the records in the zone that is linked already.",
        ],
      );
    });
    it("reports a second zone of the same name linked to the same VNet", async () => {
      assert.deepStrictEqual(
        await violations(deployers.oneZoneOfANamePerVnet, [
          zone("zone-a"),
          zone("zone-b"),
          link("link-a", "zone-a"),
          link("link-b", "zone-b"),
        ]),
        [
          "link-b: Link link-b links a second privatelink.azuredatabricks.net zone to a virtual network link-a already links one to: Azure refuses it; register the records in the zone that is linked already.",
        ],
      );
    });
  });

  describe("deployers-flexible-scale-set", () => {
    const scaleSet = (props: Props): Spec => ({
      type: T.scaleSet,
      name: "vmss",
      props: { orchestrationMode: "Flexible", ...props },
    });
    const profile = (networkApiVersion?: string) => ({
      virtualMachineProfile: {
        networkProfile: {
          ...(networkApiVersion ? { networkApiVersion } : {}),
          networkInterfaceConfigurations: [{ name: "nic" }],
        },
      },
    });
    it("passes the account stack's runner hosts (planned)", async () => {
      const plan = await savedAccountPlanOf();
      const hosts = plan.resources.filter((r) => r.type === T.scaleSet);
      assert.strictEqual(hosts.length, 2);
      assert.deepStrictEqual(
        plan.violations.filter((v) => v.policy.startsWith("deployers-")),
        [],
      );
    });
    it("passes a Flexible scale set with the network API version", async () => {
      assert.deepStrictEqual(
        await violations(deployers.flexibleScaleSetNetwork, [scaleSet(profile("2020-11-01"))]),
        [],
      );
    });
    it("reports a Flexible scale set with network interfaces and no network API version", async () => {
      assert.deepStrictEqual(await violations(deployers.flexibleScaleSetNetwork, [scaleSet(profile())]), [
        "vmss: Scale set vmss uses Flexible orchestration but networkProfile.networkApiVersion is unset (Azure cannot create the VMs' network interfaces; set 2020-11-01): Azure refuses it.",
      ]);
    });
    it("reports platform guest patching with the VM agent turned off, not with it unset (true)", async () => {
      const patched = (provisionVMAgent?: boolean) =>
        scaleSet({
          virtualMachineProfile: {
            ...profile("2020-11-01").virtualMachineProfile,
            osProfile: {
              linuxConfiguration: {
                ...(provisionVMAgent === undefined ? {} : { provisionVMAgent }),
                patchSettings: { patchMode: "AutomaticByPlatform" },
              },
            },
          },
        });
      assert.deepStrictEqual(await violations(deployers.flexibleScaleSetNetwork, [patched(true)]), []);
      assert.deepStrictEqual(await violations(deployers.flexibleScaleSetNetwork, [patched()]), []);
      assert.deepStrictEqual(await violations(deployers.flexibleScaleSetNetwork, [patched(false)]), [
        "vmss: Scale set vmss uses Flexible orchestration but patchMode AutomaticByPlatform with provisionVMAgent: false (leave it unset or set true): Azure refuses it.",
      ]);
    });
  });
});

describe("flipping the deployers' path back in the real platform (dev)", () => {
  const DEV = "lh-dev";
  const MUTATIONS: Mutation[] = [
    [T.settings, `${DEV}-deployments-settings`, "agentPoolId", ""],
    // The slim Node.js image, without the Azure CLI sign-in the Databricks providers need.
    [
      T.settings,
      `${DEV}-deployments-settings`,
      "executorContext.executorImage",
      "pulumi/pulumi-nodejs-24:3.276.0",
    ],
    // The provider still waits for the stack's own front-end endpoint, not for the deployers'.
    [T.provider, `${DEV}-databricks-provider`, "opts.dependsOn", { without: "deployer" }],
    // The deployers' Grafana endpoint points elsewhere: Grafana is left with the one in the stack's VNet.
    [
      T.endpoint,
      `${DEV}-deployer-grafana-pep`,
      "privateLinkServiceConnections",
      [
        {
          name: "other",
          privateLinkServiceId: "/subscriptions/s/resourceGroups/rg/x/other",
          groupIds: ["grafana"],
        },
      ],
    ],
  ];

  it("reports exactly the matching violations", async () => {
    const found = await mandatoryViolationsWith("dev", MUTATIONS);
    assert.deepStrictEqual(
      found.filter((v) => v.startsWith("deployers-")),
      [
        `deployers-agent-pool ${DEV}-deployments-settings | Deployment settings ${DEV}-deployments-settings run on Pulumi-hosted runners, outside the network of the stack's private workspace: every workspace-level call would fail; set agentPoolId to the environment's deployer pool.`,
        `deployers-databricks-sign-in ${DEV}-deployments-settings | Deployment settings ${DEV}-deployments-settings runs in pulumi/pulumi-nodejs-24:3.276.0, which has no Azure CLI: the stack's Databricks providers sign in through Azure and would get no credential inside a deployment; use pulumi/pulumi:<version> and az login --federated-token "$ARM_OIDC_TOKEN" first in preRunCommands.`,
        `deployers-grafana-pool-path ${DEV}-dashboards-provider | Managed Grafana ${DEV}-monitoring-grafana disables public network access and the stack deploys from a deployer pool, but Grafana has no private endpoint in the pool's network: the runners cannot resolve or reach it through provider ${DEV}-dashboards-provider; add one (DeployerPath.endpoint, zone grafana).`,
        `deployers-workspace-waits-for-pool-path ${DEV}-databricks-provider | Provider ${DEV}-databricks-provider of private workspace ${DEV}-databricks-workspace does not wait for the DNS records of its front-end endpoint(s) ${DEV}-deployer-ui-api-pep: a deployer that resolves the workspace through them would call it before its name resolves; add their DNS zone groups to the provider's dependsOn (DatabricksWorkspace deployerPath).`,
      ],
    );
    // Nothing else fails: the stack's own front-end endpoint is still waited for.
    assert.deepStrictEqual(
      found.filter((v) => !v.startsWith("deployers-")),
      [],
    );
  });
});
