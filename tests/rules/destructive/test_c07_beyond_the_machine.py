"""Class 7: consequential changes beyond the machine ask: applying or destroying
infrastructure, deploying, changing a production cluster, deleting remote resources,
publishing and making things public. Plans, previews, diffs, dry runs and reads do not."""

from __future__ import annotations

import pytest

ASKS = [
    "terraform apply -auto-approve",
    "terraform -chdir=infra apply -auto-approve -target=module.db",
    "tofu destroy -auto-approve",
    "terragrunt run-all apply",
    "pulumi up --yes --stack dev",
    "pulumi destroy -y",
    "npx cdk deploy --all --require-approval never",
    "npx cdk destroy --force",
    "helm uninstall payments -n staging",
    "helm upgrade --install api ./chart -n production",
    "kubectl apply -f k8s/ --context prod-eu",
    "kubectl delete deployment api -n production",
    "kubectl scale deploy/web --replicas=0 -n production",
    "kubectl rollout restart deploy/api --context prod",
    "kubectl delete namespace feature-42",
    "aws s3 rb s3://old-assets --force",
    "aws ec2 terminate-instances --instance-ids i-0abc",
    "gcloud compute instances delete vm-1 --quiet",
    "az group delete --name rg-test --yes",
    "gh repo delete acme/old-tool --yes",
    "gh api -X DELETE repos/acme/tool/git/refs/heads/main",
    "gh api --method DELETE /repos/acme/tool",
    "glab repo delete acme/tool --yes",
    "gh release delete v1.0.0 --yes",
    "fly deploy --app shop",
    "vercel deploy --prod",
    "gh gist create notes.md",
    "gh gist create --public notes.md",
    "gh repo create acme/tool --public --source=. --push",
    "gh repo edit acme/tool --visibility public",
    "gh api -X PATCH repos/acme/tool -F private=false",
    "gh release create v2.0.0 --generate-notes",
    "npm publish --access public",
    "pnpm publish",
    "yarn npm publish",
    "twine upload dist/*",
    "cargo publish",
    "gem push shop-1.0.0.gem",
    "poetry publish --build",
    "docker push ghcr.io/acme/api:latest",
    "aws s3 sync ./public s3://site --acl public-read",
]

ALLOWS = [
    "terraform plan -out=tfplan",
    "terraform plan -destroy",
    "terraform fmt -recursive && terraform validate",
    "terraform state list",
    "pulumi preview --stack prod",
    "npx cdk synth && npx cdk diff",
    "helm template api ./chart | kubectl apply --dry-run=client -f -",
    "helm upgrade api ./chart -n production --dry-run",
    "helm list -A",
    "kubectl get pods -n production",
    "kubectl apply -f k8s/ --context dev",
    "kubectl delete pod api-7d9f -n staging",
    "kubectl delete -f k8s/job.yaml --dry-run=server -n production",
    "aws s3 ls s3://assets",
    "aws s3 rm s3://assets/tmp/report.csv --dryrun",
    "gcloud run services describe api",
    "gh repo view --json visibility",
    "gh release list",
    "gh gist list",
    "gh pr create --title x --body y",
    "vercel deploy",
    "fly status --app shop",
    "npm publish --dry-run",
    "npm pack --dry-run",
    "cargo publish --dry-run",
    "docker build -t api:dev .",
    "twine check dist/*",
]


@pytest.mark.parametrize("command", ASKS)
def test_changes_beyond_the_machine_ask(verdict, command):
    result = verdict(command)
    assert result == "ask", (result.rules, result.effects)


@pytest.mark.parametrize("command", ALLOWS)
def test_reads_and_dry_runs_are_allowed(verdict, command):
    result = verdict(command)
    assert result == "allow", (result.rules, result.effects)


def test_publishing_a_secret_is_denied(verdict):
    setup = [{"file": "{project}/.env.production", "content": "STRIPE_KEY=sk_live_x\n"}]
    assert verdict("gh gist create .env.production", setup=setup) == "deny"
