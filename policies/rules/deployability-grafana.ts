import { Policies, PolicyResource } from "@pulumi/policy";
import { read } from "../lib/unknown";
import { waitsFor } from "../lib/dependencies";
import { anchor, stackRule } from "../lib/rule";

// Deployability: dashboards as code reach Managed Grafana the way people do (issue 16). Mandatory everywhere.

const TYPES = {
  grafana: "azure-native:dashboard:Grafana",
  endpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  provider: "pulumi:providers:grafana",
} as const;

/** Private endpoints to `grafana` (group `grafana`, or one not known yet). */
const endpointsOf = (grafana: PolicyResource, resources: readonly PolicyResource[]) =>
  resources.filter((r) => {
    if (r.type !== TYPES.endpoint) return false;
    if (!(r.propertyDependencies.privateLinkServiceConnections ?? []).includes(grafana)) return false;
    const groups = read(() =>
      ((r.props.privateLinkServiceConnections ?? []) as { groupIds?: unknown[] }[]).flatMap(
        (c) => c.groupIds ?? [],
      ),
    );
    return !groups.known || groups.value.includes("grafana");
  });

export const grafanaDeployerPath = stackRule(
  {
    name: "grafana-provider-private-path",
    description:
      "When Managed Grafana disables public network access, every resource created through a Grafana provider pointed at it waits for the DNS records of its private endpoint.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/azure/managed-grafana/how-to-set-up-private-access",
      "Set up private access (preview) in Azure Managed Grafana: with public access disabled, the Grafana endpoint is reached only through its private endpoint (sub-resource grafana), whose record in privatelink.grafana.azure.com resolves the workspace's name",
    ),
    remediationSteps:
      "Make the Grafana provider depend on the PrivateDnsZoneGroup of Grafana's private endpoint (GrafanaDashboards' reachableAfter), and deploy from inside the network.",
  },
  (resources) =>
    resources
      .filter(
        (r) =>
          r.type === TYPES.grafana &&
          (r.props.properties as { publicNetworkAccess?: unknown } | undefined)?.publicNetworkAccess ===
            "Disabled",
      )
      .flatMap((grafana) => {
        const endpoints = endpointsOf(grafana, resources);
        const records = resources.filter(
          (r) =>
            r.type === TYPES.zoneGroup &&
            endpoints.some(
              (e) => (r.propertyDependencies.privateEndpointName ?? []).includes(e) || r.parent === e,
            ),
        );
        const providers = resources.filter(
          (r) => r.type === TYPES.provider && (r.propertyDependencies.url ?? []).includes(grafana),
        );
        return providers.flatMap((provider) => {
          if (records.some((z) => waitsFor(provider, z, resources))) return [];
          const used = resources.filter((r) => r.provider?.urn === provider.urn);
          const racing = used.filter((r) => !records.some((z) => waitsFor(r, z, resources)));
          if (racing.length === 0) return [];
          return [
            {
              urn: provider.urn,
              message:
                records.length === 0
                  ? `Managed Grafana ${grafana.name} disables public network access but has no private endpoint with DNS records: its ${racing.length} Grafana resources (through provider ${provider.name}) cannot reach it; add a grafana private endpoint with a DNS zone group.`
                  : `Provider ${provider.name} of Managed Grafana ${grafana.name}, which disables public network access, does not wait for its private endpoint's DNS records: ${racing.length} Grafana resources (first: ${racing[0].name}) would race them; add the DNS zone group to the provider's dependsOn.`,
            },
          ];
        });
      }),
);

export const grafanaDeployabilityPolicies: Policies = [grafanaDeployerPath];
