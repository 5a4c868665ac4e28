import { PolicyComplianceFramework } from "@pulumi/policy";

/**
 * Where a rule comes from: a checkov / trivy check, an Azure Policy built-in, or this project's own rule.
 * Kept in the policy's `framework` field so the engine and the generated README table show it.
 */
export function anchor(
  name: "checkov" | "trivy" | "Azure Policy" | "project",
  reference: string,
  specification: string,
): PolicyComplianceFramework {
  return { name, version: name === "project" ? "1" : "latest", reference, specification };
}
