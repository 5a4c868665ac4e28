#!/usr/bin/env bash
# Runs one Pulumi Deployment of an environment stack and waits for it: with the stack's own deployment
# settings (inheritSettings), so it runs on the stack's customer-managed agent pool, inside the network that
# reaches the private workspace. Fails when the deployment does not succeed.
#   usage: pulumi-deployment.sh <update|preview> <stack> [<commit>]
# Pulumi Cloud REST API: POST /api/stacks/{org}/{project}/{stack}/deployments, then
# GET .../deployments/{id} until the status is terminal (succeeded, failed, skipped: Pulumi docs,
# "Deployment status"). Needs PULUMI_ACCESS_TOKEN (pulumi/auth-actions) and PULUMI_ORGANIZATION.
# A stack without deployment settings yet (its first deployment) gets the program's own settings inline
# (inheritSettings false) when FIRST_DEPLOYMENT_PLAN names its offline plan (`npm run plan -- --json`), with
# DEPLOYER_POOLS, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID (tools/deployment-request.ts); that update creates
# the stack's DeploymentSettings, which later deployments inherit.
# With PR_NUMBER and GITHUB_TOKEN, the deployment's link and result are commented on the pull request.
set -euo pipefail

operation=$1
stack=$2
commit=${3:-}
api="${PULUMI_API:-https://api.pulumi.com}/api/stacks/${PULUMI_ORGANIZATION}/lakehouse/${stack}/deployments"
# The media type the Pulumi Cloud REST API documents for every request.
auth=(-H "Authorization: token ${PULUMI_ACCESS_TOKEN}" -H "Accept: application/vnd.pulumi+8")

settings=$(mktemp)
code=$(curl -sS --retry 3 --retry-all-errors -o "$settings" -w '%{http_code}' "${auth[@]}" "${api}/settings")
if [ "$code" = 200 ] && jq -e '.sourceContext != null' "$settings" >/dev/null; then
  # A commit replaces the settings' branch (the two are mutually exclusive in a git source context). With
  # DEPLOYER_POOLS, the environment's pool as the account stack has it now replaces the settings' one: after a
  # token rotation (a new pool) the update runs there and moves the stack's settings to it.
  pool=$(jq -r --arg stack "$stack" '.[$stack].agentPoolId // ""' <<<"${DEPLOYER_POOLS:-{\}}")
  body=$(jq -cn --arg operation "$operation" --arg commit "$commit" --arg pool "$pool" '
    {operation: $operation, inheritSettings: true}
    + (if $commit == "" then {} else {sourceContext: {git: {branch: "", commit: $commit}}} end)
    + (if $pool == "" then {} else {agentPoolID: $pool} end)')
elif [ "$code" = 200 ] || [ "$code" = 404 ]; then
  if [ -z "${FIRST_DEPLOYMENT_PLAN:-}" ] || [ -z "$commit" ]; then
    echo "::error::${stack} has no deployment settings yet: its first deployment is started by its deploy workflow (deploy-dev, release-prod)"
    exit 1
  fi
  echo "${stack} has no deployment settings yet: its first ${operation} carries the program's settings"
  body=$(node dist/tools/deployment-request.js "$FIRST_DEPLOYMENT_PLAN" "$operation" "$commit")
else
  echo "::error::Pulumi Cloud answered ${code} for the deployment settings of ${stack}: $(cat "$settings")"
  exit 1
fi

if ! created=$(curl --fail-with-body -sS -X POST "${auth[@]}" -H "Content-Type: application/json" -d "$body" "$api"); then
  echo "::error::Pulumi Cloud refused the ${operation} deployment of ${stack}: ${created}"
  exit 1
fi
id=$(jq -r .id <<<"$created")
link=$(jq -r '.consoleUrl // ""' <<<"$created")
echo "Pulumi Deployment ${id}: ${operation} of ${stack}${commit:+ at ${commit}} ${link}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "Pulumi Deployment \`${id}\`: ${operation} of \`${stack}\` ${link}" >>"$GITHUB_STEP_SUMMARY"
fi

# The result on the pull request (GitHub REST API, "Create an issue comment": pull requests are issues).
comment() {
  if [ -z "${PR_NUMBER:-}" ] || [ -z "${GITHUB_TOKEN:-}" ]; then return 0; fi
  jq -cn --arg body "Pulumi ${operation} of \`${stack}\`${commit:+ at ${commit}}: **$1**. ${link}" '{body: $body}' |
    curl -sS --retry 3 -o /dev/null -X POST -H "Authorization: Bearer ${GITHUB_TOKEN}" \
      -H "Accept: application/vnd.github+json" --data-binary @- \
      "${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" ||
    echo "::warning::could not comment on pull request ${PR_NUMBER}"
}

while true; do
  status=$(curl --fail-with-body -sS --retry 3 --retry-all-errors "${auth[@]}" "${api}/${id}" | jq -r .status)
  case "$status" in
    succeeded)
      echo "Pulumi Deployment ${id}: succeeded"
      comment succeeded
      exit 0
      ;;
    failed | skipped)
      echo "::error::Pulumi Deployment ${id} (${operation} of ${stack}) ${status}: see its log in Pulumi Cloud"
      comment "$status"
      exit 1
      ;;
    *) sleep 20 ;;
  esac
done
