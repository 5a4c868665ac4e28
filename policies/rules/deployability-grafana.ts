import { Policies } from "@pulumi/policy";
import { privateRecordsOf, racing } from "../lib/private-path";
import { anchor, stackRule } from "../lib/rule";

// Deployability: dashboards as code reach Managed Grafana the way people do (issue 16). Mandatory everywhere.

const GRAFANA = "azure-native:dashboard:Grafana";
const GRAFANA_PROVIDER = "pulumi:providers:grafana";

export const grafanaDeployerPath = stackRule(
  {
    name: "grafana-provider-private-path",
    description:
      "When Managed Grafana disables public network access (or its setting is not known yet), every resource created through a Grafana provider pointed at it waits for the DNS records of its private endpoint.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/azure/managed-grafana/how-to-set-up-private-access",
      "Set up private access in Azure Managed Grafana: with public access disabled, the Grafana endpoint is reached only through its private endpoint (sub-resource grafana), whose record in privatelink.grafana.azure.com resolves the workspace's name",
    ),
    remediationSteps:
      "Make the Grafana provider depend on the PrivateDnsZoneGroup of Grafana's private endpoint (GrafanaDashboards' reachableAfter), and deploy from inside the network.",
  },
  (resources) =>
    resources
      // Fails closed: a value not known yet (a preview) counts as Disabled.
      .filter(
        (r) =>
          r.type === GRAFANA &&
          (r.props.properties as { publicNetworkAccess?: unknown } | undefined)?.publicNetworkAccess !==
            "Enabled",
      )
      .flatMap((grafana) => {
        const records = privateRecordsOf(grafana, "grafana", resources);
        return resources
          .filter((r) => r.type === GRAFANA_PROVIDER && (r.propertyDependencies.url ?? []).includes(grafana))
          .flatMap((provider) => {
            const late = racing(provider, records, resources);
            if (late.length === 0) return [];
            const message =
              records.length === 0
                ? `Managed Grafana ${grafana.name} disables public network access but has no private endpoint with DNS records: its ${late.length} Grafana resources (through provider ${provider.name}) cannot reach it; add a grafana private endpoint with a DNS zone group.`
                : `Provider ${provider.name} of Managed Grafana ${grafana.name}, which disables public network access, does not wait for its private endpoint's DNS records: ${late.length} Grafana resources (first: ${late[0].name}) would race them; add the DNS zone group to the provider's dependsOn.`;
            return [{ urn: provider.urn, message }];
          });
      }),
);

export const grafanaDeployabilityPolicies: Policies = [grafanaDeployerPath];
