"""Regenerates flyteidl_schema.json, the message shapes the stand-in FlyteAdmin checks requests
against and emits responses with, from the real flyteidl descriptors.

Not run by the tests (they need only the JSON it wrote). To regenerate:
    python3 -m venv /tmp/fidl && /tmp/fidl/bin/pip install flyteidl==1.16.8
    /tmp/fidl/bin/python tests/standin/gen_schema.py > tests/standin/flyteidl_schema.json

For each message: its fields in declaration order, each with its proto name, JSON (lowerCamelCase)
name and type (`string`, `int64`, `enum:<name>`, a message's full name, a well-known type
`duration`/`timestamp`/`struct`/`bool_value`/`value`/`any`, prefixed `list:` or `map:`), and its
real oneofs; for each enum its value names in number order.
"""
import json

from flyteidl.admin import (
    common_pb2, execution_pb2, launch_plan_pb2, node_execution_pb2, project_pb2, task_pb2,
    version_pb2, workflow_pb2,
)
from google.protobuf.descriptor import FieldDescriptor as F

WELL_KNOWN = {
    "google.protobuf.Duration": "duration",
    "google.protobuf.Timestamp": "timestamp",
    "google.protobuf.Struct": "struct",
    "google.protobuf.BoolValue": "bool_value",
    "google.protobuf.Value": "value",
    "google.protobuf.Any": "any",
}
SCALARS = {
    F.TYPE_STRING: "string", F.TYPE_BYTES: "bytes", F.TYPE_BOOL: "bool",
    F.TYPE_INT32: "int32", F.TYPE_SINT32: "int32", F.TYPE_SFIXED32: "int32",
    F.TYPE_UINT32: "uint32", F.TYPE_FIXED32: "uint32",
    F.TYPE_INT64: "int64", F.TYPE_SINT64: "int64", F.TYPE_SFIXED64: "int64",
    F.TYPE_UINT64: "uint64", F.TYPE_FIXED64: "uint64",
    F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float",
}
messages, enums = {}, {}


def type_of(field):
    if field.type == F.TYPE_MESSAGE:
        message = field.message_type
        if message.full_name in WELL_KNOWN:
            return WELL_KNOWN[message.full_name]
        walk(message)
        return message.full_name
    if field.type == F.TYPE_ENUM:
        enum = field.enum_type
        enums[enum.full_name] = [v.name for v in sorted(enum.values, key=lambda v: v.number)]
        return "enum:" + enum.full_name
    return SCALARS[field.type]


def walk(descriptor):
    if descriptor.full_name in messages or descriptor.full_name in WELL_KNOWN:
        return
    entry = {"fields": [], "oneofs": {}}
    messages[descriptor.full_name] = entry
    for field in descriptor.fields:
        if field.type == F.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            kind = "map:" + type_of(field.message_type.fields_by_name["value"])
        else:
            kind = type_of(field)
            if field.is_repeated:
                kind = "list:" + kind
        entry["fields"].append({"name": field.name, "json": field.json_name, "type": kind})
    for oneof in descriptor.oneofs:
        if not oneof.name.startswith("_"):  # proto3 `optional` makes synthetic ones
            entry["oneofs"][oneof.name] = [f.name for f in oneof.fields]


for message in [
    task_pb2.TaskCreateRequest, task_pb2.Task, task_pb2.TaskList,
    execution_pb2.ExecutionCreateRequest, execution_pb2.ExecutionCreateResponse,
    execution_pb2.Execution, execution_pb2.ExecutionList, version_pb2.GetVersionResponse,
    project_pb2.Projects, project_pb2.Project, common_pb2.NamedEntityIdentifierList,
    workflow_pb2.Workflow, workflow_pb2.WorkflowList, launch_plan_pb2.LaunchPlan,
    launch_plan_pb2.LaunchPlanList,
    execution_pb2.ExecutionTerminateRequest, execution_pb2.ExecutionTerminateResponse,
    launch_plan_pb2.LaunchPlanUpdateRequest, launch_plan_pb2.LaunchPlanUpdateResponse,
    project_pb2.ProjectUpdateResponse,
    execution_pb2.WorkflowExecutionGetDataResponse, node_execution_pb2.NodeExecutionList,
    execution_pb2.ExecutionRelaunchRequest, execution_pb2.ExecutionRecoverRequest,
    workflow_pb2.WorkflowCreateRequest, launch_plan_pb2.LaunchPlanCreateRequest,
]:
    walk(message.DESCRIPTOR)
print(json.dumps({"flyteidl": "1.16.8", "messages": messages, "enums": enums}, indent=1))
