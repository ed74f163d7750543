#!/usr/bin/env python3
"""A stand-in FlyteAdmin for flyte-host's end-to-end tests (Python 3 standard library only).

It speaks FlyteAdmin's HTTP/JSON API the way the real grpc-gateway in front of flyteadmin 1.16
does (see shared/reference/flyteadmin-api.md), for the calls `flyte-host register`, `run`, `get`
and `version` make:

- Routes: POST /api/v1/tasks, POST /api/v1/workflows (compiled only as far as checking that every
  task and launch plan it runs is registered and every sub-workflow comes with it), POST
  /api/v1/launch_plans (its workflow must be registered; new ones are INACTIVE), GET /api/v1/tasks/{project}/{domain}[/{name}[/{version}]],
  POST /api/v1/executions, GET /api/v1/executions/{project}/{domain}[/{name}], GET /api/v1/version,
  GET /api/v1/projects[/{id}], GET /api/v1/{task,workflow,launch_plan}_ids/{project}/{domain},
  GET /api/v1/workflows/{project}/{domain}[/{name}[/{version}]],
  GET /api/v1/launch_plans/{project}/{domain}[/{name}[/{version}]],
  DELETE /api/v1/executions/{p}/{d}/{n} (terminate), PUT /api/v1/launch_plans/{p}/{d}/{n}/{v}
  (activate or deactivate), PUT /api/v1/projects/{id} (archive or activate),
  GET /api/v1/data/executions/{p}/{d}/{n}, GET /api/v1/node_executions/{p}/{d}/{n},
  POST /api/v1/executions/relaunch and /recover (a new execution of what the old one launched),
  GET /healthcheck, GET /me (IdentityService: a fixed user when --token or --oauth is on, every
  field empty without authentication, as admin's empty identity context gives). An unknown path is 404 (code 5), a known path with the wrong method 501 (12).
- Marshalling: responses use proto field names (snake_case) only when an `Accept` header is
  exactly `application/json` (or, with no Accept match, when the request's Content-Type is JSON),
  lowerCamelCase otherwise; every non-oneof field is emitted (`null` for unset messages, int64 as
  strings, enums by name), as Go's protojson with EmitUnpopulated does.
- Request bodies with `Content-Type: application/json` are decoded strictly against the real
  flyteidl 1.16.8 message shapes (flyteidl_schema.json, from gen_schema.py): an unknown field, a
  value of the wrong type, an unknown enum name or two members of one oneof give 400 with code 3
  (INVALID_ARGUMENT) and protojson's message, which names the field. Proto names and JSON names
  are both accepted; `null` is unset. Other content types are decoded leniently (unknown fields
  dropped), as the gateway's wildcard marshaler does.
- Errors: `{"code", "message", "details"}` bodies with grpc-gateway's HTTP status mapping.
- Tasks: flyteadmin's validation (resource type TASK, non-empty id parts, registered
  project/domain, template type/metadata/interface, container image, resources against each other
  and against the stock platform limits cpu 2, memory 1Gi, gpu 1); the template's id is
  replaced by the request's; re-registering an identical task is 409 ALREADY_EXISTS ("task with
  identical structure already exists"), a different spec under the same id is 400
  INVALID_ARGUMENT ("<name> task with different structure already exists. (Please register a new
  version of the task):" and a diff), as flyteadmin does; `--legacy-conflicts` answers 409 for a
  different spec too. Lists need `limit` > 0, honour `sort_by.key`/`sort_by.direction` and page
  with offset tokens (`token` is returned only when a page is full). The project list alone
  takes `limit` 0 (or none) as "all", sorted by id; an unknown project is 404 on GET.
- Executions of tasks (`launch_plan.resource_type: TASK`): the task must exist; inputs are checked
  against its interface (unknown, missing, wrong type: 400); a duplicate name is 409; without a
  name one is generated. Each GET of an execution advances it: QUEUED, then RUNNING, then
  SUCCEEDED, or FAILED (with a USER error) when the task's name contains "fail".
- `--seed`: starts with entities in flytesnacks/development: 250 versions of task `seed.big`
  and one of `seed.small`, workflows `wf.daily` (v1, v2) and `wf.hourly` (v1), a launch plan per
  workflow version (the latest ACTIVE), and executions `seed-ok` (SUCCEEDED) and `seed-failed`
  (FAILED, with a USER error) of `seed.small`, which keep their phase.
- `--token T`: every /api/ request needs `Authorization: Bearer T` (or `flyte-authorization`), or
  gets 401 UNAUTHENTICATED with a WWW-Authenticate header.
- `--oauth URL`: auth through the OAuth server at URL (an issuer): `/.well-known/oauth-authorization-server`
  re-serves its metadata, `/config/v1/flyte_client` names `--client-id` (`flytectl`), `--redirect-uri`,
  `--scopes` and `--auth-key` (the authorization_metadata_key, `flyte-authorization`), and every /api/
  request needs a bearer (on that header or `Authorization`) that the server's introspection endpoint,
  called as client `--introspect-client ID:SECRET`, calls active. Without `--oauth` both discovery
  endpoints answer 501 UNIMPLEMENTED, as admin does with auth disabled.
- Debugging: GET /__requests returns every request received so far (method, path, query, headers
  with lowercase names, the raw body and the body as JSON).

Usage: flyteadmin.py [--port 0] [--projects flytesnacks,...] [--legacy-conflicts] [--token T]
       [--oauth URL --introspect-client ID:SECRET [--client-id ID] [--redirect-uri URI] [--scopes a,b] [--auth-key K]]
[--seed].
It prints `PORT <n>` on its first line once it listens on 127.0.0.1:<n>, then serves until killed.
"""

import argparse
import base64
import datetime
import json
import os
import random
import re
import string
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "flyteidl_schema.json")) as f:
    SCHEMA = json.load(f)
MESSAGES = SCHEMA["messages"]
ENUMS = SCHEMA["enums"]
DOMAINS = ["development", "staging", "production"]
TERMINAL = {"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"}

# grpc-gateway's runtime.HTTPStatusFromCode.
HTTP_STATUS = {
    1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429,
    9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
}
INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNIMPLEMENTED, UNAUTHENTICATED = 3, 5, 6, 9, 12, 16


class ApiError(Exception):
    """A gRPC status: the gateway turns it into an HTTP status and a JSON body."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------
# protojson: strict decoding and EmitUnpopulated encoding, driven by the schema


class Decoder:
    """Decodes a JSON request into a dict keyed by proto names, as protojson.Unmarshal would."""

    INT_RANGES = {
        "int32": (-(2**31), 2**31 - 1),
        "uint32": (0, 2**32 - 1),
        "int64": (-(2**63), 2**63 - 1),
        "uint64": (0, 2**64 - 1),
    }
    DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
    TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")

    def __init__(self, raw, strict):
        self.raw = raw
        self.strict = strict

    def fail(self, message, key=None):
        line, column = 1, 1
        if key is not None:
            at = self.raw.find(json.dumps(key))
            if at >= 0:
                line = self.raw.count("\n", 0, at) + 1
                column = at - (self.raw.rfind("\n", 0, at) + 1) + 1
        raise ApiError(INVALID_ARGUMENT, f"proto: (line {line}:{column}): {message}")

    def message(self, type_name, value, key=None):
        if not isinstance(value, dict):
            self.fail(f"unexpected token {json.dumps(value)}", key)
        spec = MESSAGES[type_name]
        by_name = {f["name"]: f for f in spec["fields"]}
        by_json = {f["json"]: f for f in spec["fields"]}
        oneof_of = {m: o for o, members in spec["oneofs"].items() for m in members}
        set_oneofs = set()
        out = {}
        for k, v in value.items():
            field = by_name.get(k) or by_json.get(k)
            if field is None:
                if self.strict:
                    self.fail(f'unknown field "{k}"', k)
                continue
            if field["name"] in out:
                self.fail(f'duplicate field "{k}"', k)
            if v is None:
                continue
            oneof = oneof_of.get(field["name"])
            if oneof is not None:
                if oneof in set_oneofs:
                    self.fail(f'error parsing "{k}", oneof {type_name}.{oneof} is already set', k)
                set_oneofs.add(oneof)
            out[field["name"]] = self.value(field["type"], v, field["name"], k)
        return out

    def value(self, kind, v, name, key):
        if kind.startswith("list:"):
            if not isinstance(v, list):
                self.fail(f"invalid value for repeated field {name}: {json.dumps(v)}", key)
            return [self.value(kind[5:], x, name, key) for x in v]
        if kind.startswith("map:"):
            if not isinstance(v, dict):
                self.fail(f"invalid value for map field {name}: {json.dumps(v)}", key)
            return {k: self.value(kind[4:], x, name, key) for k, x in v.items()}
        if kind.startswith("enum:"):
            values = ENUMS[kind[5:]]
            if isinstance(v, str) and v in values:
                return v
            if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(values):
                return values[v]
            self.fail(f"invalid value for enum field {name}: {json.dumps(v)}", key)
        if kind in ("string", "bytes"):
            if not isinstance(v, str):
                self.fail(f"invalid value for {kind} field {name}: {json.dumps(v)}", key)
            if kind == "bytes":
                try:
                    base64.b64decode(v, validate=True)
                except ValueError:
                    self.fail(f"invalid value for bytes field {name}: {json.dumps(v)}", key)
            return v
        if kind == "bool" or kind == "bool_value":
            if not isinstance(v, bool):
                self.fail(f"invalid value for bool field {name}: {json.dumps(v)}", key)
            return v
        if kind in self.INT_RANGES:
            number = None
            if isinstance(v, int) and not isinstance(v, bool):
                number = v
            elif isinstance(v, float) and v.is_integer():
                number = int(v)
            elif isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
                number = int(v)
            low, high = self.INT_RANGES[kind]
            if number is None or not low <= number <= high:
                self.fail(f"invalid value for {kind} field {name}: {json.dumps(v)}", key)
            return str(number) if kind.endswith("64") else number
        if kind in ("double", "float"):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
            if v in ("NaN", "Infinity", "-Infinity"):
                return v
            if isinstance(v, str):
                try:
                    return float(v)
                except ValueError:
                    pass
            self.fail(f"invalid value for {kind} field {name}: {json.dumps(v)}", key)
        if kind == "duration":
            if not isinstance(v, str) or not self.DURATION.match(v):
                self.fail(f"invalid google.protobuf.Duration value {json.dumps(v)}", key)
            return v
        if kind == "timestamp":
            if not isinstance(v, str) or not self.TIMESTAMP.match(v):
                self.fail(f"invalid google.protobuf.Timestamp value {json.dumps(v)}", key)
            return v
        if kind == "struct":
            if not isinstance(v, dict):
                self.fail(f"invalid value for google.protobuf.Struct field {name}", key)
            return v
        if kind in ("value", "any"):
            return v
        return self.message(kind, v, key)


def default_of(kind):
    if kind.startswith("list:"):
        return []
    if kind.startswith("map:"):
        return {}
    if kind.startswith("enum:"):
        return ENUMS[kind[5:]][0]
    return {
        "string": "", "bytes": "", "bool": False,
        "int32": 0, "uint32": 0, "double": 0, "float": 0,
        "int64": "0", "uint64": "0",
    }.get(kind)  # messages and well-known types: null


def emit(type_name, value, proto_names):
    """`value` (proto names, only set fields) as the gateway writes it: every field, in
    declaration order, defaults for unset ones, unset oneof members left out."""
    spec = MESSAGES[type_name]
    members = {m for ms in spec["oneofs"].values() for m in ms}
    out = {}
    for field in spec["fields"]:
        name = field["name"] if proto_names else field["json"]
        v = (value or {}).get(field["name"])
        if v is not None:
            out[name] = emit_value(field["type"], v, proto_names)
        elif field["name"] not in members:
            out[name] = default_of(field["type"])
    return out


def emit_value(kind, v, proto_names):
    if kind.startswith("list:"):
        return [emit_value(kind[5:], x, proto_names) for x in v]
    if kind.startswith("map:"):
        return {k: emit_value(kind[4:], x, proto_names) for k, x in v.items()}
    if kind in MESSAGES:
        return emit(kind, v, proto_names)
    return v


def strip_defaults(value):
    """`value` without protobuf default values, for comparing two specs."""
    if isinstance(value, dict):
        out = {k: strip_defaults(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", 0, "0", False, [], {})}
    if isinstance(value, list):
        return [strip_defaults(v) for v in value]
    return value


def json_diff(old, new, path=""):
    """flyteadmin-style `path:\\n\\t- old \\n\\t+ new` lines where two specs differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for k in sorted(set(old) | set(new)):
            lines += json_diff(old.get(k), new.get(k), f"{path}/{k}")
        return lines
    if old != new:
        return [f"{path or '/'}:\n\t- {json.dumps(old)} \n\t+ {json.dumps(new)}"]
    return []


def required(value, what):
    """`value`, unless it is missing or empty: then admin's INVALID_ARGUMENT "missing <what>"."""
    if not value:
        raise ApiError(INVALID_ARGUMENT, f"missing {what}")
    return value


# flyteadmin's platform limits with its stock configuration (`task_resources.limits`), which the
# tests' real FlyteAdmin keeps too.
PLATFORM_LIMITS = {"CPU": "2", "MEMORY": "1Gi", "GPU": "1"}

QUANTITY_SUFFIXES = {
    "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}


def quantity(text):
    """A Kubernetes quantity ("500m", "2Gi", "1e3") as a number."""
    match = re.fullmatch(r"([0-9.]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]*)", str(text))
    if not match or match.group(2) not in QUANTITY_SUFFIXES:
        raise ApiError(INVALID_ARGUMENT, f"quantities must match the regular expression: {text}")
    return float(match.group(1)) * QUANTITY_SUFFIXES[match.group(2)]


def check_resources(resources):
    """flyteadmin's validateResource: a request may not exceed its limit or the platform limit,
    a limit may not exceed the platform limit, and a GPU request must equal its limit."""
    requests = {e.get("name", "UNKNOWN"): e.get("value", "") for e in resources.get("requests") or []}
    limits = {e.get("name", "UNKNOWN"): e.get("value", "") for e in resources.get("limits") or []}
    for name, request in requests.items():
        limit, platform = limits.get(name), PLATFORM_LIMITS.get(name)
        if name in ("CPU", "MEMORY", "EPHEMERAL_STORAGE"):
            if limit is not None and quantity(limit) < quantity(request):
                raise ApiError(
                    INVALID_ARGUMENT,
                    f"Requested {name} default [{request}] is greater than the limit [{limit}]. "
                    "Please fix your configuration",
                )
            if limit is not None and platform is not None and quantity(limit) > quantity(platform):
                raise ApiError(INVALID_ARGUMENT, over_platform(name, "limit", limit, platform))
        elif name == "GPU":
            if limit is not None and quantity(limit) != quantity(request):
                raise ApiError(
                    INVALID_ARGUMENT,
                    "For extended resource 'gpu' the default value must equal the limit value",
                )
        else:
            continue
        if platform is not None and quantity(request) > quantity(platform):
            raise ApiError(INVALID_ARGUMENT, over_platform(name, "default", request, platform))


def over_platform(name, what, value, platform):
    return (
        f"Requested {name} {what} [{value}] is greater than current limit set in the platform "
        f"configuration [{platform}]. Please contact Flyte Admins to change these limits or consult "
        "the configuration"
    )


def identifier_text(ident):
    parts = " ".join(f'{k}:"{v}"' for k, v in ident.items() if v not in (None, "", "UNSPECIFIED"))
    return parts


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def timestamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------
# FlyteAdmin


class Admin:
    def __init__(self, projects, legacy_conflicts):
        self.lock = threading.Lock()
        self.projects = projects
        self.project_states = {}
        self.legacy_conflicts = legacy_conflicts
        self.tasks = {}  # (project, domain, name, version) -> {"id", "template", "created_at"}
        self.executions = {}  # (project, domain, name) -> state
        self.workflows = {}  # (project, domain, name, version) -> {"id", "created_at"}
        self.launch_plans = {}  # (project, domain, name, version) -> {"id", "workflow_id", "state", "created_at"}
        self.requests = []
        self.last_time = now()

    def tick(self):
        """A creation time strictly after every earlier one (lists sort by it)."""
        moment = max(now(), self.last_time + datetime.timedelta(microseconds=1))
        self.last_time = moment
        return moment

    def check_project(self, project, domain):
        if project not in self.projects or domain not in DOMAINS:
            raise ApiError(
                INVALID_ARGUMENT,
                f"failed to validate that project [{project}] and domain [{domain}] are registered, "
                f"err: [value with matching project and domain not found]",
            )

    def create_task(self, request):
        task_id = self.check_identifier(request, "TASK")
        ident = task_id
        spec = required(request.get("spec"), "spec")
        template = required(spec.get("template"), "template")
        required(template.get("type"), "type")
        metadata = template.get("metadata")
        if metadata is None:
            raise ApiError(INVALID_ARGUMENT, "missing metadata")
        if "runtime" in metadata and not metadata["runtime"].get("version"):
            raise ApiError(INVALID_ARGUMENT, "missing runtime version")
        if template.get("interface") is None:
            raise ApiError(INVALID_ARGUMENT, "missing interface")
        container = template.get("container")
        if container is not None and not container.get("image"):
            raise ApiError(INVALID_ARGUMENT, "missing image")
        if container is not None:
            check_resources(container.get("resources") or {})
        template = dict(template, id=task_id)  # the server overwrites template.id
        key = (ident["project"], ident["domain"], ident["name"], ident["version"])
        existing = self.tasks.get(key)
        if existing is not None:
            old, new = strip_defaults(existing["template"]), strip_defaults(template)
            if old == new:
                raise ApiError(ALREADY_EXISTS, "task with identical structure already exists")
            if self.legacy_conflicts:
                raise ApiError(ALREADY_EXISTS, "task with different structure already exists")
            raise ApiError(
                INVALID_ARGUMENT,
                f"{ident['name']} task with different structure already exists. "
                "(Please register a new version of the task):\n" + "\n".join(json_diff(old, new)),
            )
        self.tasks[key] = {"id": task_id, "template": template, "created_at": self.tick()}
        return None, {}  # TaskCreateResponse has no fields

    def check_identifier(self, request, resource_type):
        ident = required(request.get("id"), "id")
        if ident.get("resource_type") != resource_type:
            raise ApiError(
                INVALID_ARGUMENT,
                f"unexpected resource type {ident.get('resource_type', 'UNSPECIFIED')} for identifier "
                f"[{identifier_text(ident)}], expected {resource_type} instead",
            )
        for part in ("project", "domain", "name", "version"):
            required(ident.get(part), part)
        self.check_project(ident["project"], ident["domain"])
        return dict(ident, org=ident.get("org", ""))

    @staticmethod
    def check_identical(existing, new, noun):
        """flyteadmin's answer to a second create under one identifier."""
        if strip_defaults(existing) == strip_defaults(new):
            raise ApiError(ALREADY_EXISTS, f"{noun} with identical structure already exists")
        raise ApiError(INVALID_ARGUMENT, f"{noun} with different structure already exists")

    @staticmethod
    def references(value, key_types, found):
        """Every (resource type, project, domain, name, version) a workflow template refers to."""
        if isinstance(value, dict):
            for key, child in value.items():
                if key in key_types and isinstance(child, dict):
                    found.append((key_types[key], child.get("project"), child.get("domain"),
                                  child.get("name"), child.get("version")))
                else:
                    Admin.references(child, key_types, found)
        elif isinstance(value, list):
            for item in value:
                Admin.references(item, key_types, found)
        return found

    def create_workflow(self, request):
        """Like flyteadmin: the workflow compiles only when every task and launch plan it runs is
        registered and every sub-workflow it calls comes with it (spec.sub_workflows)."""
        ident = self.check_identifier(request, "WORKFLOW")
        spec = required(request.get("spec"), "spec")
        template = required(spec.get("template"), "template")
        template = dict(template, id=ident)
        inline = {(w.get("id") or {}).get("name") for w in spec.get("sub_workflows") or []}
        key_types = {"reference_id": "TASK", "launchplan_ref": "LAUNCH_PLAN", "sub_workflow_ref": "WORKFLOW"}
        for kind, project, domain, name, version in self.references(template, key_types, []):
            store = {"TASK": self.tasks, "LAUNCH_PLAN": self.launch_plans}.get(kind)
            missing = name not in inline if kind == "WORKFLOW" else (project, domain, name, version) not in store
            if missing:
                ref = {"resource_type": kind, "project": project, "domain": domain, "name": name, "version": version}
                raise ApiError(
                    INVALID_ARGUMENT,
                    f"failed to compile workflow for [{identifier_text(ident)}] with err "
                    f"failed to find {kind.lower().replace('_', ' ')} [{identifier_text(ref)}]",
                )
        key = (ident["project"], ident["domain"], ident["name"], ident["version"])
        stored = dict(spec, template=template)
        if key in self.workflows:
            self.check_identical(self.workflows[key].get("spec"), stored, "workflow")
        self.workflows[key] = {"id": ident, "spec": stored, "created_at": self.tick()}
        return None, {}

    def create_launch_plan(self, request):
        """Like flyteadmin: the workflow must be registered; a new launch plan is INACTIVE."""
        ident = self.check_identifier(request, "LAUNCH_PLAN")
        spec = required(request.get("spec"), "spec")
        workflow_id = required(spec.get("workflow_id"), "workflow_id")
        wf_key = tuple(workflow_id.get(p) for p in ("project", "domain", "name", "version"))
        if wf_key not in self.workflows:
            raise ApiError(NOT_FOUND, f"missing entity of type WORKFLOW with identifier {identifier_text(workflow_id)}")
        key = (ident["project"], ident["domain"], ident["name"], ident["version"])
        if key in self.launch_plans:
            self.check_identical(self.launch_plans[key].get("spec"), spec, "launch plan")
        self.launch_plans[key] = {
            "id": ident,
            "workflow_id": dict(workflow_id, org=workflow_id.get("org", "")),
            "state": "INACTIVE",
            "created_at": self.tick(),
            "parameters": (spec.get("default_inputs") or {}).get("parameters", {}),
            "spec": spec,
        }
        return None, {}

    def task_message(self, task):
        return {
            "id": task["id"],
            "closure": {
                "compiled_task": {"template": task["template"]},
                "created_at": timestamp(task["created_at"]),
            },
            "short_description": "",
        }

    def get_task(self, project, domain, name, version):
        task = self.tasks.get((project, domain, name, version))
        if task is None:
            ident = {"project": project, "domain": domain, "name": name, "version": version}
            raise ApiError(NOT_FOUND, f"missing entity of type TASK with identifier {identifier_text(ident)}")
        return "flyteidl.admin.Task", self.task_message(task)

    @staticmethod
    def page(items, query, sort_keys):
        limit = query.get("limit", ["0"])[0]
        if not re.fullmatch(r"\d+", limit) or int(limit) <= 0:
            raise ApiError(INVALID_ARGUMENT, "invalid value for limit")
        limit = int(limit)
        token = query.get("token", [""])[0]
        if token and not re.fullmatch(r"\d+", token):
            raise ApiError(INVALID_ARGUMENT, f"invalid pagination token {token}")
        offset = int(token or 0)
        key = query.get("sort_by.key", query.get("sortBy.key", [""]))[0]
        direction = query.get("sort_by.direction", query.get("sortBy.direction", ["DESCENDING"]))[0]
        if direction not in ("DESCENDING", "ASCENDING", "0", "1"):
            raise ApiError(INVALID_ARGUMENT, f'invalid value for enum field sort_by.direction: "{direction}"')
        if key:
            if key not in sort_keys:
                raise ApiError(INVALID_ARGUMENT, f"invalid sort_by key [{key}]")
            items = sorted(items, key=sort_keys[key], reverse=direction in ("DESCENDING", "0"))
        page = items[offset:offset + limit]
        token = str(offset + len(page)) if len(page) == limit else ""
        return page, token

    def list_tasks(self, project, domain, name, query):
        # Lists do not check the project or domain: admin answers an empty list.
        items = [
            t for (p, d, n, _), t in self.tasks.items()
            if p == project and d == domain and (name is None or n == name)
        ]
        page, token = self.page(items, query, {
            "created_at": lambda t: t["created_at"],
            "name": lambda t: t["id"]["name"],
            "version": lambda t: t["id"]["version"],
        })
        return "flyteidl.admin.TaskList", {"tasks": [self.task_message(t) for t in page], "token": token}

    @staticmethod
    def check_literal(name, literal_type, literal):
        expected = literal_type.get("simple") or ("BLOB" if "blob" in literal_type else "a complex type")
        scalar = literal.get("scalar") or {}
        fields = {
            "INTEGER": "integer", "FLOAT": "float_value", "STRING": "string_value",
            "BOOLEAN": "boolean", "DATETIME": "datetime", "DURATION": "duration",
        }
        if expected in fields:
            primitive = scalar.get("primitive") or {}
            if fields[expected] in primitive:
                return
            got = next(iter(primitive), None) or next(iter(scalar), None) or next(iter(literal), "nothing")
        elif expected == "BLOB":
            blob = scalar.get("blob")
            if blob and blob.get("uri"):
                return
            got = next(iter(scalar), None) or next(iter(literal), "nothing")
        else:
            return
        raise ApiError(INVALID_ARGUMENT, f"invalid {name} input wrong type. Expected {expected}, but got {got}")

    def create_execution(self, request):
        for part in ("project", "domain"):
            required(request.get(part), part)
        name = request.get("name", "")
        if name and (not re.fullmatch(r"[a-z][a-z\-0-9]*", name) or len(name) > 63):
            raise ApiError(
                INVALID_ARGUMENT,
                f"invalid name format: {name}, must match ^[a-z][a-z\\-0-9]*$ and be at most 63 characters",
            )
        project, domain = request["project"], request["domain"]
        self.check_project(project, domain)
        spec = required(request.get("spec"), "spec")
        launch = required(spec.get("launch_plan"), "launch_plan")
        key = (launch.get("project"), launch.get("domain"), launch.get("name"), launch.get("version"))
        if launch.get("resource_type") == "LAUNCH_PLAN":
            return self.create_launch_plan_execution(request, project, domain, name, key)
        if launch.get("resource_type") != "TASK":
            ident = dict(launch)
            raise ApiError(NOT_FOUND, f"missing entity of type launch plan with identifier {identifier_text(ident)}")
        task = self.tasks.get(key)
        if task is None:
            ident = {k: launch.get(k) for k in ("project", "domain", "name", "version")}
            raise ApiError(NOT_FOUND, f"missing entity of type TASK with identifier {identifier_text(ident)}")
        inputs = (request.get("inputs") or spec.get("inputs") or {}).get("literals", {})
        variables = ((task["template"].get("interface") or {}).get("inputs") or {}).get("variables", {})
        for input_name in inputs:
            if input_name not in variables:
                raise ApiError(INVALID_ARGUMENT, f"invalid input {input_name}")
        for input_name, variable in variables.items():
            if input_name not in inputs:
                raise ApiError(INVALID_ARGUMENT, f"invalid input {input_name}: missing")
            self.check_literal(input_name, variable.get("type") or {}, inputs[input_name])
        if not name:
            name = "a" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(19))
        if (project, domain, name) in self.executions:
            raise ApiError(
                ALREADY_EXISTS,
                f"value with matching already exists (duplicate key value violates unique constraint "
                f"\"executions_pkey\" for execution {name})",
            )
        self.executions[(project, domain, name)] = {
            "id": {"project": project, "domain": domain, "name": name, "org": ""},
            "request": request,
            "task": task,
            "created_at": self.tick(),
            "polls": 0,
            "fails": "fail" in task["id"]["name"],
        }
        return "flyteidl.admin.ExecutionCreateResponse", {"id": self.executions[(project, domain, name)]["id"]}

    def create_launch_plan_execution(self, request, project, domain, name, key):
        """An execution of a launch plan: the given inputs must be its parameters, each required one
        given (the others take their defaults)."""
        plan = self.launch_plans.get(key)
        if plan is None:
            ident = dict(zip(("project", "domain", "name", "version"), key))
            raise ApiError(NOT_FOUND, f"missing entity of type launch_plan with identifier {identifier_text(ident)}")
        inputs = (request.get("inputs") or {}).get("literals", {})
        parameters = plan.get("parameters", {})
        for input_name in inputs:
            if input_name not in parameters:
                raise ApiError(INVALID_ARGUMENT, f"invalid input {input_name}")
        for input_name, parameter in parameters.items():
            if input_name in inputs:
                self.check_literal(input_name, parameter["var"].get("type") or {}, inputs[input_name])
            elif parameter.get("required"):
                raise ApiError(INVALID_ARGUMENT, f"invalid input {input_name}: missing")
        if not name:
            name = "a" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(19))
        if (project, domain, name) in self.executions:
            raise ApiError(ALREADY_EXISTS, f"value with matching already exists (duplicate key value violates "
                                           f"unique constraint \"executions_pkey\" for execution {name})")
        pseudo_task = {"id": plan["workflow_id"], "template": {"interface": {"outputs": {"variables": {}}}}}
        self.executions[(project, domain, name)] = {
            "id": {"project": project, "domain": domain, "name": name, "org": ""},
            "request": request,
            "task": pseudo_task,
            "workflow_id": plan["workflow_id"],
            "created_at": self.tick(),
            "polls": 0,
            "fails": "fail" in key[2],
        }
        return "flyteidl.admin.ExecutionCreateResponse", {"id": self.executions[(project, domain, name)]["id"]}

    def execution_message(self, state):
        request, task = state["request"], state["task"]
        polls = state["polls"]
        phase = self.phase_of(state)
        created = state["created_at"]
        spec = dict(request.get("spec") or {})
        # Admin offloads the inputs (GetExecutionData serves them): the spec's deprecated field is null.
        spec["inputs"] = None
        spec["launch_plan"] = dict(spec["launch_plan"], org=spec["launch_plan"].get("org", ""))
        spec["metadata"] = dict(
            spec.get("metadata") or {},
            principal="stand-in",
            system_metadata={"execution_cluster": "", "namespace": f"{state['id']['project']}-{state['id']['domain']}"},
        )
        spec.setdefault("labels", None)
        spec.setdefault("annotations", None)
        spec.setdefault("raw_output_data_config", None)
        closure = {
            "phase": phase,
            "created_at": timestamp(created),
            "updated_at": timestamp(created + datetime.timedelta(seconds=polls)),
            # A single task runs as the workflow admin generates for it.
            "workflow_id": state.get("workflow_id")
            or dict(task["id"], resource_type="WORKFLOW", name=".flytegen." + task["id"]["name"]),
            "state_change_details": {"state": "EXECUTION_ACTIVE", "occurred_at": timestamp(created), "principal": "stand-in"},
        }
        if polls >= 2:
            closure["started_at"] = timestamp(created + datetime.timedelta(seconds=1))
        if phase in TERMINAL:
            closure["duration"] = f"{polls - 1}s"
        if state.get("aborted"):
            closure["abort_metadata"] = state["aborted"]
        prefix = f"s3://stand-in/metadata/propeller/{state['id']['project']}-{state['id']['domain']}-{state['id']['name']}"
        if phase == "SUCCEEDED":
            closure["outputs"] = {"uri": f"{prefix}/end-node/data/0/outputs.pb"}
        elif phase == "FAILED":
            closure["error"] = {
                "code": "USER:RuntimeError",
                "message": f"task {task['id']['name']} failed: boom",
                "error_uri": f"{prefix}/error.pb",
                "kind": "USER",
            }
        return {"id": state["id"], "spec": spec, "closure": closure}

    @staticmethod
    def phase_of(state):
        if state.get("aborted"):
            return "ABORTED"
        polls = state["polls"]
        return "QUEUED" if polls <= 1 else "RUNNING" if polls == 2 else ("FAILED" if state["fails"] else "SUCCEEDED")

    def terminate_execution(self, project, domain, name, request):
        """TerminateExecution: a running execution becomes ABORTED with the cause; a finished one
        is FailedPrecondition, as flyteadmin's AlreadyInTerminalStateError."""
        state = self.executions.get((project, domain, name))
        if state is None:
            ident = {"project": project, "domain": domain, "name": name}
            raise ApiError(NOT_FOUND, f"missing entity of type execution with identifier {identifier_text(ident)}")
        if self.phase_of(state) in TERMINAL:
            raise ApiError(FAILED_PRECONDITION, "Cannot abort an already terminated workflow execution")
        state["aborted"] = {"cause": request.get("cause", ""), "principal": "stand-in"}
        return "flyteidl.admin.ExecutionTerminateResponse", {}

    def update_launch_plan(self, project, domain, name, version, request):
        """UpdateLaunchPlan: ACTIVE makes this version the active one (the others INACTIVE)."""
        key = (project, domain, name, version)
        if key not in self.launch_plans:
            ident = {"project": project, "domain": domain, "name": name, "version": version}
            raise ApiError(NOT_FOUND, f"missing entity of type launch_plan with identifier {identifier_text(ident)}")
        state = request.get("state", "INACTIVE")
        if state == "ACTIVE":
            for (p, d, n, _), plan in self.launch_plans.items():
                if (p, d, n) == (project, domain, name):
                    plan["state"] = "INACTIVE"
        self.launch_plans[key]["state"] = state
        return "flyteidl.admin.LaunchPlanUpdateResponse", {}

    def update_project(self, project, request):
        """UpdateProject: the state (ACTIVE or ARCHIVED) of a project that exists."""
        if project not in self.projects:
            raise ApiError(NOT_FOUND, f"project [{project}] not found")
        self.project_states[project] = request.get("state", "ACTIVE")
        return "flyteidl.admin.ProjectUpdateResponse", {}

    def relaunch_execution(self, request, mode):
        """RelaunchExecution / RecoverExecution: a new execution of what the one named in `id`
        launched, with its inputs (`name`, else a random one), mode RELAUNCH or RECOVERED."""
        ident = required(request.get("id"), "id")
        state = self.execution_state(ident.get("project"), ident.get("domain"), ident.get("name"))
        project, domain = state["id"]["project"], state["id"]["domain"]
        name = request.get("name") or "a" + "".join(
            random.choice(string.ascii_lowercase + string.digits) for _ in range(19))
        if (project, domain, name) in self.executions:
            raise ApiError(ALREADY_EXISTS, f"value with matching already exists (duplicate key value violates "
                                           f"unique constraint \"executions_pkey\" for execution {name})")
        spec = dict(state["request"]["spec"])
        spec["metadata"] = dict(spec.get("metadata") or {}, mode=mode,
                                reference_execution=state["id"])
        request_copy = dict(state["request"], name=name, spec=spec)
        self.executions[(project, domain, name)] = {
            "id": {"project": project, "domain": domain, "name": name, "org": ""},
            "request": request_copy,
            "task": state["task"],
            "created_at": self.tick(),
            "polls": 0,
            "fails": state["fails"] and mode != "RECOVERED",
        }
        return "flyteidl.admin.ExecutionCreateResponse", {"id": self.executions[(project, domain, name)]["id"]}

    def execution_state(self, project, domain, name):
        state = self.executions.get((project, domain, name))
        if state is None:
            ident = {"project": project, "domain": domain, "name": name}
            raise ApiError(NOT_FOUND, f"missing entity of type execution with identifier {identifier_text(ident)}")
        return state

    def execution_data(self, project, domain, name):
        """GetExecutionData: the inputs the execution was created with, and once it succeeded one
        made-up value per declared output of a simple type (42, 1.5, "stand-in", true)."""
        state = self.execution_state(project, domain, name)
        inputs = state["request"].get("inputs") or {"literals": {}}
        outputs = {"literals": {}}
        if self.phase_of(state) == "SUCCEEDED":
            variables = ((state["task"]["template"].get("interface") or {}).get("outputs") or {}).get("variables") or {}
            made_up = {"INTEGER": {"integer": "42"}, "FLOAT": {"float_value": 1.5},
                       "STRING": {"string_value": "stand-in"}, "BOOLEAN": {"boolean": True}}
            for var, decl in variables.items():
                simple = ((decl or {}).get("type") or {}).get("simple")
                if simple in made_up:
                    outputs["literals"][var] = {"scalar": {"primitive": made_up[simple]}}
        return "flyteidl.admin.WorkflowExecutionGetDataResponse", {
            "outputs": {"url": "", "bytes": "0"}, "inputs": {"url": "", "bytes": "0"},
            "full_inputs": inputs, "full_outputs": outputs,
        }

    def list_node_executions(self, project, domain, name, query):
        """ListNodeExecutions: the single task's node, `n0`, with the execution's phase and timing."""
        state = self.execution_state(project, domain, name)
        message = self.execution_message(state)
        closure = message["closure"]
        node_closure = {"phase": closure["phase"], "created_at": closure["created_at"],
                        "updated_at": closure["updated_at"]}
        for key in ("started_at", "duration", "error"):
            if key in closure:
                node_closure[key] = closure[key]
        node = {"id": {"node_id": "n0", "execution_id": state["id"]}, "input_uri": "", "closure": node_closure,
                "metadata": {"spec_node_id": "n0"}}
        page, token = self.page([node], query, {"created_at": lambda n: 0})
        return "flyteidl.admin.NodeExecutionList", {"node_executions": page, "token": token}

    def get_execution(self, project, domain, name):
        state = self.executions.get((project, domain, name))
        if state is None:
            ident = {"project": project, "domain": domain, "name": name}
            raise ApiError(NOT_FOUND, f"missing entity of type execution with identifier {identifier_text(ident)}")
        if not state.get("settled"):
            state["polls"] += 1
        return "flyteidl.admin.Execution", self.execution_message(state)

    def list_executions(self, project, domain, query):
        # Lists do not check the project or domain: admin answers an empty list.
        items = [s for (p, d, _), s in self.executions.items() if p == project and d == domain]
        page, token = self.page(items, query, {"created_at": lambda s: s["created_at"]})
        return "flyteidl.admin.ExecutionList", {
            "executions": [self.execution_message(s) for s in page],
            "token": token,
        }

    def seed(self):
        """The entities of `--seed` (see the module documentation)."""
        project, domain = "flytesnacks", "development"
        template = {
            "type": "python-task",
            "metadata": {"runtime": {"type": "FLYTE_SDK", "version": "1.16.0", "flavor": "python"}},
            "interface": {"inputs": {"variables": {}}, "outputs": {"variables": {}}},
            "container": {"image": "ghcr.io/flyteorg/flytekit:py3.11-1.16.0", "args": ["seed"]},
        }

        def task(name, version):
            ident = {"resource_type": "TASK", "project": project, "domain": domain, "name": name,
                     "version": version, "org": ""}
            entry = {"id": ident, "template": dict(template, id=ident), "created_at": self.tick()}
            self.tasks[(project, domain, name, version)] = entry
            return entry

        for i in range(250):
            task("seed.big", f"v{i:03d}")
        small = task("seed.small", "v1")
        for name, versions in (("wf.daily", ["v1", "v2"]), ("wf.hourly", ["v1"])):
            for version in versions:
                ident = {"resource_type": "WORKFLOW", "project": project, "domain": domain, "name": name,
                         "version": version, "org": ""}
                self.workflows[(project, domain, name, version)] = {"id": ident, "created_at": self.tick()}
                self.launch_plans[(project, domain, name, version)] = {
                    "id": dict(ident, resource_type="LAUNCH_PLAN"),
                    "workflow_id": ident,
                    "state": "ACTIVE" if version == versions[-1] else "INACTIVE",
                    "created_at": self.tick(),
                    # wf.daily takes a required `day` and an optional `retries` (default 3).
                    "parameters": {
                        "day": {"var": {"type": {"simple": "STRING"}, "description": "the day"}, "required": True},
                        "retries": {"var": {"type": {"simple": "INTEGER"}, "description": ""},
                                    "default": {"scalar": {"primitive": {"integer": "3"}}}},
                    } if name == "wf.daily" else {},
                }
        for name, fails in (("seed-ok", False), ("seed-failed", True)):
            launch = dict(small["id"])
            self.executions[(project, domain, name)] = {
                "id": {"project": project, "domain": domain, "name": name, "org": ""},
                "request": {"project": project, "domain": domain, "name": name,
                            "spec": {"launch_plan": launch, "metadata": {"mode": "MANUAL"}}},
                "task": small,
                "created_at": self.tick(),
                "polls": 43,
                "fails": fails,
                "settled": True,
            }

    def project_message(self, project):
        return {
            "id": project,
            "name": project,
            "domains": [{"id": d, "name": d} for d in DOMAINS],
            "description": f"the {project} project",
            "state": self.project_states.get(project, "ACTIVE"),
            "org": "",
        }

    def list_projects(self, query):
        limit = query.get("limit", ["0"])[0] or "0"
        if not re.fullmatch(r"\d+", limit):
            raise ApiError(INVALID_ARGUMENT, f'invalid value for uint32 field limit: "{limit}"')
        projects = sorted(self.projects)
        if int(limit) == 0:
            if query.get("token", [""])[0]:
                raise ApiError(INVALID_ARGUMENT, "invalid pagination token: a token needs a limit")
            page, token = projects, ""
        else:
            page, token = self.page(projects, query, {"name": lambda p: p, "identifier": lambda p: p})
        return "flyteidl.admin.Projects", {"projects": [self.project_message(p) for p in page], "token": token}

    def get_project(self, project):
        if project not in self.projects:
            raise ApiError(NOT_FOUND, f"project [{project}] not found")
        return "flyteidl.admin.Project", self.project_message(project)

    def list_ids(self, store, project, domain, query):
        # Lists do not check the project or domain: admin answers an empty list.
        created = {}
        for (p, d, n, _), entry in store.items():
            if p == project and d == domain:
                created[n] = min(created.get(n, entry["created_at"]), entry["created_at"])
        items = [{"project": project, "domain": domain, "name": n, "org": ""} for n in sorted(created)]
        page, token = self.page(items, query, {
            "name": lambda e: e["name"],
            "created_at": lambda e: created[e["name"]],
        })
        return "flyteidl.admin.NamedEntityIdentifierList", {"entities": page, "token": token}

    @staticmethod
    def workflow_message(workflow):
        closure = {"created_at": timestamp(workflow["created_at"])}
        if "spec" in workflow:
            closure["compiled_workflow"] = {"primary": {"template": workflow["spec"]["template"]}}
        return {
            "id": workflow["id"],
            "closure": closure,
            "short_description": "",
        }

    @staticmethod
    def launch_plan_message(plan):
        moment = timestamp(plan["created_at"])
        parameters = {"parameters": plan.get("parameters", {})}
        return {
            "id": plan["id"],
            "spec": {"workflow_id": plan["workflow_id"], "default_inputs": parameters},
            "closure": {"state": plan["state"], "expected_inputs": parameters, "created_at": moment,
                        "updated_at": moment},
        }

    def versions(self, store, kind, project, domain, name, query):
        # Lists do not check the project or domain: admin answers an empty list.
        items = [e for (p, d, n, _), e in store.items() if p == project and d == domain and (name is None or n == name)]
        page, token = self.page(items, query, {
            "created_at": lambda e: e["created_at"],
            "name": lambda e: e["id"]["name"],
            "version": lambda e: e["id"]["version"],
        })
        if kind == "workflow":
            return "flyteidl.admin.WorkflowList", {"workflows": [self.workflow_message(w) for w in page], "token": token}
        return "flyteidl.admin.LaunchPlanList", {
            "launch_plans": [self.launch_plan_message(lp) for lp in page], "token": token,
        }

    def get_version_of(self, store, kind, project, domain, name, version):
        entry = store.get((project, domain, name, version))
        if entry is None:
            ident = {"project": project, "domain": domain, "name": name, "version": version}
            raise ApiError(NOT_FOUND, f"missing entity of type {kind.replace('_', ' ')} with identifier {identifier_text(ident)}")
        if kind == "workflow":
            return "flyteidl.admin.Workflow", self.workflow_message(entry)
        return "flyteidl.admin.LaunchPlan", self.launch_plan_message(entry)


ROUTES = [
    ("POST", r"/api/v1/tasks", lambda a, q, b, m: a.create_task(b("flyteidl.admin.TaskCreateRequest"))),
    ("GET", r"/api/v1/tasks/([^/]+)/([^/]+)/([^/]+)/([^/]+)", lambda a, q, b, m: a.get_task(*m)),
    ("GET", r"/api/v1/tasks/([^/]+)/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_tasks(*m, q)),
    ("GET", r"/api/v1/tasks/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_tasks(*m, None, q)),
    ("POST", r"/api/v1/workflows", lambda a, q, b, m: a.create_workflow(b("flyteidl.admin.WorkflowCreateRequest"))),
    ("POST", r"/api/v1/launch_plans",
     lambda a, q, b, m: a.create_launch_plan(b("flyteidl.admin.LaunchPlanCreateRequest"))),
    ("POST", r"/api/v1/executions", lambda a, q, b, m: a.create_execution(b("flyteidl.admin.ExecutionCreateRequest"))),
    ("POST", r"/api/v1/executions/relaunch",
     lambda a, q, b, m: a.relaunch_execution(b("flyteidl.admin.ExecutionRelaunchRequest"), "RELAUNCH")),
    ("POST", r"/api/v1/executions/recover",
     lambda a, q, b, m: a.relaunch_execution(b("flyteidl.admin.ExecutionRecoverRequest"), "RECOVERED")),
    ("GET", r"/api/v1/executions/([^/]+)/([^/]+)/([^/]+)", lambda a, q, b, m: a.get_execution(*m)),
    ("GET", r"/api/v1/executions/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_executions(*m, q)),
    ("DELETE", r"/api/v1/executions/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.terminate_execution(*m, b("flyteidl.admin.ExecutionTerminateRequest"))),
    ("PUT", r"/api/v1/launch_plans/([^/]+)/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.update_launch_plan(*m, b("flyteidl.admin.LaunchPlanUpdateRequest"))),
    ("PUT", r"/api/v1/projects/([^/]+)", lambda a, q, b, m: a.update_project(*m, b("flyteidl.admin.Project"))),
    ("GET", r"/api/v1/data/executions/([^/]+)/([^/]+)/([^/]+)", lambda a, q, b, m: a.execution_data(*m)),
    ("GET", r"/api/v1/node_executions/([^/]+)/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_node_executions(*m, q)),
    ("GET", r"/api/v1/projects", lambda a, q, b, m: a.list_projects(q)),
    ("GET", r"/api/v1/projects/([^/]+)", lambda a, q, b, m: a.get_project(*m)),
    ("GET", r"/api/v1/task_ids/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_ids(a.tasks, *m, q)),
    ("GET", r"/api/v1/workflow_ids/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_ids(a.workflows, *m, q)),
    ("GET", r"/api/v1/launch_plan_ids/([^/]+)/([^/]+)", lambda a, q, b, m: a.list_ids(a.launch_plans, *m, q)),
    ("GET", r"/api/v1/workflows/([^/]+)/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.get_version_of(a.workflows, "workflow", *m)),
    ("GET", r"/api/v1/workflows/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.versions(a.workflows, "workflow", *m, q)),
    ("GET", r"/api/v1/workflows/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.versions(a.workflows, "workflow", *m, None, q)),
    ("GET", r"/api/v1/launch_plans/([^/]+)/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.get_version_of(a.launch_plans, "launch_plan", *m)),
    ("GET", r"/api/v1/launch_plans/([^/]+)/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.versions(a.launch_plans, "launch_plan", *m, q)),
    ("GET", r"/api/v1/launch_plans/([^/]+)/([^/]+)",
     lambda a, q, b, m: a.versions(a.launch_plans, "launch_plan", *m, None, q)),
    ("GET", r"/api/v1/version", lambda a, q, b, m: (
        "flyteidl.admin.GetVersionResponse",
        {"control_plane_version": {"Build": "stand-in", "Version": "v1.16.8", "BuildTime": "2026-07-10 00:31:35"}},
    )),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as Go's servers (flyteadmin's) set it: without it the body written after the
    # headers waits for the client's delayed ACK, 40 ms per request on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "flyteadmin-stand-in"
    admin = None  # set by main
    token = None
    oauth = None  # set by main with --oauth

    def log_message(self, *args):
        pass

    def send(self, status, body, extra_headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def marshalers(self):
        """(strict inbound, proto-name outbound), as grpc-gateway's MarshalerForRequest picks."""
        inbound_json = False
        for value in self.headers.get_all("Content-Type") or []:
            if value.split(";")[0].strip().lower() == "application/json":
                inbound_json = True
                break
        accept = self.headers.get_all("Accept") or []
        if "application/json" in accept:
            outbound_json = True
        elif any(a in ("*", "application/octet-stream") for a in accept):
            outbound_json = False
        else:
            outbound_json = inbound_json
        return inbound_json, outbound_json

    def handle_any(self, method):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if url.path == "/__requests" and method == "GET":
            with self.admin.lock:
                return self.send(200, {"requests": list(self.admin.requests)})
        if url.path == "/healthcheck":
            return self.send(200, None)
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            parsed = None
        strict, proto_names = self.marshalers()
        with self.admin.lock:
            self.admin.requests.append({
                "method": method,
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "raw_body": raw,
                "body": parsed,
            })
        if url.path in ("/.well-known/oauth-authorization-server", "/config/v1/flyte_client") and method == "GET":
            return self.discovery(url.path)
        try:
            authenticated = url.path.startswith("/api/") or url.path == "/me"
            if authenticated and self.oauth is not None:
                rejection = self.check_bearer()
                if rejection:
                    return self.send(
                        401,
                        {"code": UNAUTHENTICATED, "message": rejection, "details": []},
                        [("WWW-Authenticate", rejection)],
                    )
            if authenticated and self.token is not None:
                header = self.headers.get("Authorization") or self.headers.get("flyte-authorization") or ""
                if header != f"Bearer {self.token}":
                    message = "token parse error: no Bearer token" if not header else "token parse error: invalid token"
                    return self.send(
                        401,
                        {"code": UNAUTHENTICATED, "message": message, "details": []},
                        [("WWW-Authenticate", message)],
                    )
            path = unquote(url.path)
            query = parse_qs(url.query, keep_blank_values=True)

            def body(type_name):
                if not raw.strip():
                    return {}
                try:
                    value = json.loads(raw)
                except ValueError as e:
                    raise ApiError(INVALID_ARGUMENT, f"proto: syntax error: {e}") from None
                return Decoder(raw, strict).message(type_name, value)

            if path == "/me" and method == "GET":
                return self.send(200, self.user_info())
            matched_path = False
            for route_method, pattern, action in ROUTES:
                match = re.fullmatch(pattern, path)
                if not match:
                    continue
                matched_path = True
                if route_method != method:
                    continue
                with self.admin.lock:
                    type_name, message = action(self.admin, query, body, match.groups())
                return self.send(200, emit(type_name, message, proto_names) if type_name else message)
            if matched_path:
                raise ApiError(UNIMPLEMENTED, "Method Not Allowed")
            raise ApiError(NOT_FOUND, "Not Found")
        except ApiError as e:
            return self.send(HTTP_STATUS.get(e.code, 500), {"code": e.code, "message": e.message, "details": []})

    def user_info(self):
        """flyteidl.service.UserInfoResponse with proto names and every field emitted."""
        user = {"subject": "", "name": "", "preferred_username": "", "given_name": "", "family_name": "",
                "email": "", "picture": "", "additional_claims": None}
        if self.token is not None or self.oauth is not None:
            user.update({"subject": "standin-user-1", "name": "Stand-in User", "preferred_username": "standin",
                         "given_name": "Stand-in", "family_name": "User", "email": "standin@example.com"})
        return user

    def discovery(self, path):
        if self.oauth is None:
            return self.send(501, {"code": UNIMPLEMENTED,
                                   "message": "unknown service flyteidl.service.AuthMetadataService", "details": []})
        if path == "/config/v1/flyte_client":
            return self.send(200, {
                "client_id": self.oauth["client_id"], "redirect_uri": self.oauth["redirect_uri"],
                "scopes": self.oauth["scopes"], "authorization_metadata_key": self.oauth["auth_key"],
                "service_http_endpoint": "", "audience": "",
            })
        meta = self.oauth_metadata()
        keys = ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
                "scopes_supported", "grant_types_supported", "code_challenge_methods_supported",
                "token_endpoint_auth_methods_supported", "device_authorization_endpoint"]
        return self.send(200, {k: meta[k] for k in keys if k in meta})

    @classmethod
    def oauth_metadata(cls):
        if "metadata" not in cls.oauth:
            with urllib.request.urlopen(cls.oauth["url"] + "/.well-known/openid-configuration", timeout=10) as r:
                cls.oauth["metadata"] = json.loads(r.read().decode())
        return cls.oauth["metadata"]

    def check_bearer(self):
        """None when the request carries an active bearer token, else the 401 message."""
        header = self.headers.get(self.oauth["auth_key"]) or self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return "token parse error: no Bearer token"
        token = header[len("Bearer "):]
        if token in self.oauth["active"]:
            return None
        endpoint = self.oauth_metadata()["introspection_endpoint"]
        basic = base64.b64encode(self.oauth["introspect_client"].encode()).decode()
        request = urllib.request.Request(
            endpoint, data=urllib.parse.urlencode({"token": token}).encode(),
            headers={"Authorization": "Basic " + basic, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                answer = json.loads(r.read().decode())
        except (urllib.error.URLError, ValueError) as e:
            return f"token parse error: introspection failed: {e}"
        if not answer.get("active"):
            return "token parse error: invalid token"
        self.oauth["active"].add(token)
        return None

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--projects", default="flytesnacks")
    parser.add_argument("--legacy-conflicts", action="store_true")
    parser.add_argument("--token")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--oauth")
    parser.add_argument("--introspect-client", default="")
    parser.add_argument("--client-id", default="flytectl")
    parser.add_argument("--redirect-uri", default="http://localhost:53593/callback")
    parser.add_argument("--scopes", default="openid,offline_access,all")
    parser.add_argument("--auth-key", default="flyte-authorization")
    args = parser.parse_args()
    Handler.admin = Admin([p for p in args.projects.split(",") if p], args.legacy_conflicts)
    if args.seed:
        Handler.admin.seed()
    Handler.token = args.token
    if args.oauth:
        Handler.oauth = {
            "url": args.oauth.rstrip("/"), "introspect_client": args.introspect_client,
            "client_id": args.client_id, "redirect_uri": args.redirect_uri,
            "scopes": [x for x in args.scopes.split(",") if x], "auth_key": args.auth_key, "active": set(),
        }
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
