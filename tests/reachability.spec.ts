// Who reaches what (issue 16), asserted on the recorded plans: the private paths of clusters, serverless
// compute, monitoring and the deployer, with their exact inputs.
import * as assert from "assert";
import * as path from "path";
import type { PlanDocument } from "../tools/plan/report";
import { inputsOf, planOf, PROJECT_DIR, resourcesOf, runPlanWith } from "./support/plan";

const STACKS = ["dev", "prod"];

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

describe("cluster egress through a landing zone's firewall (lakehouse:egressFirewallIp)", () => {
  it("routes 0.0.0.0/0 from both Databricks subnets to the firewall, with no NAT gateway", async () => {
    const run = await runPlanWith(
      {},
      "--json",
      "--program",
      path.join(PROJECT_DIR, "tests", "fixtures", "programs", "firewall-egress.ts"),
    );
    assert.strictEqual(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout) as PlanDocument;
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
});
