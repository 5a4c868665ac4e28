import { Policies } from "@pulumi/policy";

// Deployability: Azure Resource Manager constraints (issue 13): what ARM refuses or runs wrongly, each rule citing Microsoft Learn or the REST API specs.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.
export const azureDeployabilityPolicies: Policies = [];
