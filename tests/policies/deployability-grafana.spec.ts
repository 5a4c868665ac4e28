// grafana-provider-private-path: both ways with exact messages, and a flip test on the real dev plan's graph
// (no new plan: the suite's dev plan with the provider's wait on the DNS records removed).
import * as assert from "assert";
import { grafanaDeployerPath } from "../../policies/rules/deployability-grafana";
import { StackResourceSpec, stackViolationsOf } from "../support/policy";
import { planOf } from "../support/plan";

const T = {
  grafana: "azure-native:dashboard:Grafana",
  endpoint: "azure-native:network:PrivateEndpoint",
  records: "azure-native:network:PrivateDnsZoneGroup",
  provider: "pulumi:providers:grafana",
  dashboard: "grafana:oss/dashboard:Dashboard",
};

const stack = (
  publicNetworkAccess: string,
  providerWaits: string[],
  withEndpoint = true,
): StackResourceSpec[] => [
  { type: T.grafana, name: "amg", props: { properties: { publicNetworkAccess } } },
  ...(withEndpoint
    ? [
        {
          type: T.endpoint,
          name: "amg-pep",
          props: { privateLinkServiceConnections: [{ groupIds: ["grafana"] }] },
          dependsOn: { privateLinkServiceConnections: ["amg"] },
        },
        { type: T.records, name: "amg-pep-dns", props: {}, dependsOn: { privateEndpointName: ["amg-pep"] } },
      ]
    : []),
  { type: T.provider, name: "grafana", props: {}, dependsOn: { url: ["amg"] }, waitsFor: providerWaits },
  { type: T.dashboard, name: "cost", props: {}, provider: "grafana" },
];

describe("deployability (Grafana) rules", () => {
  describe("grafana-provider-private-path", () => {
    it("passes a provider that waits for the private endpoint's DNS records", async () => {
      assert.deepStrictEqual(
        await stackViolationsOf(grafanaDeployerPath, stack("Disabled", ["amg-pep-dns"])),
        [],
      );
    });
    it("passes a Grafana open to public networks", async () => {
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, stack("Enabled", [])), []);
    });
    it("reports a provider that does not wait for the records", async () => {
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, stack("Disabled", [])), [
        "grafana: Provider grafana of Managed Grafana amg, which disables public network access, does not wait for its private endpoint's DNS records: 1 Grafana resources (first: cost) would race them; add the DNS zone group to the provider's dependsOn.",
      ]);
    });
    it("fails closed: a Grafana whose public access is not known yet counts as private", async () => {
      const unknown = stack("Disabled", []).map((r) => (r.type === T.grafana ? { ...r, props: {} } : r));
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, unknown), [
        "grafana: Provider grafana of Managed Grafana amg, which disables public network access, does not wait for its private endpoint's DNS records: 1 Grafana resources (first: cost) would race them; add the DNS zone group to the provider's dependsOn.",
      ]);
    });
    it("reports a private Grafana without a private endpoint", async () => {
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, stack("Disabled", [], false)), [
        "grafana: Managed Grafana amg disables public network access but has no private endpoint with DNS records: its 1 Grafana resources (through provider grafana) cannot reach it; add a grafana private endpoint with a DNS zone group.",
      ]);
    });

    it("flip: the dev plan passes, and fails exactly once its provider stops waiting for the records", async () => {
      const plan = await planOf("dev");
      const nameOf = new Map(plan.resources.map((r) => [r.urn, r.name]));
      const PROVIDER = "lh-dev-dashboards-provider";
      // The records of both its endpoints: the stack's VNet's, and the deployers' in their pool's network.
      const RECORDS = ["lh-dev-monitoring-grafana-pep-dns", "lh-dev-deployer-grafana-pep-dns"];
      const specs = (dropRecords: boolean): StackResourceSpec[] =>
        plan.resources.map((r) => {
          const names = (urns: readonly string[]) =>
            urns
              .map((u) => nameOf.get(u) as string)
              .filter((n) => !(dropRecords && r.name === PROVIDER && RECORDS.includes(n)));
          return {
            type: r.type,
            name: r.name,
            props: r.inputs as Record<string, unknown>,
            parent: r.parent ? nameOf.get(r.parent) : undefined,
            waitsFor: names(r.dependencies),
            dependsOn: Object.fromEntries(
              Object.entries(r.propertyDependencies).map(([k, urns]) => [k, names(urns)]),
            ),
            // The plan does not record providers: every Grafana resource goes through the one Grafana provider.
            provider: r.type.startsWith("grafana:") ? PROVIDER : undefined,
          };
        });
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, specs(false)), []);
      assert.deepStrictEqual(await stackViolationsOf(grafanaDeployerPath, specs(true)), [
        `${PROVIDER}: Provider ${PROVIDER} of Managed Grafana lh-dev-monitoring-grafana, which disables public network access, does not wait for its private endpoint's DNS records: 5 Grafana resources (first: lh-dev-dashboards-azure-monitor) would race them; add the DNS zone group to the provider's dependsOn.`,
      ]);
    });
  });
});
