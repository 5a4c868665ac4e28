import { Policies, PolicyResource } from "@pulumi/policy";
import { waitsFor } from "../lib/dependencies";
import { anchor, LEARN, stackRule } from "../lib/rule";
import { read } from "../lib/unknown";
import { privateEndpointsOf, privateRecordsOf, recordsOfEndpoints } from "../lib/private-path";

// Deployability: the deployers' private path (issue 16): the deployer of a private workspace runs inside a
// network that reaches it, and everything workspace-level waits for that path.
// Mandatory everywhere: a violation here means `pulumi up` (or a deployment) would fail.

/** The resource types these rules read. */
export const DEPLOYER_RULE_TYPES = {
  workspace: "azure-native:databricks:Workspace",
  settings: "pulumiservice:index:DeploymentSettings",
  /** A review stack's: it runs with its template's settings, so on its template's pool. */
  ttl: "pulumiservice:index:TtlSchedule",
  vnet: "azure-native:network:VirtualNetwork",
  zone: "azure-native:privatedns:PrivateZone",
  link: "azure-native:privatedns:VirtualNetworkLink",
  databricksProvider: "pulumi:providers:databricks",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  scaleSet: "azure-native:compute:VirtualMachineScaleSet",
  endpoint: "azure-native:network:PrivateEndpoint",
  subnet: "azure-native:network:Subnet",
  grafana: "azure-native:dashboard:Grafana",
  grafanaProvider: "pulumi:providers:grafana",
} as const;
const TYPES = DEPLOYER_RULE_TYPES;

const privateWorkspaces = (resources: readonly PolicyResource[]) =>
  resources.filter((r) => r.type === TYPES.workspace && r.props.publicNetworkAccess === "Disabled");

export const deploymentsOnAgentPool = stackRule(
  {
    name: "deployers-agent-pool",
    description:
      "A stack whose workspace disables public network access runs its Pulumi Deployments on a customer-managed agent pool (DeploymentSettings.agentPoolId): the Pulumi-hosted runners are outside every private network.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/front-end/front-end-private-connect`,
      "Configure front-end private connectivity: with public network access disabled only the front-end private endpoint reaches the workspace; Pulumi docs, Customer-managed workflow runners: run deployments inside private networks",
    ),
    remediationSteps:
      "Set agentPoolId on the stack's DeploymentSettings to its environment's deployer pool (the account stack's deployerPools output; Deployments does).",
  },
  (resources) =>
    privateWorkspaces(resources).length === 0
      ? []
      : resources
          .filter((r) => r.type === TYPES.settings)
          .filter((r) => {
            const pool = read(() => r.props.agentPoolId as unknown);
            return pool.known && (typeof pool.value !== "string" || pool.value === "");
          })
          .map((r) => ({
            urn: r.urn,
            message: `Deployment settings ${r.name} run on Pulumi-hosted runners, outside the network of the stack's private workspace: every workspace-level call would fail; set agentPoolId to the environment's deployer pool.`,
          })),
);

export const workspaceWaitsForDeployerPath = stackRule(
  {
    name: "deployers-workspace-waits-for-pool-path",
    description:
      "The provider of a private workspace waits for the DNS records of every front-end (databricks_ui_api) private endpoint of the workspace, the deployers' endpoint in their pool's network included, not only the one in the stack's VNet.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/front-end/front-end-private-connect`,
      "Configure front-end private connectivity: clients reach a workspace with public network access disabled through a front-end private endpoint in their network (a transit VNet), whose private DNS record resolves the workspace URL",
    ),
    remediationSteps:
      "Build the deployers' endpoint through DatabricksWorkspace's deployerPath (DeployerPath.endpoint), so the provider depends on its DNS zone group, as the platform does.",
  },
  (resources) =>
    privateWorkspaces(resources).flatMap((workspace) => {
      const records = privateEndpointsOf(workspace, "databricks_ui_api", resources).map((endpoint) => ({
        endpoint,
        records: recordsOfEndpoints([endpoint], resources),
      }));
      return resources
        .filter(
          (r) =>
            r.type === TYPES.databricksProvider &&
            Object.values(r.propertyDependencies).some((deps) => deps.includes(workspace)),
        )
        .flatMap((provider) => {
          const waited = records.filter(({ records: zoneGroups }) =>
            zoneGroups.some((z) => waitsFor(provider, z, resources)),
          );
          // Waiting for none is network-workspace-deployer-path's finding; this rule adds the other endpoints.
          if (waited.length === 0) return [];
          const missing = records.filter(
            ({ records: zoneGroups }) => !zoneGroups.some((z) => waitsFor(provider, z, resources)),
          );
          return missing.length === 0
            ? []
            : [
                {
                  urn: provider.urn,
                  message: `Provider ${provider.name} of private workspace ${workspace.name} does not wait for the DNS records of its front-end endpoint(s) ${missing.map((m) => m.endpoint.name).join(", ")}: a deployer that resolves the workspace through them would call it before its name resolves; add their DNS zone groups to the provider's dependsOn (DatabricksWorkspace deployerPath).`,
                },
              ];
        });
    }),
);

/**
 * Whether the stack is deployed by Pulumi Deployments (it has deployment settings, or is a review stack): by its runners, which a
 * private Grafana reaches only through an endpoint in their network (deployers-agent-pool puts them in a pool).
 */
const deployedByDeployments = (resources: readonly PolicyResource[]) =>
  resources.some((r) => r.type === TYPES.settings || r.type === TYPES.ttl);

/** Whether a private endpoint's subnet is none of the stack's own (a deployer pool's, read from the account). */
const outsideTheStack = (endpoint: PolicyResource) =>
  !(endpoint.propertyDependencies.subnet ?? []).some((r) => r.type === TYPES.subnet || r.type === TYPES.vnet);

export const grafanaWaitsForDeployerPath = stackRule(
  {
    name: "deployers-grafana-pool-path",
    description:
      "In a stack deployed by Pulumi Deployments (it has DeploymentSettings or, a review stack, a TtlSchedule; its runners are a deployer pool's), a Grafana provider pointed at a Managed Grafana that disables public network access waits for the DNS records of a grafana private endpoint in the pool's network (a subnet that is not the stack's), not only for the one in the stack's VNet.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/azure/managed-grafana/how-to-set-up-private-access",
      "Set up private access in Azure Managed Grafana: with public access disabled, clients reach Grafana only through a private endpoint in their network, whose record in privatelink.grafana.azure.com resolves the workspace's name",
    ),
    remediationSteps:
      "Give the deployers a grafana endpoint in their pool's network (DeployerPath.endpoint with zone grafana) and add its DNS zone group to GrafanaDashboards' reachableAfter, as the platform does.",
  },
  (resources) =>
    !deployedByDeployments(resources)
      ? []
      : resources
          // Fails closed, as grafana-provider-private-path: a value not known yet counts as Disabled.
          .filter(
            (r) =>
              r.type === TYPES.grafana &&
              (r.props.properties as { publicNetworkAccess?: unknown } | undefined)?.publicNetworkAccess !==
                "Enabled",
          )
          .flatMap((grafana) => {
            const poolRecords = privateRecordsOf(grafana, "grafana", resources).filter((records) => {
              const endpoint =
                records.parent?.type === TYPES.endpoint
                  ? records.parent
                  : (records.propertyDependencies.privateEndpointName ?? []).find(
                      (e) => e.type === TYPES.endpoint,
                    );
              return endpoint !== undefined && outsideTheStack(endpoint);
            });
            return resources
              .filter(
                (r) =>
                  r.type === TYPES.grafanaProvider && (r.propertyDependencies.url ?? []).includes(grafana),
              )
              .filter((provider) => !poolRecords.some((z) => waitsFor(provider, z, resources)))
              .map((provider) => ({
                urn: provider.urn,
                message:
                  poolRecords.length === 0
                    ? `Managed Grafana ${grafana.name} disables public network access and the stack deploys from a deployer pool, but Grafana has no private endpoint in the pool's network: the runners cannot resolve or reach it through provider ${provider.name}; add one (DeployerPath.endpoint, zone grafana).`
                    : `Provider ${provider.name} of Managed Grafana ${grafana.name} does not wait for the DNS records of its endpoint in the deployer pool's network (${poolRecords.map((z) => z.name).join(", ")}): the runners would call Grafana before its name resolves; add them to the provider's dependsOn (GrafanaDashboards reachableAfter).`,
              }));
          }),
);

/** A VNet's key, `<resource group>/<name>` lowercased, from its id (`.../resourceGroups/<rg>/.../<name>`). */
const vnetKeyOfId = (id: string) => {
  const match = /\/resourceGroups\/([^/]+)\/.*\/([^/]+)$/i.exec(id);
  return (match ? `${match[1]}/${match[2]}` : id).toLowerCase();
};

/**
 * The zone name and target VNet of a private DNS VNet link. The VNet is keyed by resource group and name,
 * whether the link names it by reference (a VNet of the plan) or by an id string, so both forms of one VNet
 * meet; a VNet of the plan whose names are not known yet is keyed by its URN.
 */
const linkTarget = (link: PolicyResource, zones: readonly PolicyResource[]) => {
  const zone = zones.find((z) => (link.propertyDependencies.privateZoneName ?? []).includes(z));
  const zoneName = zone ? zone.props.privateZoneName : link.props.privateZoneName;
  const vnets = (link.propertyDependencies.virtualNetwork ?? []).filter((d) => d.type === TYPES.vnet);
  if (vnets.length === 1) {
    const { resourceGroupName: group, virtualNetworkName: vnetName } = vnets[0].props;
    return {
      zoneName,
      vnet:
        typeof group === "string" && typeof vnetName === "string"
          ? `${group}/${vnetName}`.toLowerCase()
          : vnets[0].urn,
    };
  }
  const id = read(() => (link.props.virtualNetwork as { id?: unknown } | undefined)?.id);
  return { zoneName, vnet: id.known && typeof id.value === "string" ? vnetKeyOfId(id.value) : undefined };
};

export const oneZoneOfANamePerVnet = stackRule(
  {
    name: "deployers-one-zone-name-per-vnet",
    description:
      "A virtual network is linked to at most one private DNS zone of a given name (Azure refuses a second link: a virtual network cannot be linked to multiple zones with overlapping namespaces).",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/private-link/private-link-faq`,
      "Azure Private Link FAQ: Can we link multiple private DNS zones with the same name? No, creating multiple zones with the same name for a single virtual network is not supported",
    ),
    remediationSteps:
      "Register the records in the zone already linked to that VNet (a deployer pool's zones: DeployerPath.endpoint) instead of linking a second zone of the same name.",
  },
  (resources) => {
    const zones = resources.filter((r) => r.type === TYPES.zone);
    const seen = new Map<string, PolicyResource>();
    const problems: { urn: string; message: string }[] = [];
    for (const link of resources.filter((r) => r.type === TYPES.link)) {
      const { zoneName, vnet } = linkTarget(link, zones);
      if (typeof zoneName !== "string" || vnet === undefined) continue;
      const key = `${zoneName.toLowerCase()} ${vnet}`;
      const first = seen.get(key);
      if (first) {
        problems.push({
          urn: link.urn,
          message: `Link ${link.name} links a second ${zoneName} zone to a virtual network ${first.name} already links one to: Azure refuses it; register the records in the zone that is linked already.`,
        });
      } else seen.set(key, link);
    }
    return problems;
  },
);

/** What Azure refuses in a Flexible scale set's VM profile. */
function flexibleProfileProblems(profile: {
  networkProfile?: { networkApiVersion?: unknown; networkInterfaceConfigurations?: unknown[] };
  osProfile?: {
    linuxConfiguration?: { provisionVMAgent?: unknown; patchSettings?: { patchMode?: unknown } };
  };
}): string[] {
  const problems: string[] = [];
  const network = profile.networkProfile;
  const version = network?.networkApiVersion;
  if (
    (network?.networkInterfaceConfigurations ?? []).length > 0 &&
    !(typeof version === "string" && version >= "2020-11-01")
  ) {
    problems.push(
      `networkProfile.networkApiVersion is ${String(version ?? "unset")} (Azure cannot create the VMs' network interfaces; set 2020-11-01)`,
    );
  }
  const linux = profile.osProfile?.linuxConfiguration;
  // Unset is true (VMSS REST: "When this property is not specified in the request body, default behavior is to set it to true").
  if (linux?.patchSettings?.patchMode === "AutomaticByPlatform" && linux.provisionVMAgent === false) {
    problems.push("patchMode AutomaticByPlatform with provisionVMAgent: false (leave it unset or set true)");
  }
  return problems;
}

export const flexibleScaleSetNetwork = stackRule(
  {
    name: "deployers-flexible-scale-set",
    description:
      "A scale set in Flexible orchestration mode sets networkProfile.networkApiVersion (2020-11-01 or later) when its VM profile defines network interface configurations, and does not turn provisionVMAgent off when its Linux guest patching is AutomaticByPlatform.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/rest/api/compute/virtual-machine-scale-sets/create-or-update",
      "Virtual Machine Scale Sets - Create Or Update: networkApiVersion is the Microsoft.Network API version used to create the network interface configurations of a scale set with orchestration mode Flexible; LinuxVMGuestPatchMode AutomaticByPlatform: the property provisionVMAgent must be true (it defaults to true when not specified)",
    ),
    remediationSteps:
      "Set virtualMachineProfile.networkProfile.networkApiVersion: 2020-11-01, and leave osProfile.linuxConfiguration.provisionVMAgent unset (true) with AutomaticByPlatform patching.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.scaleSet && r.props.orchestrationMode === "Flexible")
      .flatMap((r) => {
        const problems = flexibleProfileProblems(
          (r.props.virtualMachineProfile ?? {}) as Parameters<typeof flexibleProfileProblems>[0],
        );
        return problems.length === 0
          ? []
          : [
              {
                urn: r.urn,
                message: `Scale set ${r.name} uses Flexible orchestration but ${problems.join(" and ")}: Azure refuses it.`,
              },
            ];
      }),
);

/** Databricks provider inputs that carry a credential of their own (no Azure sign-in needed). */
const DATABRICKS_CREDENTIALS = [
  "token",
  "clientSecret",
  "azureClientSecret",
  "password",
  "googleCredentials",
  "azureUseMsi",
  "oidcTokenEnv",
  "profile",
  "configFile",
];

/** Whether a Databricks provider signs in through the Azure CLI (its default on Azure without a credential). */
const signsInThroughAzureCli = (provider: PolicyResource) =>
  DATABRICKS_CREDENTIALS.every((key) => provider.props[key] === undefined || provider.props[key] === "") &&
  [undefined, "", "azure-cli"].includes(provider.props.authType as string | undefined);

/** The full Pulumi image (it has the Azure CLI), from any registry, by tag or digest. */
const FULL_IMAGE = /(^|\/)pulumi\/pulumi([:@]|$)/;

export const databricksSignInOnRunners = stackRule(
  {
    name: "deployers-databricks-sign-in",
    description:
      "A stack deployed by Pulumi Deployments whose Databricks providers sign in through Azure runs in an image with the Azure CLI (pulumi/pulumi) and signs the CLI in with the deployment's Azure OIDC token before the program: Databricks' Azure sign-in has no credential for that token, and falls back to the Azure CLI.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/dev-tools/auth/azure-cli`,
      "Databricks unified authentication (Azure): client secret, managed identity, GitHub Actions OIDC or the Azure CLI; Pulumi docs, Azure OIDC in Deployments: the token is ARM_OIDC_TOKEN; pulumi-docker-containers docker/pulumi/Dockerfile: the full image installs azure-cli",
    ),
    remediationSteps:
      'Use the pulumi/pulumi:<version> executor image and put `az login --service-principal --username "$ARM_CLIENT_ID" --tenant "$ARM_TENANT_ID" --federated-token "$ARM_OIDC_TOKEN"` first in operationContext.preRunCommands (Deployments does).',
  },
  (resources) => {
    const azureSignIn = resources.some(
      (r) => r.type === TYPES.databricksProvider && signsInThroughAzureCli(r),
    );
    if (!azureSignIn) return [];
    return resources
      .filter((r) => r.type === TYPES.settings)
      .flatMap((r) => {
        const image = read(() => {
          const value = (r.props.executorContext as { executorImage?: unknown } | undefined)?.executorImage;
          return typeof value === "object" && value !== null
            ? (value as { reference?: unknown }).reference
            : value;
        });
        const commands = read(
          () => (r.props.operationContext as { preRunCommands?: unknown } | undefined)?.preRunCommands,
        );
        const problems: string[] = [];
        // Unset is Deployments' default image, pulumi/pulumi, which has the Azure CLI.
        if (image.known && typeof image.value === "string" && !FULL_IMAGE.test(image.value)) {
          problems.push(`runs in ${image.value}, which has no Azure CLI`);
        }
        const signsIn = (list: unknown) =>
          Array.isArray(list) &&
          list.some((c) => typeof c === "string" && /^az login\b/.test(c) && c.includes("--federated-token"));
        if (commands.known && !signsIn(commands.value))
          problems.push("signs no Azure CLI in with the deployment's OIDC token");
        return problems.map((problem) => ({
          urn: r.urn,
          message: `Deployment settings ${r.name} ${problem}: the stack's Databricks providers sign in through Azure and would get no credential inside a deployment; use pulumi/pulumi:<version> and az login --federated-token "$ARM_OIDC_TOKEN" first in preRunCommands.`,
        }));
      });
  },
);

export const deployersDeployabilityPolicies: Policies = [
  deploymentsOnAgentPool,
  workspaceWaitsForDeployerPath,
  grafanaWaitsForDeployerPath,
  oneZoneOfANamePerVnet,
  flexibleScaleSetNetwork,
  databricksSignInOnRunners,
];
