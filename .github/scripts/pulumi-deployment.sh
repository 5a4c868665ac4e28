#!/usr/bin/env bash
# Runs one Pulumi Deployment of an environment stack and waits for it: the stack's own deployment settings
# (inheritSettings), so it runs on the stack's customer-managed agent pool, inside the network that reaches
# the private workspace. Fails when the deployment does not succeed.
#   usage: pulumi-deployment.sh <update|preview> <stack> [<commit>]
# Pulumi Cloud REST API: POST /api/stacks/{org}/{project}/{stack}/deployments, then
# GET .../deployments/{id} until the status is terminal (succeeded, failed, skipped: Pulumi docs,
# "Deployment status"). Needs PULUMI_ACCESS_TOKEN (pulumi/auth-actions) and PULUMI_ORGANIZATION.
set -euo pipefail

operation=$1
stack=$2
commit=${3:-}
api="${PULUMI_API:-https://api.pulumi.com}/api/stacks/${PULUMI_ORGANIZATION}/lakehouse/${stack}/deployments"
auth=(-H "Authorization: token ${PULUMI_ACCESS_TOKEN}" -H "Accept: application/json")

# A commit replaces the settings' branch (the two are mutually exclusive in a git source context).
body=$(jq -cn --arg operation "$operation" --arg commit "$commit" '
  {operation: $operation, inheritSettings: true}
  + (if $commit == "" then {} else {sourceContext: {git: {branch: "", commit: $commit}}} end)')
if ! created=$(curl --fail-with-body -sS -X POST "${auth[@]}" -H "Content-Type: application/json" -d "$body" "$api"); then
  echo "::error::Pulumi Cloud refused the ${operation} deployment of ${stack}: ${created}"
  exit 1
fi
id=$(jq -r .id <<<"$created")
echo "Pulumi Deployment ${id}: ${operation} of ${stack}${commit:+ at ${commit}} $(jq -r '.consoleUrl // ""' <<<"$created")"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "Pulumi Deployment \`${id}\`: ${operation} of \`${stack}\` $(jq -r '.consoleUrl // ""' <<<"$created")" >>"$GITHUB_STEP_SUMMARY"
fi

while true; do
  status=$(curl --fail-with-body -sS --retry 3 --retry-all-errors "${auth[@]}" "${api}/${id}" | jq -r .status)
  case "$status" in
    succeeded) echo "Pulumi Deployment ${id}: succeeded"; exit 0 ;;
    failed | skipped)
      echo "::error::Pulumi Deployment ${id} (${operation} of ${stack}) ${status}: see its log in Pulumi Cloud"
      exit 1
      ;;
    *) sleep 20 ;;
  esac
done
