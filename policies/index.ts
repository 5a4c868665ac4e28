// The CrossGuard policy pack the engine loads (`pulumi preview --policy-pack policies`). The rules live in
// rules/ so the offline plan and the tests can import them without starting the pack's gRPC server.
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./rules";

new PolicyPack(PACK_NAME, {
  description: "Refuses insecure, untagged or ungoverned infrastructure of the Azure Databricks lakehouse.",
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies,
});
