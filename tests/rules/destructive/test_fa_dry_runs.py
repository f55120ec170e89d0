"""False alarm removed: syntax checks and dry runs are allowed (bash -n, make -n, rsync -n,
--dry-run, git clean -n); the same commands for real keep their verdicts."""

from __future__ import annotations

import pytest

SETUP = [{"file": "{project}/deploy.sh", "content": "rm -rf ~/project\n"},
         {"file": "{project}/Makefile", "content": "nuke:\n\trm -rf src\n"}]

PAIRS = [
    ("bash -n deploy.sh", None),
    ("sh -n deploy.sh", None),
    ("make -n nuke", None),
    ("rsync -avn --delete build/ /tmp/site-preview/", None),
    ("rsync -azn --delete build/ deploy@web.example.com:/var/www/", None),
    ("rsync --dry-run -a --delete ./ /tmp/mirror/", None),
    ("git clean -n -d -x", "git clean -f -d -x"),
    ("git push --dry-run --force origin main", "git push --force origin main"),
    ("npm publish --dry-run", "npm publish"),
    ("cargo publish --dry-run", "cargo publish"),
    ("helm uninstall api -n staging --dry-run", "helm uninstall api -n staging"),
    ("kubectl delete ns old --dry-run=client --context prod", "kubectl delete ns old"),
    ("terraform plan -destroy", "terraform destroy"),
    ("pulumi preview", "pulumi up --yes"),
    ("parallel --dry-run rm -rf ::: src docs", "parallel rm -rf ::: src docs"),
    ("aws s3 rm s3://bucket/data --recursive --dryrun", "aws s3 rm s3://bucket/data --recursive"),
]


@pytest.mark.parametrize("dry, real", PAIRS)
def test_dry_runs_are_allowed(verdict, dry, real):
    result = verdict(dry, setup=SETUP)
    assert result == "allow", (result.rules, result.effects)
    if real is not None:
        assert verdict(real, setup=SETUP) == "ask"
