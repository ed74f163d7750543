"""flytekit as the reference for task registration.

Usage: reference.py TASKS.toml PACKAGE_DIR PLUGIN

Reads the flyte-host task file TASKS.toml itself (tomllib), builds for each `[[task]]` the
equivalent flytekit `ContainerTask`, serializes it with flytekit's own registration code
(`get_serializable`) into a `TaskCreateRequest`, parses what `flyte-host package` wrote for the
same task (PACKAGE_DIR/<name>.json) into the same protobuf message (strictly: an unknown or
misspelled field is an error, as FlyteAdmin's gateway rejects it), and compares the two field by
field as protobuf JSON. PLUGIN is `builtin` or `myorg`: flytekit is given a plugin with the same
answers as the host's (`secret_requires_group`, `get_default_image`,
`get_default_cache_policies`).

Prints one JSON document: {"flytekit_version": …, "tasks": {name: {"differences": [{"path",
"flytekit", "host"}], "cache_version": {"flytekit": …, "host": …}}}}. Differences are reported,
not judged: the test decides which are expected.
"""

import datetime
import hashlib
import json
import re
import sys
import tomllib
from collections import OrderedDict

import flytekit
from flytekit import ContainerTask, Resources, Secret
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.configuration import plugin as flytekit_plugin
from flytekit.core.base_task import TaskMetadata
from flytekit.core.cache import Cache, VersionParameters
from flytekit.tools.translator import get_serializable
from flytekit.types.file import FlyteFile
from flyteidl.admin import task_pb2
from google.protobuf import json_format

PROJECT = "flytesnacks"
DOMAIN = "development"

TYPES = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "datetime": datetime.datetime,
    "duration": datetime.timedelta,
    "blob": FlyteFile,
}

MOUNTS = {
    "any": Secret.MountType.ANY,
    "env": Secret.MountType.ENV_VAR,
    "file": Secret.MountType.FILE,
}

# flytekit's Resources keyword for each resource a task file names.
RESOURCES = {"cpu": "cpu", "memory": "mem", "gpu": "gpu", "ephemeral_storage": "ephemeral_storage"}


class SpecHash:
    """The host's built-in `spec-hash` policy, written from its documentation: SHA-256 hex of the
    task's canonical spec (compact JSON: name, image, command, args, inputs and outputs as
    {name: type} sorted by name, secrets, and env sorted by name when there is any) followed by
    the salt."""

    def __init__(self, task: dict, image: str):
        def variables(section):
            return dict(sorted(task.get(section, {}).items()))

        secrets = [
            {
                "group": s.get("group"),
                "key": s.get("key"),
                "group_version": s.get("group_version"),
                "mount": s.get("mount", "any"),
            }
            for s in task.get("secrets", [])
        ]
        canonical = {
            "name": task["name"],
            "image": image,
            "command": task["command"],
            "args": task.get("args", []),
            "inputs": variables("inputs"),
            "outputs": variables("outputs"),
            "secrets": secrets,
        }
        if task.get("env"):
            canonical["env"] = dict(sorted(task["env"].items()))
        self.canonical = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False)

    def get_version(self, salt: str, params: VersionParameters) -> str:
        return hashlib.sha256((self.canonical + salt).encode()).hexdigest()


class FixedVersion:
    """A policy that gives every task one version (the myorg plugin's `myorg-v1`)."""

    def __init__(self, version: str):
        self.version = version

    def get_version(self, salt: str, params: VersionParameters) -> str:
        return self.version


class MyOrgPlugin(flytekit_plugin.FlytekitPlugin):
    """flytekit's plugin with the answers of the host's myorg example plugin."""

    @staticmethod
    def secret_requires_group() -> bool:
        return False

    @staticmethod
    def get_default_image():
        return "myorg/flytekit-base:1.2.3"

    @staticmethod
    def get_default_cache_policies():
        return [FixedVersion("v1")]


def seconds(text: str) -> int:
    """A task file's duration ("90s", "10m", "1h30m") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"unsupported duration {text!r}")
    return sum(int(n) * units[u] for n, u in parts)


def cache_metadata(task: dict, image: str) -> dict:
    """TaskMetadata's cache fields as flytekit's `@task` derives them from a `Cache`."""
    cache = task.get("cache", False)
    if cache is False:
        return {}
    if cache is True:
        cache = {}
    policies = None
    if "policies" in cache:
        policies = [SpecHash(task, image) for name in cache["policies"] if name == "spec-hash"]
        if len(policies) != len(cache["policies"]):
            raise ValueError(f"unsupported policies {cache['policies']}")
    spec = Cache(
        version=cache.get("version"),
        serialize=cache.get("serialize", False),
        ignored_inputs=tuple(cache.get("ignored_inputs", ())),
        salt=cache.get("salt", ""),
        policies=policies,
    )
    return {
        "cache": True,
        "cache_version": spec.get_version(VersionParameters(func=None, container_image=image)),
        "cache_serialize": spec.serialize,
        "cache_ignore_input_vars": spec.get_ignored_inputs(),
    }


def container_task(task: dict, default_image: str) -> ContainerTask:
    """The flytekit ContainerTask a `[[task]]` table declares."""
    image = task.get("image") or default_image
    requests, limits = {}, {}
    for name, value in task.get("resources", {}).items():
        if isinstance(value, list):
            requests[RESOURCES[name]], limits[RESOURCES[name]] = value
        else:
            requests[RESOURCES[name]] = value
    timeout = task.get("timeout")
    return ContainerTask(
        name=task["name"],
        image=image,
        command=task["command"],
        arguments=task.get("args"),
        inputs=OrderedDict((n, TYPES[t]) for n, t in task.get("inputs", {}).items()),
        outputs={n: TYPES[t] for n, t in task.get("outputs", {}).items()},
        input_data_dir="/var/inputs",
        output_data_dir="/var/outputs",
        metadata=TaskMetadata(
            retries=task.get("retries", 0),
            timeout=datetime.timedelta(seconds=seconds(timeout)) if timeout else None,
            **cache_metadata(task, image),
        ),
        requests=Resources(**requests) if requests else None,
        limits=Resources(**limits) if limits else None,
        secret_requests=[
            Secret(
                group=s.get("group"),
                key=s.get("key"),
                group_version=s.get("group_version"),
                mount_requirement=MOUNTS[s.get("mount", "any")],
            )
            for s in task.get("secrets", [])
        ]
        or None,
        environment=task.get("env"),
    )


def normalized(message) -> object:
    """Protobuf JSON with proto field names; resource entries (a list keyed by name) sorted."""
    value = json_format.MessageToDict(message, preserving_proto_field_name=True)
    resources = value.get("spec", {}).get("template", {}).get("container", {}).get("resources", {})
    for kind in ("requests", "limits"):
        if kind in resources:
            resources[kind] = sorted(resources[kind], key=lambda e: e.get("name", ""))
    return value


def differences(flytekit_value, host_value, path="") -> list:
    """Every leaf where the two differ, as {"path", "flytekit", "host"} (None: absent)."""
    if isinstance(flytekit_value, dict) and isinstance(host_value, dict):
        found = []
        for key in list(flytekit_value) + [k for k in host_value if k not in flytekit_value]:
            found += differences(flytekit_value.get(key), host_value.get(key), f"{path}.{key}".lstrip("."))
        return found
    if isinstance(flytekit_value, list) and isinstance(host_value, list) and len(flytekit_value) == len(host_value):
        found = []
        for i, (a, b) in enumerate(zip(flytekit_value, host_value)):
            found += differences(a, b, f"{path}[{i}]")
        return found
    if flytekit_value == host_value:
        return []
    return [{"path": path, "flytekit": flytekit_value, "host": host_value}]


def main() -> None:
    tasks_file, package_dir, plugin = sys.argv[1:4]
    if plugin == "myorg":
        flytekit_plugin._GLOBAL_CONFIG["plugin"] = MyOrgPlugin
    elif plugin != "builtin":
        raise SystemExit(f"unknown plugin {plugin!r}")
    image_config = ImageConfig.auto_default_image()
    settings = SerializationSettings(
        image_config=image_config, project=PROJECT, domain=DOMAIN, version="v1", env=None
    )
    with open(tasks_file, "rb") as f:
        declared = tomllib.load(f)["task"]
    report = {"flytekit_version": flytekit.__version__, "tasks": {}}
    for task in declared:
        entity = container_task(task, image_config.default_image.full)
        spec = get_serializable(OrderedDict(), settings, entity)
        reference = task_pb2.TaskCreateRequest(id=spec.template.id.to_flyte_idl(), spec=spec.to_flyte_idl())
        with open(f"{package_dir}/{task['name']}.json") as f:
            host = json_format.Parse(f.read(), task_pb2.TaskCreateRequest())
        # The version is the registration's, not the task's: both sides are compared under one.
        reference.id.version = host.id.version
        reference.spec.template.id.version = host.id.version
        report["tasks"][task["name"]] = {
            "differences": differences(normalized(reference), normalized(host)),
            "cache_version": {
                "flytekit": reference.spec.template.metadata.discovery_version,
                "host": host.spec.template.metadata.discovery_version,
            },
        }
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
