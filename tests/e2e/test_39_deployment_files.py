"""The files of deploy/ (issue 11), checked without a Docker engine or a Kubernetes cluster:
hadolint lints the Dockerfiles, the compose file is validated against the Compose
Specification's schema (check-jsonschema), and the Kubernetes manifests against the API schemas
in strict mode (kubernetes-validate: an unknown field is an error). Each linter is also shown a
broken copy, which it must refuse, so that a linter that checks nothing cannot pass.

Beside the schemas, what the files promise is checked against the code: the runtime image
installs the Debian package of every shared library the binary links, copies every resource
folder the server reads, and every KRUISPUNT_* variable the files set is one the server reads
and the README documents."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
MANIFESTS = [DEPLOY / "kubernetes" / name for name in
             yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())["resources"]]


def lint(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, timeout=120)


def test_the_dockerfiles_pass_hadolint_and_a_broken_one_does_not(tmp_path):
    for dockerfile in (DEPLOY / "Dockerfile", DEPLOY / "postgres.Dockerfile"):
        done = lint("hadolint", "--config", str(DEPLOY / ".hadolint.yaml"), str(dockerfile))
        assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "Dockerfile"
    # Leaves the apt lists behind (DL3009).
    broken.write_text((DEPLOY / "Dockerfile").read_text().replace("    && rm -rf /var/lib/apt/lists/* \\\n    && useradd", "    && useradd"))
    assert broken.read_text() != (DEPLOY / "Dockerfile").read_text()
    done = lint("hadolint", "--config", str(DEPLOY / ".hadolint.yaml"), str(broken))
    assert done.returncode != 0 and "DL3009" in done.stdout, done.stdout


def test_the_compose_file_follows_the_compose_specification_and_a_broken_one_does_not(tmp_path):
    done = lint("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "docker-compose.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((DEPLOY / "docker-compose.yml").read_text().replace("restart: unless-stopped", "restart_policy: sometimes", 1))
    done = lint("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken))
    assert done.returncode != 0, done.stdout


def test_the_compose_set_up_has_what_the_issue_asks():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    replicas = [name for name in services if name.startswith("kruispunt-")]
    assert len(replicas) == 2
    for name in replicas + ["db", "proxy"]:
        assert services[name]["restart"] == "unless-stopped"
        assert "healthcheck" in services[name]
    assert any(v.startswith("db-data:") for v in services["db"]["volumes"])
    # Every replica waits for a healthy database, has its own name for the lease and its own data folder.
    names = {services[r]["environment"]["KRUISPUNT_INSTANCE"] for r in replicas}
    assert len(names) == 2
    for r in replicas:
        assert services[r]["depends_on"]["db"]["condition"] == "service_healthy"
        assert "/health/ready" in " ".join(services[r]["healthcheck"]["test"])
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert all(f"server {r}:8080" in nginx for r in replicas)


def test_the_kubernetes_manifests_pass_strict_schema_validation_and_a_broken_one_does_not(tmp_path):
    done = lint("kubernetes-validate", "--strict", *map(str, MANIFESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = {doc["kind"] for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc}
    assert {"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "HorizontalPodAutoscaler", "CronJob"} <= kinds
    broken = tmp_path / "deployment.yaml"
    broken.write_text((DEPLOY / "kubernetes" / "deployment.yaml").read_text().replace("readinessProbe:", "readynessProbe:"))
    done = lint("kubernetes-validate", "--strict", str(broken))
    assert done.returncode != 0, done.stdout


def test_the_deployment_probes_the_health_endpoints_and_reads_secrets_from_a_secret():
    deployment = yaml.safe_load((DEPLOY / "kubernetes" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    secret_refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]
                   if "secretKeyRef" in e.get("valueFrom", {})}
    assert {"KRUISPUNT_DATABASE_URL", "KRUISPUNT_PSEUDONYM_SECRET", "KRUISPUNT_ADMIN_TOKENS"} <= set(secret_refs)
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def runtime_packages() -> set[str]:
    """The Debian packages the runtime stage of deploy/Dockerfile installs."""
    text = (DEPLOY / "Dockerfile").read_text()
    runtime = text[text.rindex("\nFROM "):]
    install = re.search(r"apt-get install -y --no-install-recommends (.*?)\s*\\\n\s*&& rm", runtime, re.S)
    assert install, "no apt-get install in the runtime stage"
    return set(install.group(1).replace("\\\n", " ").split())


#: In every Debian base image (debian:bookworm-slim), or part of the Swift runtime linked statically.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def test_the_runtime_image_installs_the_package_of_every_library_the_binary_links(kruispunt_binary):
    needed = [m.group(1) for m in re.finditer(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                                              subprocess.run(["readelf", "-d", str(kruispunt_binary)], capture_output=True,
                                                             text=True, check=True).stdout)]
    resolved = {}
    for line in subprocess.run(["ldd", str(kruispunt_binary)], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            resolved[parts[0]] = parts[2]
    packages = runtime_packages()
    missing = []
    for library in needed:
        path = Path(resolved.get(library, "")).resolve()
        owner = None
        for candidate in (str(path), str(path).removeprefix("/usr")):
            done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if done.returncode == 0:
                owner = done.stdout.split(":")[0]
                break
        if owner is None:
            continue   # the Swift toolchain's own libraries: linked statically into the image's binary
        if owner not in packages | BASE_PACKAGES:
            missing.append(f"{library} ({owner})")
    assert not missing, f"the runtime image lacks {missing}"
    assert any(lib.startswith("libraptor2") for lib in needed)   # the check saw the C libraries at all
    # Foundation's networking (webhooks, OpenID keys) needs libcurl at run time even when static.
    if "libFoundationNetworking.so" in needed:
        assert "libcurl4" in packages
    # Debian's JavaScript libraries for the dashboard (KRUISPUNT_JAVASCRIPT_DIR).
    assert {"libjs-leaflet", "libjs-chart.js"} <= packages


def test_the_image_copies_every_resource_folder_the_server_reads():
    text = (DEPLOY / "Dockerfile").read_text()
    read = set(re.findall(r'resourcesDirectory\.appendingPathComponent\("([^"]+)"', "\n".join(
        p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))))
    read |= set(re.findall(r'resource\(folder: "([A-Za-z]+)"', (ROOT / "Sources/KruispuntServer/Routes.swift").read_text()))
    copied = re.findall(r"^COPY (\S+) /usr/share/kruispunt/(\S+)$", text, re.M)
    assert all(source == target for source, target in copied), copied
    folders = {source for source, _ in copied}
    assert {"Public", "Shapes", "Ontology", "Catalog", "API", "docs/examples/sparql"} <= folders
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for path in read:
        assert (ROOT / path).exists(), path
        covering = [folder for folder in folders if path == folder or path.startswith(folder + "/")]
        assert covering, f"the server reads {path}, the image does not copy it"
        assert f"!{covering[0]}" in ignore, covering[0]


def test_every_variable_the_files_set_is_read_by_the_server_and_documented():
    sources = "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    reference = (ROOT / "docs" / "operator-guide.md").read_text()   # generated from Configuration.reference
    texts = [(DEPLOY / name).read_text() for name in ("Dockerfile", "docker-compose.yml", "example.env")]
    texts += [path.read_text() for path in MANIFESTS]
    variables = set(re.findall(r"\b(KRUISPUNT_[A-Z_]+)\b", "\n".join(texts))) - {"KRUISPUNT_PUBLIC_PORT"}  # compose's own
    assert len(variables) >= 10
    unread = sorted(v for v in variables if f'"{v}"' not in sources)
    undocumented = sorted(v for v in variables if f"`{v}`" not in reference)
    assert not unread, f"set in deploy/ but not read by the server: {unread}"
    assert not undocumented, f"set in deploy/ but not in the operator's guide: {undocumented}"
